// The HTML report: built from the golden run and a small history, then
// rendered by headless Chromium to prove the browser shows the plots.
#include <pokebench/results/document_io.hpp>
#include <pokebench/results/gnuplot.hpp>
#include <pokebench/results/report.hpp>

#include "golden_path.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include <unistd.h>

namespace pokebench::results {
namespace {

using testing::golden;
using testing::slurp;

ResultDocument load(const std::string& name) { return parse_result_json(slurp(golden(name)), name); }

// Separately seeded golden runs of the same code.
std::vector<ResultDocument> unchanged_runs() {
  return {load("baseline.json"), load("aa_current.json"), load("insns_current.json"), load("bug_lost_current.json"),
          load("fix_hang_current.json")};
}

ResultDocument slowed(ResultDocument doc, const std::string& benchmark, double factor) {
  for (Sample& s : doc.samples)
    if (s.benchmark == benchmark) {
      s.real_time_ns *= factor;
      for (auto& [name, value] : s.counters) value *= factor;
    }
  return doc;
}

std::vector<HistoryRun> golden_history() {
  // Six runs, then six with loop/ordered/on 10% slower: a change point at the seventh run (#7).
  std::vector<HistoryRun> h;
  const std::vector<ResultDocument> same = unchanged_runs();
  for (int i = 0; i < 6; ++i) h.push_back({i + 1, same[static_cast<std::size_t>(i % 5)]});
  for (int i = 0; i < 6; ++i)
    h.push_back({i + 7, slowed(same[static_cast<std::size_t>((i + 2) % 5)], "loop/ordered/on", 1.10)});
  h.back().doc = slowed(load("report_run.json"), "loop/ordered/on", 1.0);
  return h;
}

std::string figure(const std::string& html, const std::string& id) {
  for (const char* quote : {"'", "\""}) {
    const auto start = html.find("<figure id=" + std::string(quote) + id + quote);
    if (start == std::string::npos) continue;
    const auto end = html.find("</figure>", start);
    return html.substr(start, end == std::string::npos ? std::string::npos : end - start);
  }
  return "";
}

// A plot really drew something: an <svg> with at least one path that has coordinates.
void expect_plot(const std::string& html, const std::string& id) {
  const std::string fig = figure(html, id);
  ASSERT_FALSE(fig.empty()) << "no figure " << id;
  EXPECT_NE(fig.find("<svg"), std::string::npos) << id;
  static const std::regex drawn(R"(<path[^>]*\sd=["'][^"']*[MLml]\s*-?[0-9.]+[ ,]-?[0-9.]+[^"']*["'])");
  EXPECT_TRUE(std::regex_search(fig, drawn)) << id << " has no drawn path";
}

TEST(Report, IsSelfContainedWithEveryPlot) {
  if (find_program("gnuplot").empty()) GTEST_SKIP() << "gnuplot not installed (apt-get install gnuplot-nox)";
  const std::vector<HistoryRun> history = golden_history();
  const std::string html = render_report(history.back().doc, history, {});
  for (const char* id : {"plot-strategies", "plot-flip", "plot-trends"}) expect_plot(html, id);
  EXPECT_EQ(html.find("<script"), std::string::npos) << "the page must not need scripts";
  EXPECT_EQ(html.find("http://www.w3.org/1999/xlink'/"), std::string::npos);
  EXPECT_EQ(html.find("gnuplot_svg.js"), std::string::npos) << "no side files";
  EXPECT_EQ(html.find("<?xml"), std::string::npos) << "the XML prolog does not belong inside HTML";
  EXPECT_NE(html.find("id='correctness-matrix'"), std::string::npos);
  EXPECT_NE(html.find(">HANG<"), std::string::npos);
  EXPECT_NE(html.find("1111111111111111111111111111111111111111"), std::string::npos) << "context at the top";
  EXPECT_LT(html.find("id='context'"), html.find("id='plot-strategies'"));
}

TEST(Report, TrendMarksTheChangePoint) {
  if (find_program("gnuplot").empty()) GTEST_SKIP() << "gnuplot not installed (apt-get install gnuplot-nox)";
  std::vector<HistoryRun> history = golden_history();
  history.pop_back();  // twelve golden runs: the step is at #7
  const std::string html = render_report(history.back().doc, history, {});
  const auto list = html.find("<ul id='trend-change-points'>");
  ASSERT_NE(list, std::string::npos) << "no change point listed";
  const std::string items = html.substr(list, html.find("</ul>", list) - list);
  EXPECT_NE(items.find("loop/ordered/on (cycles_per_iter)"), std::string::npos) << items;
  EXPECT_NE(items.find("from run #7"), std::string::npos) << items;
  EXPECT_EQ(items.find("loop/plain/off"), std::string::npos) << "an unchanged row has no change point: " << items;
  EXPECT_NE(figure(html, "plot-trends").find("change point"), std::string::npos);
}

TEST(Report, FirstScreenIsTheGateVerdictAndItsRegressions) {
  if (find_program("gnuplot").empty()) GTEST_SKIP() << "gnuplot not installed (apt-get install gnuplot-nox)";
  std::vector<HistoryRun> history;
  std::int64_t id = 1;
  for (const ResultDocument& d : unchanged_runs()) history.push_back({id++, d});
  history.push_back({0, load("slow10_current.json")});
  const std::string html = render_report(history.back().doc, history, {});
  const auto gate = html.find("id='gate-verdict'");
  ASSERT_NE(gate, std::string::npos);
  EXPECT_LT(gate, html.find("id='correctness-verdict'"));
  EXPECT_LT(gate, html.find("id='context'"));
  const std::string banner = html.substr(gate, html.find("</div>", gate) - gate);
  EXPECT_NE(banner.find("Gate: REGRESSION"), std::string::npos) << banner;
  EXPECT_NE(banner.find("loop/ordered/on: cycles_per_iter +"), std::string::npos) << banner;
  EXPECT_NE(banner.find("against the 5 stored run(s)"), std::string::npos) << banner;
  // Negative control: the same history with an unchanged current run is OK.
  history.back().doc = load("aa_current.json");
  const std::string ok = render_report(history.back().doc, history, {});
  EXPECT_NE(ok.find("<b>Gate: OK</b>"), std::string::npos);
}

TEST(Report, SaysWhatIsMissingInsteadOfDrawingNothing) {
  if (find_program("gnuplot").empty()) GTEST_SKIP() << "gnuplot not installed (apt-get install gnuplot-nox)";
  ResultDocument run = load("gbench_1_7.json");
  std::erase_if(run.samples, [](const Sample& s) { return s.benchmark.rfind("patch/", 0) == 0; });
  const std::string html = render_report(run, {}, {});
  EXPECT_NE(html.find("No patch/"), std::string::npos);
  EXPECT_NE(html.find("No history given"), std::string::npos);
  EXPECT_NE(html.find("No torture matrix"), std::string::npos);
  expect_plot(html, "plot-strategies");
}

// compare's "model" (what `pokebench explore` proved) is shown next to the stress
// counts; "proved" only where compare stored it proved, never inferred here.
TEST(Report, ShowsTheExplorersWordNextToTheStressCounts) {
  if (find_program("gnuplot").empty()) GTEST_SKIP() << "gnuplot not installed (apt-get install gnuplot-nox)";
  const std::string counts = R"("correctness": {"enable": {"trials": 9, "hangs": HANGS, "torn_reads": 0,
                                  "unchecked_reads": 0, "max_retries": 1}})";
  auto row = [&](const std::string& name, bool fix, int hangs, const std::string& model) {
    std::string c = counts;
    c.replace(c.find("HANGS"), 5, std::to_string(hangs));
    return fmt::format(R"({{"name": "{}", "is_fix": {}, {}{}}})", name, fix, c, model.empty() ? "" : ", " + model);
  };
  const std::string doc =
      "{\"schema_version\": 2, \"context\": {\"date\": \"2026-12-02\"}, \"benchmarks\": [], \"strategies\": [" +
      row("per-site", false, 3,
          R"("model": {"verdict": "HANG", "proved": false, "agrees_with_stress": true,
                                 "max_readers": 1, "max_sites": 2, "configurations": 48, "failing": 26})") +
      ", " +
      row("ordered", true, 0,
          R"("model": {"verdict": "OK", "proved": true, "agrees_with_stress": true,
                                 "max_readers": 1, "max_sites": 2, "configurations": 48, "failing": 0})") +
      ", " +
      row("cached", true, 2,
          R"("model": {"verdict": "OK", "proved": false, "agrees_with_stress": false,
                                 "max_readers": 1, "max_sites": 2, "configurations": 48, "failing": 0})") +
      ", " + row("cookie", true, 0, "") + "]}";
  const std::string html = render_report(parse_result_json(doc, "compare.json"), {}, {});
  const auto table = html.find("<table id='compare-correctness'>");
  ASSERT_NE(table, std::string::npos);
  const std::string t = html.substr(table, html.find("</table>", table) - table);
  auto cell_of = [&](const std::string& strategy) {
    const auto at = t.find("<td>" + strategy + "</td>");
    return at == std::string::npos ? std::string() : t.substr(at, t.find("</tr>", at) - at);
  };
  EXPECT_NE(cell_of("per-site").find("class='expected'>HANG in 26/48<"), std::string::npos) << t;
  EXPECT_NE(cell_of("ordered").find("class='ok'>proved up to 1 readers, 2 site pairs<"), std::string::npos) << t;
  // Negative control: a model OK that this run's stress counts contradict is no proof.
  EXPECT_EQ(cell_of("cached").find("proved"), std::string::npos) << t;
  EXPECT_NE(cell_of("cached").find("OK (stress disagrees)"), std::string::npos) << t;
  EXPECT_NE(cell_of("cookie").find("not explored"), std::string::npos) << t;
}

