// Trend series and their change points (trend.hpp).
#include <pokebench/results/trend.hpp>

#include <pokebench/results/metric.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <regex>

namespace pokebench::results {

std::vector<TrendSeries> trends(const std::vector<HistoryRun>& runs, const std::string& regex,
                                const std::string& metric_override, const ChangePointOptions& options) {
  std::regex key;
  try {
    key = std::regex(regex);
  } catch (const std::regex_error& e) {
    throw InputError("--benchmark", regex, fmt::format("not a regular expression: {}", e.what()));
  }
  std::vector<std::string> names;
  for (const HistoryRun& h : runs)
    for (const Sample& s : h.doc.samples)
      if (std::regex_search(s.benchmark, key) && std::find(names.begin(), names.end(), s.benchmark) == names.end())
        names.push_back(s.benchmark);
  std::sort(names.begin(), names.end());
  std::vector<TrendSeries> out;
  for (const std::string& name : names) {
    TrendSeries series;
    series.benchmark = name;
    Statistic statistic = statistic_of(name);
    if (!metric_override.empty()) {
      series.metric = metric_override;
    } else {
      // The newest run that has the row decides the family's metric; rows it does not gate have no trend to judge.
      const auto newest = std::find_if(runs.rbegin(), runs.rend(), [&](const HistoryRun& h) {
        return std::any_of(h.doc.samples.begin(), h.doc.samples.end(),
                           [&](const Sample& s) { return s.benchmark == name; });
      });
      const MetricChoice choice = default_metric(newest->doc, name);
      if (!choice.gated) continue;
      series.metric = choice.metric;
      statistic = choice.statistic;
    }
    std::vector<double> values;
    for (const HistoryRun& h : runs) {
      const std::vector<double> v = metric_values(h.doc, name, series.metric);
      if (v.empty()) continue;
      series.points.push_back({h.id, h.doc.context.git_sha, h.doc.context.date, run_value(statistic, v)});
      values.push_back(series.points.back().value);
    }
    if (series.points.empty()) continue;
    series.change_points = detect_change_points(values, options);
    out.push_back(std::move(series));
  }
  return out;
}

}  // namespace pokebench::results
