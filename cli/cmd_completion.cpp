// pokebench completion bash | pokebench man: the bash completion script and the
// man page, generated from the same CLI11 App that parses the command line.
// Both walk whatever subcommands and options are registered, so a new command
// is covered without editing this file. Both commands are hidden from --help;
// the build runs them to produce the installed files (cli/CMakeLists.txt).
#include "commands.hpp"
#include "diagnostics.hpp"

#include <fmt/core.h>

#include <cctype>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace pokebench::cli {
namespace {

// What an option's value (or a positional argument) completes to.
enum class ValueKind { flag, choices, files, directories, any };

struct OptionSpec {
  std::vector<std::string> names;  // "--long" and "-s" spellings; empty for a positional
  std::string positional;          // "FILE" for a positional argument
  std::string type;                // as --help shows it, e.g. "TEXT:{enable,disable}"; empty for a flag
  ValueKind kind = ValueKind::flag;
  std::vector<std::string> choices;
  std::string description, default_value, envname;
  bool required = false;
};

struct CommandSpec {
  std::string path;  // "pokebench results add"
  std::string description, footer;
  std::vector<OptionSpec> options;  // its own, its option groups', and its parents' when it falls through
  std::vector<std::string> subcommands;
  bool takes_extras = false;  // unknown arguments are passed on (pokebench bench)
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in(s);
  while (std::getline(in, part, sep)) out.push_back(part);
  return out;
}

// The type name is CLI11's own "BASE:validator:validator" (Option::get_type_name):
// an IsMember check shows its set as "{a,b}", a CheckedTransform its map as
// "value in {a->1,b->2} OR {1,2}", ExistingFile as "FILE".
void classify_value(CLI::Option& opt, OptionSpec& spec) {
  if (opt.get_items_expected_max() == 0) return;  // a flag
  spec.type = opt.get_type_name();
  const std::vector<std::string> parts = split(spec.type, ':');
  spec.kind = !parts.empty() && parts[0] == "TEXT" ? ValueKind::files : ValueKind::any;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    const std::size_t open = p.find('{'), close = p.find('}', open);
    if (open != std::string::npos && close != std::string::npos) {  // the first set: names before their values
      spec.kind = ValueKind::choices;
      for (std::string c : split(p.substr(open + 1, close - open - 1), ',')) {
        if (const auto arrow = c.find("->"); arrow != std::string::npos) c.resize(arrow);  // a Transform's map
        spec.choices.push_back(c);
      }
    } else if (p == "DIR") {
      spec.kind = ValueKind::directories;
    } else if (p == "FILE" || p.starts_with("PATH")) {
      spec.kind = ValueKind::files;
    }
  }
}

// Options of an App and of its (unnamed) option groups; hidden ones (empty group) are left out.
void collect_options(CLI::App& app, std::vector<OptionSpec>& out) {
  for (CLI::Option* opt : app.get_options()) {
    if (opt->get_group().empty()) continue;
    OptionSpec spec;
    for (const std::string& l : opt->get_lnames()) spec.names.push_back("--" + l);
    for (const std::string& s : opt->get_snames()) spec.names.push_back("-" + s);
    if (spec.names.empty()) spec.positional = opt->get_name(true);
    classify_value(*opt, spec);
    spec.description = opt->get_description();
    spec.default_value = opt->get_default_str();
    spec.envname = opt->get_envname();
    spec.required = opt->get_required();
    out.push_back(std::move(spec));
  }
  for (CLI::App* group : app.get_subcommands([](CLI::App* a) { return a->get_name().empty(); }))
    if (!group->get_group().empty()) collect_options(*group, out);
}

bool visible_command(CLI::App* a) { return !a->get_name().empty() && !a->get_group().empty(); }

// Every visible command, parents before children.
bool has_name(const std::vector<OptionSpec>& options, const std::string& name) {
  for (const OptionSpec& o : options)
    for (const std::string& n : o.names)
      if (n == name) return true;
  return false;
}

// Every visible command, parents before children. A subcommand that falls
// through also accepts its parent's options; the footer a subcommand inherits
// from its parent is its parent's.
void walk(CLI::App& app, const std::string& path, const CommandSpec* parent, std::vector<CommandSpec>& out) {
  CommandSpec spec;
  spec.path = path;
  spec.description = app.get_description();
  spec.footer = app.get_footer();
  if (parent && spec.footer == parent->footer) spec.footer.clear();
  spec.takes_extras = app.get_allow_extras();
  collect_options(app, spec.options);
  if (parent && app.get_fallthrough())
    for (const OptionSpec& o : parent->options)
      if (!o.names.empty() && !has_name(spec.options, o.names.front())) spec.options.push_back(o);
  const std::vector<CLI::App*> children = app.get_subcommands(visible_command);
  for (CLI::App* child : children) spec.subcommands.push_back(child->get_name());
  const CommandSpec mine = spec;
  out.push_back(std::move(spec));
  for (CLI::App* child : children) walk(*child, path + " " + child->get_name(), &mine, out);
}

