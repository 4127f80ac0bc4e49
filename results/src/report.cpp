// The HTML report. Every plot is a gnuplot SVG inlined in the page, so the
// file is self-contained: no scripts, no network, no side files.
#include <pokebench/results/report.hpp>

#include <pokebench/results/gnuplot.hpp>

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <map>
#include <regex>
#include <set>

namespace pokebench::results {

namespace {

std::string escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&#39;"; break;
    default: out += c;
    }
  }
  return out;
}

// gnuplot strings are single-quoted; '' is its escape for a quote.
std::string gp_string(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// Benchmark names carry '_' and '/' that gnuplot's enhanced text would eat.
std::string gp_title(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '_' || c == '^' || c == '{' || c == '}' || c == '@' || c == '&' || c == '~') out += '\\';
    if (c == '\\') out += '\\';
    out += c;
  }
  return gp_string(out);
}

// A string column of a gnuplot data file: double quotes, which it strips.
std::string data_label(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? '\'' : c;
  return out + "\"";
}

struct Spread {
  double median = NAN, low = NAN, high = NAN;
  bool valid() const { return !std::isnan(median); }
};

Spread spread(const std::vector<double>& v) {
  if (v.empty()) return {};
  return {median(v), *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end())};
}

std::string num(double v) { return std::isnan(v) ? "?" : fmt::format("{:.6g}", v); }

// Every plot's SVG uses the same element ids (gnuplot_canvas, gpPt0, ...);
// prefixing them keeps the ids of one page unique.
std::string prefix_ids(std::string svg, const std::string& prefix) {
  const std::pair<std::string, std::string> rewrites[] = {
      {"id='", "id='" + prefix}, {"id=\"", "id=\"" + prefix}, {"href='#", "href='#" + prefix},
      {"href=\"#", "href=\"#" + prefix}, {"url(#", "url(#" + prefix}};
  for (const auto& [from, to] : rewrites)
    for (std::size_t p = svg.find(from); p != std::string::npos; p = svg.find(from, p + to.size()))
      svg.replace(p, from.size(), to);
  return svg;
}

class Page {
public:
  Page(const ResultDocument& run, const std::vector<HistoryRun>& history, const ReportOptions& o)
      : run_(run), history_(history), o_(o), gnuplot_(o.gnuplot) {}