TEST(Gnuplot, DataNamesThatArePrefixesOfOthersStayApart) {
  if (find_program("gnuplot").empty()) GTEST_SKIP() << "gnuplot not installed (apt-get install gnuplot-nox)";
  // A trend of 11+ benchmarks has $trend1 and $trend10: both must reach gnuplot whole.
  const Gnuplot gp;
  const std::string svg =
      gp.render_svg("plot $trend1 using 1:2 with lines title 'one', $trend10 using 1:2 with lines title 'ten'\n",
                    {{"trend1", "0 1\n1 2\n"}, {"trend10", "0 3\n1 4\n"}}, 400, 300);
  EXPECT_NE(svg.find("one"), std::string::npos);
  EXPECT_NE(svg.find("ten"), std::string::npos);
}

TEST(Report, MissingGnuplotNamesThePackage) {
  ReportOptions o;
  o.gnuplot = "/nonexistent/gnuplot";
  try {
    (void)render_report(load("report_run.json"), {}, o);
    ADD_FAILURE() << "rendered without gnuplot";
  } catch (const EnvironmentError& e) {
    EXPECT_NE(std::string(e.what()).find("apt-get install gnuplot-nox"), std::string::npos) << e.what();
  }
}

TEST(Report, HeadlessChromiumShowsThePlots) {
  const std::string chromium = find_program("chromium");
  if (chromium.empty()) GTEST_SKIP() << "chromium not installed (apt-get install chromium): page not rendered";
  if (find_program("gnuplot").empty()) GTEST_SKIP() << "gnuplot not installed (apt-get install gnuplot-nox)";
  namespace fs = std::filesystem;
  std::string dir_template = (fs::temp_directory_path() / "pokebench-chromium-XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir_template.data()), nullptr);
  const fs::path dir = dir_template;
  const fs::path page = dir / "report.html";
  std::ofstream(page) << render_report(load("report_run.json"), golden_history(), {});

  const std::string command =
      "timeout 120 '" + chromium +
      "' --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking "
      "--disable-component-update --disable-sync --disable-dev-shm-usage --user-data-dir='" +
      (dir / "profile").string() + "' --dump-dom 'file://" + page.string() + "' 2>'" + (dir / "stderr").string() + "'";
  std::string dom;
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) dom.append(buf, n);
  const int status = ::pclose(pipe);
  const std::string stderr_text = slurp((dir / "stderr").string());
  fs::remove_all(dir);
  ASSERT_EQ(status, 0) << "chromium failed: " << stderr_text;
  ASSERT_NE(dom.find("</html>"), std::string::npos) << "chromium dumped no DOM: " << stderr_text;
  // The DOM after parsing: the browser accepted every inline SVG as SVG.
  for (const char* id : {"plot-strategies", "plot-flip", "plot-trends"}) expect_plot(dom, id);
  EXPECT_NE(dom.find("correctness-matrix"), std::string::npos);
}

}  // namespace
}  // namespace pokebench::results