std::vector<CommandSpec> describe_cli(CLI::App& root) {
  std::vector<CommandSpec> commands;
  walk(root, root.get_name(), nullptr, commands);
  return commands;
}

// ---- bash ----------------------------------------------------------------------------------------------

std::string sh_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string join(const std::vector<std::string>& v, const char* sep = " ") {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string kind_word(const OptionSpec& o) {
  switch (o.kind) {
    case ValueKind::flag:
      return "";
    case ValueKind::choices:
      return "choices " + join(o.choices);
    case ValueKind::files:
      return "files";
    case ValueKind::directories:
      return "dirs";
    case ValueKind::any:
      return "any";
  }
  return "";
}

// The completion function walks the words before the cursor through the
// tables: a command name extends the path, an option that takes a value
// consumes the next word ("--opt=value" arrives as "--opt" "=" "value" because
// '=' is in COMP_WORDBREAKS).
constexpr const char* kBashFunction = R"(
_@NAME@() {
  local cur=${COMP_WORDS[COMP_CWORD]} path=@NAME@ word value_of='' i=1 j REPLY
  while (( i < COMP_CWORD )); do
    word=${COMP_WORDS[i]}
    if [[ $word == -* ]]; then
      __@NAME@_value "$path" "$word"
      if [[ -n $REPLY ]]; then
        j=$((i + 1))
        [[ ${COMP_WORDS[j]-} == = ]] && j=$((j + 1))
        if (( j >= COMP_CWORD )); then value_of=$word; break; fi
        i=$j
      fi
    else
      __@NAME@_commands "$path"
      [[ " $REPLY " == *" $word "* ]] && path="$path $word"
    fi
    i=$((i + 1))
  done
  [[ $cur == = ]] && cur=
  COMPREPLY=()
  if [[ -n $value_of ]]; then
    __@NAME@_value "$path" "$value_of"
  elif [[ $cur == -* ]]; then
    __@NAME@_options "$path"
    mapfile -t COMPREPLY < <(compgen -W "$REPLY" -- "$cur")
    return 0
  else
    __@NAME@_commands "$path"
    mapfile -t COMPREPLY < <(compgen -W "$REPLY" -- "$cur")
    __@NAME@_positional "$path"
  fi
  case $REPLY in
    choices\ *) mapfile -t -O ${#COMPREPLY[@]} COMPREPLY < <(compgen -W "${REPLY#choices }" -- "$cur") ;;
    files) compopt -o filenames 2>/dev/null; mapfile -t -O ${#COMPREPLY[@]} COMPREPLY < <(compgen -f -- "$cur") ;;
    dirs) compopt -o filenames 2>/dev/null; mapfile -t -O ${#COMPREPLY[@]} COMPREPLY < <(compgen -d -- "$cur") ;;
  esac
  return 0
}
complete -F _@NAME@ @NAME@
)";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

std::string bash_completion(const std::vector<CommandSpec>& commands) {
  const std::string name = commands.front().path;
  std::string commands_case, options_case, value_case, positional_case;
  for (const CommandSpec& c : commands) {
    if (!c.subcommands.empty())
      commands_case += fmt::format("    {}) REPLY={} ;;\n", sh_quote(c.path), sh_quote(join(c.subcommands)));
    std::vector<std::string> names;
    for (const OptionSpec& o : c.options) {
      names.insert(names.end(), o.names.begin(), o.names.end());
      const std::string kind = kind_word(o);
      for (const std::string& n : o.names)
        if (!kind.empty())
          value_case += fmt::format("    {}) REPLY={} ;;\n", sh_quote(c.path + " " + n), sh_quote(kind));
      if (!o.positional.empty() && !kind.empty() && positional_case.find(sh_quote(c.path) + ")") == std::string::npos)
        positional_case += fmt::format("    {}) REPLY={} ;;\n", sh_quote(c.path), sh_quote(kind));
    }
    options_case += fmt::format("    {}) REPLY={} ;;\n", sh_quote(c.path), sh_quote(join(names)));
  }
  auto table = [&](const char* fn, const char* args, const char* what, const std::string& cases) {
    return fmt::format("# {}\n__{}_{}() {{\n  case \"{}\" in\n{}    *) REPLY= ;;\n  esac\n}}\n", what, name, fn, args,
                       cases);
  };
  return fmt::format(
             "# bash completion for {0}, generated by `{0} completion bash` from the program's own\n"
             "# command definitions: regenerate it, do not edit it.\n\n",
             name) +
         table("commands", "$1", "subcommands of the command path $1", commands_case) +
         table("options", "$1", "options accepted at the command path $1", options_case) +
         table("value", "$1 $2",
               "what option $2 at the command path $1 takes: choices LIST, files, dirs, any, or "
               "nothing (a flag)",
               value_case) +
         table("positional", "$1", "what the positional arguments of the command path $1 complete to",
               positional_case) +
         replace_all(kBashFunction, "@NAME@", name);
}

