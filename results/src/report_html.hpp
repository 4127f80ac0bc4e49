// HTML and gnuplot quoting shared by the report's parts (report.cpp, report_trend.cpp).
#pragma once

#include <pokebench/results/gnuplot.hpp>
#include <pokebench/results/report.hpp>

#include <fmt/core.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace pokebench::results::detail {

inline std::string escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A control character in a gnuplot script or data line (a newline ends the
// quoted string and the next line runs as a command): shown as '?'. Documents
// with such names are refused at input; this covers histories stored before.
inline bool gp_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

// gnuplot strings are single-quoted; '' is its escape for a quote.
inline std::string gp_string(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, gp_control(c) ? '?' : c);
  return out + "'";
}

// Benchmark names carry '_' and '/' that gnuplot's enhanced text would eat.
inline std::string gp_title(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '_' || c == '^' || c == '{' || c == '}' || c == '@' || c == '&' || c == '~') out += '\\';
    if (c == '\\') out += '\\';
    out += c;
  }
  return gp_string(out);
}

// A string column of a gnuplot data file: double quotes, which it strips.
inline std::string data_label(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? '\'' : gp_control(c) ? '?' : c;
  return out + "\"";
}

inline std::string num(double v) { return std::isnan(v) ? "?" : fmt::format("{:.6g}", v); }

// Every plot's SVG uses the same element ids (gnuplot_canvas, gpPt0, ...);
// prefixing them keeps the ids of one page unique.
inline std::string prefix_ids(std::string svg, const std::string& prefix) {
  const std::pair<std::string, std::string> rewrites[] = {{"id='", "id='" + prefix},
                                                          {"id=\"", "id=\"" + prefix},
                                                          {"href='#", "href='#" + prefix},
                                                          {"href=\"#", "href=\"#" + prefix},
                                                          {"url(#", "url(#" + prefix}};
  for (const auto& [from, to] : rewrites)
    for (std::size_t p = svg.find(from); p != std::string::npos; p = svg.find(from, p + to.size()))
      svg.replace(p, from.size(), to);
  return svg;
}

// The trend section: per-run medians of the gated benchmarks matching the
// trend pattern, change points marked (change_points.hpp). `id` names the
// figure (and its change-point list); `width` is the plot's, in pixels.
std::string render_trend(const std::vector<HistoryRun>& history, const ReportOptions& o, const Gnuplot& gnuplot,
                         const std::string& id = "plot-trends", int width = 1060);

}  // namespace pokebench::results::detail
