// What several commands' definitions share, written once: the subcommand and
// its options object, the wiring of a command to its action and the options
// that mean the same everywhere (--format, --out, --history, --json).
#pragma once

#include "commands.hpp"

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pokebench::cli {

// A command's help text: a one-line summary, which is all `pokebench --help`
// lists (CommandListFormatter), and the details, which the command's own
// --help shows below it.
inline std::string command_help(std::string summary, std::string_view details = {}) {
  if (!details.empty()) (summary += "\n\n") += details;
  return summary;
}

// Lists a command's subcommands by the first line of their help, so that the
// list of commands stays a list; each command's own --help is whole.
class CommandListFormatter : public CLI::Formatter {
 public:
  std::string make_subcommand(const CLI::App* sub) const override;
};

// The subcommand `name` of `app` with its help text (command_help), and the
// options object its definition fills (given to on_parsed()).
template <class Options>
std::pair<CLI::App*, std::shared_ptr<Options>> add_command(CLI::App& app, std::string name, std::string summary,
                                                           std::string_view details = {}) {
  return {app.add_subcommand(std::move(name), command_help(std::move(summary), details)), std::make_shared<Options>()};
}

// Once the command line is parsed, the command's action is run(*o); main()
// returns what it returns.
template <class Options, class Run>
void on_parsed(CLI::App* cmd, std::shared_ptr<Options> o, Run run) {
  cmd->callback([o, run] { set_action([o, run] { return run(*o); }); });
}

// --format, one of `choices`; the default is what `format` holds.
inline CLI::Option* add_format_option(CLI::App* cmd, std::string& format, std::vector<std::string> choices) {
  return cmd->add_option("--format", format, "Output format")
      ->check(CLI::IsMember(std::move(choices)))
      ->capture_default_str();
}

// --out FILE: the output printed is also written to FILE.
inline CLI::Option* add_copy_out_option(CLI::App* cmd, std::string& out) {
  return cmd->add_option("--out", out, "Also write the output to this file (atomically)");
}

// --history, which $POKEBENCH_HISTORY gives when the option is not.
inline CLI::Option* add_history_option(CLI::App* cmd, std::string& history, std::string help) {
  return cmd->add_option("--history", history, std::move(help))->envname("POKEBENCH_HISTORY")->capture_default_str();
}

// --json FILE: writes `json` and a newline to `path` atomically (nothing when
// `path` is empty). False, with the reason printed, when it cannot.
bool write_json_option(const std::string& path, const std::string& json);

}  // namespace pokebench::cli