// ---- man -----------------------------------------------------------------------------------------------

// Text for a roff line: backslashes escaped, no line starts with a control character.
std::string roff(const std::string& text, bool literal_hyphens = false) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\e";
    else if (c == '-' && literal_hyphens)
      out += "\\-";
    else
      out += c;
    if (c == '\n') out += "\\&";
  }
  return "\\&" + out;
}

// A footer's indented lines (examples, tables) keep their layout; the rest is filled text.
std::string roff_block(const std::string& text) {
  std::string out = ".PP\n";
  bool in_nf = false;
  for (const std::string& line : split(text, '\n')) {
    const bool indented = !line.empty() && line[0] == ' ';
    if (indented != in_nf) out += indented ? ".PP\n.nf\n" : ".fi\n.PP\n";
    in_nf = indented;
    out += line.empty() ? ".PP\n" : roff(line) + "\n";
  }
  if (in_nf) out += ".fi\n";
  return out;
}

std::string option_synopsis(const OptionSpec& o) {
  std::string names;
  for (const std::string& n : o.names) names += (names.empty() ? "" : ", ") + fmt::format("\\fB{}\\fR", roff(n, true));
  if (!o.positional.empty()) return fmt::format("\\fI{}\\fR", roff(o.positional));
  return o.type.empty() ? names : fmt::format("{} \\fI{}\\fR", names, roff(o.type, true));
}

std::string man_page(const std::vector<CommandSpec>& commands) {
  const CommandSpec& root = commands.front();
  std::string summary = root.description;
  if (summary.starts_with(root.path + ": ")) summary.erase(0, root.path.size() + 2);
  std::string title = root.path;
  for (char& c : title) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string out = fmt::format(
      ".\\\" Generated by `{0} man` from the program's own command definitions.\n"
      ".TH {1} 1 \"\" \"{0} {2}\" \"User Commands\"\n.SH NAME\n{0} \\- {3}\n"
      ".SH SYNOPSIS\n.B {0}\n\\fICOMMAND\\fR [\\fIOPTIONS\\fR]\n",
      root.path, title, POKEBENCH_VERSION, roff(summary));
  out += ".SH DESCRIPTION\n" + roff(root.description) + "\n" + (root.footer.empty() ? "" : roff_block(root.footer));
  std::vector<const OptionSpec*> with_env;
  for (const CommandSpec& c : commands) {
    out += &c == &root ? std::string(".SH OPTIONS\n")
                       : fmt::format(".SS {}\n{}.PP\n", roff(c.path, true), roff_block(c.description));
    for (const OptionSpec& o : c.options) {
      std::string text = o.description;
      if (!o.default_value.empty()) text += " (default: " + o.default_value + ")";
      if (o.required) text += " (required)";
      if (!o.envname.empty()) {
        text += " (environment: " + o.envname + ")";
        with_env.push_back(&o);
      }
      out += fmt::format(".TP\n{}\n{}\n", option_synopsis(o), roff(text));
    }
    if (c.takes_extras) out += ".TP\n\\fIARGS\\fR...\n\\&Other arguments are passed on (see below).\n";
    if (!c.subcommands.empty()) out += fmt::format(".PP\nCommands: {}.\n", roff(join(c.subcommands, ", ")));
    if (&c == &root)
      out += ".SH COMMANDS\n";
    else if (!c.footer.empty())
      out += roff_block(c.footer);
  }
  if (!with_env.empty()) {
    out += ".SH ENVIRONMENT\n";
    for (const OptionSpec* o : with_env)
      out += fmt::format(".TP\n.B {}\n\\&Default for {}.\n", o->envname, roff(join(o->names, ", "), true));
  }
  return out;
}

int write_output(const std::string& text, const std::string& file) {
  if (file.empty()) {
    fmt::print("{}", text);
    return 0;
  }
  std::ofstream f(file);
  f << text;
  f.close();
  if (!f) {
    error("cannot write --output {}: check the directory exists and is writable", file);
    return 2;
  }
  return 0;
}

}  // namespace

void add_completion(CLI::App& app) {
  auto output = std::make_shared<std::string>();
  auto* completion = app.add_subcommand("completion", "Print the bash completion script for every command and option.");
  completion->group("");  // hidden: the build installs its output
  completion->add_option("SHELL", "Shell to complete in")->required()->check(CLI::IsMember({"bash"}));
  completion->add_option("-o,--output", *output, "Write to FILE instead of standard output");
  completion->callback([&app, output] {
    set_action([&app, output] { return write_output(bash_completion(describe_cli(app)), *output); });
  });

  auto* man = app.add_subcommand("man", "Print the man page (roff) of every command and option.");
  man->group("");
  man->add_option("-o,--output", *output, "Write to FILE instead of standard output");
  man->callback(
      [&app, output] { set_action([&app, output] { return write_output(man_page(describe_cli(app)), *output); }); });
}

}  // namespace pokebench::cli