  std::string render() {
    html_ += "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n";
    html_ += fmt::format("<title>pokebench report: {} {}</title>\n", escape(run_.context.host),
                         escape(run_.context.git_sha.substr(0, 12)));
    html_ += R"(<style>
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .5em 0; font-size: .9em; }
td, th { border: 1px solid #ccc; padding: .2em .5em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.ok { background: #e3f4e3; } td.hang { background: #f8c9c9; font-weight: bold; } td.none { color: #999; }
td.expected { background: #fde9c4; }
.banner { padding: .6em 1em; border-radius: 4px; margin: 1em 0; }
.banner.good { background: #e3f4e3; } .banner.bad { background: #f8c9c9; }
figure { margin: 1em 0; } figcaption { font-size: .9em; color: #555; }
.note { color: #555; font-style: italic; }
</style>
</head>
<body>
)";
    html_ += "<h1>pokebench report</h1>\n";
    context_section();
    correctness_banner();
    strategy_section();
    flip_section();
    matrix_section();
    trend_section();
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    html_ += fmt::format("<p class='note'>Generated {} from {}. Plots drawn by gnuplot ({}).</p>\n</body>\n</html>\n",
                         buf, escape(run_.origin), escape(gnuplot_.executable()));
    return html_;
  }

private:
  void figure(const std::string& id, const std::string& svg, const std::string& caption) {
    html_ += fmt::format("<figure id='{}'>\n{}\n<figcaption>{}</figcaption>\n</figure>\n", id,
                         prefix_ids(svg, id + "-"), caption);
  }
  void note(const std::string& text) { html_ += "<p class='note'>" + escape(text) + "</p>\n"; }

  void context_section() {
    const Context& c = run_.context;
    html_ += "<h2>Context</h2>\n<table id='context'>\n";
    auto row = [&](const std::string& k, const std::string& v) {
      html_ += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", escape(k), escape(v.empty() ? "-" : v));
    };
    row("date", c.date);
    row("git commit", c.git_sha);
    row("host", c.host);
    row("cpu", c.cpu_model + (c.cpus ? fmt::format(" ({} cpus)", *c.cpus) : ""));
    row("virtual machine", c.vm ? (*c.vm ? "yes" : "no") : "");
    row("kernel", c.kernel);
    row("compiler", c.compiler);
    row("flags", c.flags);
    row("counters", c.counters + (c.tsc_ghz ? fmt::format(" (TSC {:.4g} GHz)", *c.tsc_ghz) : ""));
    for (const auto& [k, v] : c.extra.items()) row(k, v.is_string() ? v.get<std::string>() : v.dump());
    html_ += "</table>\n";
  }

  void correctness_banner() {
    const RegressReport self = regress(run_, run_, o_.gate);  // only its correctness part is used
    if (self.correctness.empty()) {
      note("This run carries no correctness data (pokebench compare / torture).");
      return;
    }
    std::vector<std::string> failures;
    for (const CorrectnessRow& c : self.correctness)
      if (c.gates) failures.push_back(c.reason);
    if (failures.empty()) {
      html_ += "<p class='banner good' id='correctness-verdict'>Correctness: every fix strategy (ordered, cached, "
               "cookie) held; the v4.12 per-site strategy reproduced its hang.</p>\n";
    } else {
      html_ += "<div class='banner bad' id='correctness-verdict'><b>Correctness FAILED:</b><ul>";
      std::set<std::string> unique(failures.begin(), failures.end());
      for (const auto& f : unique) html_ += "<li>" + escape(f) + "</li>";
      html_ += "</ul></div>\n";
    }
  }

  void strategy_section() {
    html_ += "<h2>Strategy comparison: cost per loop iteration</h2>\n";
    static const std::vector<std::string> known{"plain", "load-test", "per-site", "batched", "ordered", "cached", "cookie"};
    static const std::vector<std::string> states{"off", "on", "flipping"};
    std::vector<std::string> variants;
    bool cycles = false;
    for (const Sample& s : run_.samples) {
      if (s.benchmark.rfind("loop/", 0) != 0) continue;
      const auto slash = s.benchmark.find('/', 5);
      if (slash == std::string::npos) continue;
      const std::string v = s.benchmark.substr(5, slash - 5);
      if (std::find(variants.begin(), variants.end(), v) == variants.end()) variants.push_back(v);
      cycles = cycles || s.counters.contains("cycles_per_iter");
    }
    std::stable_sort(variants.begin(), variants.end(), [&](const std::string& a, const std::string& b) {
      auto rank = [&](const std::string& v) {
        return static_cast<std::size_t>(std::find(known.begin(), known.end(), v) - known.begin());
      };
      return rank(a) < rank(b);
    });
    const std::string metric = cycles ? "cycles_per_iter" : "real_time";
    std::string data;
    for (const std::string& v : variants) {
      data += data_label(v);
      for (const std::string& st : states) {
        const Spread sp = spread(metric_values(run_, "loop/" + v + "/" + st, metric));
        data += fmt::format(" {} {} {}", num(sp.median), num(sp.low), num(sp.high));
      }
      data += "\n";
    }
    const char* spread_from = "min-max over repetitions";
    if (variants.empty() && run_.compare.is_array()) {
      // No benchmark rows: fall back to what `pokebench compare` measured (medians only).
      for (const auto& s : run_.compare) {
        const auto* cost = s.contains("cost") ? &s["cost"] : nullptr;
        if (!s.contains("name") || !cost || !cost->contains("cycles_per_iter")) continue;
        data += data_label(s["name"].get<std::string>());
        for (const std::string& st : states) {
          const auto& c = (*cost)["cycles_per_iter"];
          const double v = c.contains(st) && c[st].is_number() ? c[st].get<double>() : NAN;
          data += fmt::format(" {} {} {}", num(v), num(v), num(v));
        }
        data += "\n";
        variants.push_back(s["name"].get<std::string>());
      }
      cycles = true;
      spread_from = "medians from pokebench compare, no spread available";
    }
    if (variants.empty()) {
      note("No loop/<variant>/<state> benchmarks in this run.");
      return;
    }
    const std::string unit = cycles ? "cycles per iteration" : "ns per iteration";
    const std::string script = fmt::format(R"(set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.85 border rgb '#333333'
set logscale y
set grid ytics
set key top left
set ylabel {}
set xtics nomirror
plot $bars using 2:3:4:xtic(1) title 'off' lc rgb '#4c72b0', \
     '' using 5:6:7 title 'on' lc rgb '#dd8452', \
     '' using 8:9:10 title 'flipping' lc rgb '#c44e52'
)",
                                           gp_title(unit + " (median)"));
    figure("plot-strategies", gnuplot_.render_svg(script, {{"bars", data}}, 960, 420),
           fmt::format("Cost of one get_any_partial-shaped loop iteration per strategy, key off, on and flipping; "
                       "bars show the median {}, whiskers the {} (log scale).",
                       unit, spread_from));
  }

  void flip_section() {
    html_ += "<h2>Flip latency against number of sites</h2>\n";
    static const std::regex name(R"(^patch/([^/]+)/([^/]+)/sites:(\d+)$)");
    std::map<std::string, std::map<int, std::vector<double>>> series;  // "strategy / backend" -> N -> us
    for (const Sample& s : run_.samples) {
      std::smatch m;
      if (!std::regex_match(s.benchmark, m, name)) continue;
      series[m[1].str() + " / " + m[2].str()][std::stoi(m[3].str())].push_back(s.real_time_ns / 1e3);
    }
    if (series.empty()) {
      note("No patch/<per-site|batched>/<backend>/sites:<N> benchmarks in this run.");
      return;
    }
    std::map<std::string, std::string> data;
    std::string plot = "plot ";
    int i = 0;
    for (const auto& [title, points] : series) {
      std::string d;
      for (const auto& [n, us] : points) {
        const Spread sp = spread(us);
        d += fmt::format("{} {} {} {}\n", n, num(sp.median), num(sp.low), num(sp.high));
      }
      const std::string key = fmt::format("flip{}", i);
      data[key] = d;
      plot += fmt::format("{}${} using 1:2:3:4 with yerrorlines lw 2 pt 7 title {}", i ? ", \\\n     " : "", key,
                          gp_title(title));
      ++i;
    }
    const std::string script = "set logscale xy\nset grid\nset key top left\nset xlabel 'sites per key'\n"
                               "set ylabel 'microseconds per flip (median)'\nset offsets graph 0.05, graph 0.05, 0, 0\n" +
                               plot + "\n";
    figure("plot-flip", gnuplot_.render_svg(script, data, 960, 420),
           "One key flip (enable or disable) against the number of sites of the key, per-site against batched "
           "application, for each text_poke backend; median with min-max whiskers, log-log.");
  }

  // Red only where a hang is a failure; the v4.12 reader hanging is the harness doing its job.
  static const char* cell_class(const std::string& strategy, bool hung) {
    if (!hung) return "ok";
    return is_fix_strategy(strategy) ? "hang" : "expected";
  }

  void matrix_section() {
    html_ += "<h2>Correctness</h2>\n";
    if (!run_.correctness.empty()) {
      html_ += "<table id='compare-correctness'>\n<tr><th>strategy</th><th>direction</th><th>hangs / trials</th>"
               "<th>torn reads</th><th>unchecked reads</th><th>max retries</th></tr>\n";
      for (const StrategyCorrectness& sc : run_.correctness)
        html_ += fmt::format("<tr><td>{}</td><td>{}</td><td class='num {}'>{} / {}</td><td class='num'>{}</td>"
                             "<td class='num'>{}</td><td class='num'>{}</td></tr>\n",
                             escape(sc.strategy), escape(sc.direction),
                             cell_class(sc.strategy, sc.counts.hangs || sc.counts.torn_reads), sc.counts.hangs,
                             sc.counts.trials, sc.counts.torn_reads, sc.counts.unchecked_reads,
                             sc.counts.max_retries);
      html_ += "</table>\n";
    }
    if (run_.matrix.empty()) {
      note("No torture matrix (strategy x direction x order x int3 policy) in this run.");
      return;
    }
    // Rows: strategy x direction; columns: order x int3 policy, in the order first seen.
    std::vector<std::string> rows, orders, policies;
    auto add = [](std::vector<std::string>& v, const std::string& s) {
      if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
    };
    std::map<std::string, const MatrixCell*> cells;
    for (const MatrixCell& c : run_.matrix) {
      add(rows, c.strategy + "\t" + c.direction);
      add(orders, c.order);
      add(policies, c.int3);
      cells[c.strategy + "\t" + c.direction + "\t" + c.order + "\t" + c.int3] = &c;
    }
    html_ += "<table id='correctness-matrix'>\n<tr><th rowspan='2'>strategy</th><th rowspan='2'>direction</th>";
    for (const auto& order : orders) html_ += fmt::format("<th colspan='{}'>{}</th>", policies.size(), escape(order));
    html_ += "</tr>\n<tr>";
    for (std::size_t k = 0; k < orders.size(); ++k)
      for (const auto& p : policies) html_ += "<th>" + escape(p) + "</th>";
    html_ += "</tr>\n";
    for (const auto& r : rows) {
      const auto tab = r.find('\t');
      html_ += fmt::format("<tr><th>{}</th><td>{}</td>", escape(r.substr(0, tab)), escape(r.substr(tab + 1)));
      for (const auto& order : orders)
        for (const auto& p : policies) {
          auto it = cells.find(r + "\t" + order + "\t" + p);
          if (it == cells.end()) {
            html_ += "<td class='none'>-</td>";
            continue;
          }
          const MatrixCell& c = *it->second;
          html_ += fmt::format("<td class='{}' title='{} hangs, {} torn reads in {} trials'>{}</td>",
                               cell_class(c.strategy, c.verdict != "OK"), c.hangs, c.torn_reads, c.trials,
                               escape(c.verdict));
        }
      html_ += "</tr>\n";
    }
    html_ += "</table>\n<p class='note'>Red: a fix strategy failed. Amber: the v4.12 reader (per-site, batched) "
             "hung, as it is expected to. HANG: a sync was not acknowledged while a vCPU spun in its begin/retry loop "
             "with IRQs masked. TORN: a checked read saw a torn nodemask. The v4.12 per-site strategy is expected "
             "to hang; ordered, cached and cookie must not.</p>\n";
  }

  void trend_section() {
    html_ += "<h2>Trends over the history</h2>\n";
    if (history_.size() < 2) {
      note(history_.empty() ? "No history given (pass --history DB with stored runs)."
                            : "Only one run in the history: a trend needs two.");
      return;
    }
    std::regex key;
    try {
      key = std::regex(o_.trend_regex);
    } catch (const std::regex_error& e) {
      throw EnvironmentError(fmt::format("--trend '{}': not a regular expression: {}", o_.trend_regex, e.what()));
    }
    std::vector<std::string> names;
    for (const HistoryRun& h : history_)
      for (const Sample& s : h.doc.samples)
        if (std::regex_search(s.benchmark, key) && std::find(names.begin(), names.end(), s.benchmark) == names.end())
          names.push_back(s.benchmark);
    std::sort(names.begin(), names.end());
    if (names.empty()) {
      note(fmt::format("No benchmark of the history matches the trend pattern '{}'.", o_.trend_regex));
      return;
    }
    // Regressions: each run gated against the run before it, as the nightly gate would.
    std::set<std::pair<std::size_t, std::string>> regressed;
    for (std::size_t i = 1; i < history_.size(); ++i)
      for (const TimingRow& t : regress(history_[i - 1].doc, history_[i].doc, o_.gate).timings)
        if (t.verdict == Verdict::regression) regressed.insert({i, t.benchmark});

    const std::string& metric = o_.gate.metric;
    std::map<std::string, std::string> data;
    std::string plot = "plot ";
    std::string marks;
    for (std::size_t n = 0; n < names.size(); ++n) {
      std::string d;
      for (std::size_t i = 0; i < history_.size(); ++i) {
        const std::vector<double> v = metric_values(history_[i].doc, names[n], metric);
        if (v.empty()) continue;
        const double m = median(v);
        d += fmt::format("{} {}\n", i, num(m));
        if (regressed.contains({i, names[n]})) marks += fmt::format("{} {}\n", i, num(m));
      }
      if (d.empty()) continue;
      const std::string k = fmt::format("trend{}", n);
      data[k] = d;
      plot += fmt::format("{}${} using 1:2 with linespoints lw 2 pt 7 ps 0.6 title {}", n ? ", \\\n     " : "", k,
                          gp_title(names[n]));
    }
    if (!marks.empty()) {
      data["marks"] = marks;
      plot += ", \\\n     $marks using 1:2 with points pt 6 ps 3 lw 3 lc rgb '#d62728' title 'regression (gate vs "
              "previous run)'";
    }
    std::string xtics = "set xtics rotate by -40 (";
    for (std::size_t i = 0; i < history_.size(); ++i) {
      const HistoryRun& h = history_[i];
      const std::string sha = h.doc.context.git_sha.empty() ? "?" : h.doc.context.git_sha.substr(0, 7);
      const std::string label = h.id > 0 ? fmt::format("#{} {}", h.id, sha) : "this run " + sha;
      xtics += fmt::format("{}{} {}", i ? ", " : "", gp_string(label), i);
    }
    xtics += ")\n";
    const bool time = metric == "real_time" || metric == "cpu_time";
    const std::string script = fmt::format("set logscale y\nset grid\nset key outside right top\nset xlabel "
                                           "'run (commit)'\nset ylabel {}\nset xrange [-0.5:{}]\n{}{}\n",
                                           gp_title(time ? metric + " median (ns)" : metric + " (median)"),
                                           static_cast<double>(history_.size()) - 0.5, xtics, plot);
    figure("plot-trends", gnuplot_.render_svg(script, data, 1060, 460),
           fmt::format("Median {} of the key benchmarks (pattern {}) over the last {} runs, one line each; red "
                       "circles mark a run the gate flags as a regression against the run before it.",
                       escape(metric), escape(o_.trend_regex), history_.size()));
    if (!regressed.empty()) {
      html_ += "<ul id='trend-regressions'>";
      for (const auto& [i, bench] : regressed)
        html_ += fmt::format("<li>run {} ({}): <code>{}</code> regressed against the run before</li>",
                             history_[i].id > 0 ? fmt::format("#{}", history_[i].id) : std::string("this run"),
                             escape(history_[i].doc.context.git_sha.substr(0, 12)), escape(bench));
      html_ += "</ul>\n";
    }
  }

  const ResultDocument& run_;
  const std::vector<HistoryRun>& history_;
  const ReportOptions& o_;
  Gnuplot gnuplot_;
  std::string html_;
};

} // namespace

std::string render_report(const ResultDocument& run, const std::vector<HistoryRun>& history,
                          const ReportOptions& options) {
  return Page(run, history, options).render();
}

} // namespace pokebench::results
