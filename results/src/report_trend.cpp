// The report's trend plot: per-run medians of the key benchmarks, change points marked.
#include "report_html.hpp"

#include <pokebench/results/trend.hpp>

#include <fmt/format.h>

#include <map>

namespace pokebench::results::detail {

std::string render_trend(const std::vector<HistoryRun>& history, const ReportOptions& o, const Gnuplot& gnuplot,
                         const std::string& id, int width) {
  const std::vector<TrendSeries> series = trends(history, o.trend_regex, o.gate.metric, o.change_points);
  if (series.empty())
    return "<p class='note'>" +
           escape(fmt::format("No gated benchmark of the history matches the trend pattern '{}'.", o.trend_regex)) +
           "</p>\n";
  std::map<std::int64_t, std::size_t> x_of;  // run id -> x position
  for (std::size_t i = 0; i < history.size(); ++i) x_of[history[i].id] = i;
  std::map<std::string, std::string> data;
  std::string plot = "plot ";
  std::string marks;
  std::vector<std::string> listed;
  for (std::size_t n = 0; n < series.size(); ++n) {
    const TrendSeries& s = series[n];
    std::string d;
    for (const TrendPoint& p : s.points) d += fmt::format("{} {}\n", x_of[p.run], num(p.value));
    for (const ChangePoint& c : s.change_points) {
      const TrendPoint& p = s.points[c.index];
      marks += fmt::format("{} {}\n", x_of[p.run], num(p.value));
      listed.push_back(fmt::format("{} ({}): {} {:.4g} -> {:.4g} ({:+.1f}%, permutation p = {:.2g}) from run {} ({})",
                                   s.benchmark, s.metric, "median", c.before, c.after, c.change_pct, c.p_value,
                                   p.run > 0 ? fmt::format("#{}", p.run) : std::string("this run"),
                                   p.git_sha.empty() ? "?" : p.git_sha.substr(0, 12)));
    }
    const std::string k = fmt::format("trend{}", n);
    data[k] = d;
    plot += fmt::format("{}${} using 1:2 with linespoints lw 2 pt 7 ps 0.6 title {}", n ? ", \\\n     " : "", k,
                        gp_title(s.benchmark + " (" + s.metric + ")"));
  }
  if (!marks.empty()) {
    data["marks"] = marks;
    plot += ", \\\n     $marks using 1:2 with points pt 6 ps 3 lw 3 lc rgb '#d62728' title 'change point (E-Divisive)'";
  }
  std::string xtics = "set xtics rotate by -40 (";
  for (std::size_t i = 0; i < history.size(); ++i) {
    const HistoryRun& h = history[i];
    const std::string sha = h.doc.context.git_sha.empty() ? "?" : h.doc.context.git_sha.substr(0, 7);
    const std::string label = h.id > 0 ? fmt::format("#{} {}", h.id, sha) : "this run " + sha;
    xtics += fmt::format("{}{} {}", i ? ", " : "", gp_string(label), i);
  }
  xtics += ")\n";
  const std::string script = fmt::format(
      "set logscale y\nset grid\nset key outside right top\nset xlabel "
      "'run (commit)'\nset ylabel {}\nset xrange [-0.5:{}]\n{}{}\n",
      gp_title("median per run (each row's gated metric)"), static_cast<double>(history.size()) - 0.5, xtics, plot);
  std::string html = fmt::format(
      "<figure id='{}'>\n{}\n<figcaption>{}</figcaption>\n</figure>\n", id,
      prefix_ids(gnuplot.render_svg(script, data, width, 460), id + "-"),
      escape(fmt::format("Per-run median of the gated benchmarks matching {} over the last {} runs, one line each, "
                         "on each row's gated metric; red circles mark change points (E-Divisive means, permutation "
                         "test at p < {}, steps of at least {}%).",
                         o.trend_regex, history.size(), o.change_points.alpha, o.change_points.min_change_pct)));
  if (listed.empty()) {
    html += "<p class='note'>No change point in these runs.</p>\n";
  } else {
    html += fmt::format("<ul id='{}'>", id == "plot-trends" ? "trend-change-points" : id + "-change-points");
    for (const std::string& l : listed) html += "<li>" + escape(l) + "</li>";
    html += "</ul>\n";
  }
  return html;
}

}  // namespace pokebench::results::detail
