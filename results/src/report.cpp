// The HTML report. Every plot is a gnuplot SVG inlined in the page, so the
// file is self-contained: no scripts, no network, no side files.
#include <pokebench/results/report.hpp>

#include "report_html.hpp"

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

using namespace detail;

struct Spread {
  double median = NAN, low = NAN, high = NAN;
  bool valid() const { return !std::isnan(median); }
};

Spread spread(const std::vector<double>& v) {
  if (v.empty()) return {};
  return {median(v), *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end())};
}

class Page {
 public:
  Page(const ResultDocument& run, const std::vector<HistoryRun>& history, const ReportOptions& o,
       const std::vector<HostHistory>& hosts)
      : run_(run), history_(history), hosts_(hosts), o_(o), gnuplot_(o.gnuplot) {}

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
td.expected { background: #fde9c4; } td.unknown { background: #e4e4e4; }
.banner { padding: .6em 1em; border-radius: 4px; margin: 1em 0; }
.banner.good { background: #e3f4e3; } .banner.bad { background: #f8c9c9; }
figure { margin: 1em 0; } figcaption { font-size: .9em; color: #555; }
.note { color: #555; font-style: italic; }
.hosts { display: flex; flex-wrap: wrap; gap: 1em; } .host { flex: 1 1 500px; min-width: 0; }
</style>
</head>
<body>
)";
    html_ += "<h1>pokebench report</h1>\n";
    gate_banner();
    correctness_banner();
    context_section();
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

  // The first screen: the gate's verdict on this run against the stored runs before it, and what gated.
  void gate_banner() {
    std::vector<ResultDocument> before;
    const std::size_t stored = history_.empty() ? 0 : history_.size() - 1;  // the last entry is this run
    for (std::size_t i = stored > o_.baseline_runs ? stored - o_.baseline_runs : 0; i < stored; ++i)
      before.push_back(history_[i].doc);
    const RegressReport gate = before.empty() ? regress(run_, run_, o_.gate) : regress_history(before, run_, o_.gate);
    std::vector<std::string> what;
    for (const TimingRow& t : gate.timings)
      if (t.verdict == Verdict::regression)
        what.push_back(fmt::format("{}: {} {:+.1f}% (run-to-run spread {:.1f}%, p = {:.2g})", t.benchmark, t.metric,
                                   t.change_pct, t.spread_pct, t.p_value));
    for (const InsnsRow& i : gate.insns)
      if (i.verdict == Verdict::regression || i.verdict == Verdict::changed)
        what.push_back(fmt::format("{}: instructions {:.6g} -> {:.6g}", i.benchmark, i.baseline, i.current));
    for (const ExactRow& e : gate.exact)
      if (e.gated && (e.verdict == Verdict::regression || e.verdict == Verdict::changed))
        what.push_back(fmt::format("{}: {} {:.6g} -> {:.6g}", e.benchmark, e.counter, e.baseline, e.current));
    for (const CorrectnessRow& c : gate.correctness)
      if (c.gates) what.push_back(c.reason);
    const std::string against = before.empty() ? std::string("no stored run before this one: timings are not gated")
                                               : fmt::format("against the {} stored run(s) before it", before.size());
    std::string verdict = gate.gated() ? "REGRESSION" : "OK";
    html_ += fmt::format("<div class='banner {}' id='gate-verdict'><b>Gate: {}</b> ({})", gate.gated() ? "bad" : "good",
                         verdict, escape(against));
    if (gate.host_shift)
      html_ += fmt::format(
          "<br>This host ran {} than its stored runs ({:+.1f}% across most rows): reported once, "
          "not as regressions.",
          gate.run_shift_pct > 0 ? "slower" : "faster", gate.run_shift_pct);
    if (!what.empty()) {
      html_ += "<ul id='gate-regressions'>";
      for (const auto& w : what) html_ += "<li>" + escape(w) + "</li>";
      html_ += "</ul>";
    }
    html_ += "</div>\n";
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
      html_ +=
          "<p class='banner good' id='correctness-verdict'>Correctness: every strategy the run marks as a fix "
          "held; the v4.12 per-site strategy reproduced its hang.</p>\n";
    } else {
      html_ += "<div class='banner bad' id='correctness-verdict'><b>Correctness FAILED:</b><ul>";
      std::set<std::string> unique(failures.begin(), failures.end());
      for (const auto& f : unique) html_ += "<li>" + escape(f) + "</li>";
      html_ += "</ul></div>\n";
    }
  }

  void strategy_section() {
    html_ += "<h2>Strategy comparison: cost per loop iteration</h2>\n";
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
    // Variants stay in the order the run has them (the benches register baselines, then strategies).
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
    const std::string script =
        "set logscale xy\nset grid\nset key top left\nset xlabel 'sites per key'\n"
        "set ylabel 'microseconds per flip (median)'\nset offsets graph 0.05, graph 0.05, 0, 0\n" +
        plot + "\n";
    figure("plot-flip", gnuplot_.render_svg(script, data, 960, 420),
           "One key flip (enable or disable) against the number of sites of the key, per-site against batched "
           "application, for each text_poke backend; median with min-max whiskers, log-log.");
  }

  // Red only where the document says the result must be OK; a hang allowed there is the harness doing its job.
  static const char* cell_class(std::optional<bool> must_hold, bool hung) {
    if (!hung) return "ok";
    if (!must_hold) return "unknown";
    return *must_hold ? "hang" : "expected";
  }
  std::optional<bool> compare_fix(const std::string& strategy) const {
    for (const StrategyCorrectness& sc : run_.correctness)
      if (sc.strategy == strategy && sc.is_fix) return sc.is_fix;
    return std::nullopt;
  }

  // What `pokebench explore` said of a strategy, as compare stored it next to
  // the stress counts (bench/include/pokebench/bench/compare.hpp, ModelVerdict):
  // "proved up to R readers, S site pairs" only where compare marked it proved,
  // which it does only when this run's stress cells agree.
  std::pair<std::string, std::string> model_cell(const StrategyCorrectness& sc) const {
    for (const nlohmann::json& s : run_.compare) {
      const auto name = s.find("name");
      if (!s.is_object() || name == s.end() || *name != sc.strategy) continue;
      const auto m = s.find("model");
      if (m == s.end() || !m->is_object()) break;
      auto number = [&](const char* key) {
        const auto v = m->find(key);
        return v != m->end() && v->is_number_unsigned() ? v->get<std::uint64_t>() : std::uint64_t{0};
      };
      const auto verdict = m->find("verdict");
      const auto proved = m->find("proved");
      const auto agrees = m->find("agrees_with_stress");
      if (proved != m->end() && *proved == true)
        return {"ok",
                fmt::format("proved up to {} readers, {} site pairs", number("max_readers"), number("max_sites"))};
      std::string text = verdict != m->end() && verdict->is_string() ? verdict->get<std::string>() : "?";
      if (number("failing")) text += fmt::format(" in {}/{}", number("failing"), number("configurations"));
      const bool agreed = agrees != m->end() && *agrees == true;
      if (!agreed) text += " (stress disagrees)";
      return {agreed && text.rfind("OK", 0) != 0 ? cell_class(sc.is_fix, true) : "unknown", text};
    }
    return {"none", "not explored"};
  }

  void matrix_section() {
    html_ += "<h2>Correctness</h2>\n";
    if (!run_.correctness.empty()) {
      html_ +=
          "<table id='compare-correctness'>\n<tr><th>strategy</th><th>direction</th><th>hangs / trials</th>"
          "<th>torn reads</th><th>violations</th><th>lock inversions</th><th>unchecked reads</th><th>max "
          "retries</th><th>model (explore)</th></tr>\n";
      for (const StrategyCorrectness& sc : run_.correctness) {
        const auto [model_class, model_text] = model_cell(sc);
        const DirectionCorrectness& n = sc.counts;
        const bool failed = n.hangs || n.torn_reads || n.violations || n.lock_inversions;
        html_ += fmt::format(
            "<tr><td>{}</td><td>{}</td><td class='num {}'>{} / {}</td><td class='num'>{}</td><td class='num'>{}</td>"
            "<td class='num'>{}</td><td class='num'>{}</td><td class='num'>{}</td><td class='{}'>{}</td></tr>\n",
            escape(sc.strategy), escape(sc.direction), cell_class(sc.is_fix, failed), n.hangs, n.trials, n.torn_reads,
            n.violations, n.lock_inversions, n.unchecked_reads, n.max_retries, model_class, escape(model_text));
      }
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
          html_ += fmt::format(
              "<td class='{}' title='{} hangs, {} torn reads, {} violations, {} lock inversions in {} trials'>{}</td>",
              cell_class(c.expected_ok ? c.expected_ok : compare_fix(c.strategy), c.verdict != "OK"), c.hangs,
              c.torn_reads, c.violations, c.lock_inversions, c.trials, escape(c.verdict));
        }
      html_ += "</tr>\n";
    }
    html_ +=
        "</table>\n<p class='note'>Red: a cell the run expects to be OK (expected_ok, or is_fix of the "
        "strategy) failed. Amber: a cell allowed to hang hung, as the reproduced bug should. Grey: the document "
        "does not say what this cell should be. HANG: a sync was not acknowledged while a vCPU spun in its "
        "begin/retry loop with IRQs masked. TORN: a checked read saw a torn nodemask. FAIL: the scenario's own "
        "oracle (violations) or the lock-order checker (lock inversions) fired.</p>\n";
  }

  void trend_section() {
    if (!hosts_.empty()) return host_trend_section();
    html_ += "<h2>Trends over the history</h2>\n";
    if (history_.size() < 2) {
      note(history_.empty() ? "No history given (pass --history DB with stored runs)."
                            : "Only one run in the history: a trend needs two.");
      return;
    }
    html_ += render_trend(history_, o_, gnuplot_);
  }

  void host_trend_section() {
    html_ += "<h2>Trends over the history, host by host</h2>\n<div class='hosts'>\n";
    for (std::size_t i = 0; i < hosts_.size(); ++i) {
      const HostHistory& h = hosts_[i];
      html_ += fmt::format("<div class='host' id='host-{}'>\n<h3>{}</h3>\n", i, escape(h.host));
      if (h.runs.size() < 2)
        note(h.runs.empty() ? "No stored run of this host." : "Only one run of this host: a trend needs two.");
      else
        html_ += render_trend(h.runs, o_, gnuplot_, fmt::format("plot-trends-{}", i), 520);
      html_ += "</div>\n";
    }
    html_ += "</div>\n";
  }

  const ResultDocument& run_;
  const std::vector<HistoryRun>& history_;
  const std::vector<HostHistory>& hosts_;
  const ReportOptions& o_;
  Gnuplot gnuplot_;
  std::string html_;
};

}  // namespace

std::string render_report(const ResultDocument& run, const std::vector<HistoryRun>& history,
                          const ReportOptions& options, const std::vector<HostHistory>& hosts) {
  return Page(run, history, options, hosts).render();
}

}  // namespace pokebench::results
