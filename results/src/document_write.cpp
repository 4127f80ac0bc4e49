// Result document -> JSON (the reader is document_json.cpp).
#include <pokebench/results/document_io.hpp>
#include <pokebench/support/output.hpp>

#include <functional>
#include <map>
#include <string_view>

namespace pokebench::results {

using nlohmann::json;

json to_json(const Context& c) {
  json ctx = c.extra.is_object() ? c.extra : json::object();
  for (const auto& [key, field] : kContextText) ctx[key] = c.*field;
  if (c.cpus) ctx["cpus"] = *c.cpus;
  if (c.vm) ctx["vm"] = *c.vm;
  if (c.tsc_ghz) ctx["tsc_ghz"] = *c.tsc_ghz;
  return ctx;
}

namespace {

json sample_json(const Sample& s) {
  json row = {{"name", s.benchmark},        {"run_name", s.benchmark},
              {"run_type", "iteration"},    {"repetition_index", s.repetition},
              {"iterations", s.iterations}, {"real_time", s.real_time_ns},
              {"cpu_time", s.cpu_time_ns},  {"time_unit", "ns"}};
  for (const auto& [name, value] : s.counters) row[name] = value;
  return row;
}

json strategies_json(const ResultDocument& doc) {
  json strategies = doc.compare;
  if ((!strategies.is_array() || strategies.empty()) && !doc.correctness.empty()) {
    strategies = json::array();
    std::map<std::string, json> by_name;
    std::vector<std::string> order;
    for (const StrategyCorrectness& sc : doc.correctness) {
      if (!by_name.contains(sc.strategy)) order.push_back(sc.strategy);
      by_name[sc.strategy]["name"] = sc.strategy;
      if (sc.is_fix) by_name[sc.strategy]["is_fix"] = *sc.is_fix;
      if (sc.direction == "none") {  // a fix without correctness data (see read_strategies)
        by_name[sc.strategy]["correctness"] = nullptr;
        continue;
      }
      by_name[sc.strategy]["correctness"][sc.direction] = {{"trials", sc.counts.trials},
                                                           {"hangs", sc.counts.hangs},
                                                           {"torn_reads", sc.counts.torn_reads},
                                                           {"unchecked_reads", sc.counts.unchecked_reads},
                                                           {"max_retries", sc.counts.max_retries}};
      // Written only when some fired: a document of a scenario without these
      // oracles keeps the bytes (and the history's content id) it always had.
      json& d = by_name[sc.strategy]["correctness"][sc.direction];
      if (sc.counts.violations) d["violations"] = sc.counts.violations;
      if (sc.counts.lock_inversions) d["lock_inversions"] = sc.counts.lock_inversions;
    }
    for (const auto& name : order) strategies.push_back(by_name[name]);
  }
  return strategies;
}

// The document but its rows: "benchmarks" is an empty array, filled by the caller.
json document_without_rows(const ResultDocument& doc) {
  json out = {{"schema_version", kSchemaVersion},
              {"scenario", doc.scenario},
              {"context", to_json(doc.context)},
              {"benchmarks", json::array()}};
  if (json strategies = strategies_json(doc); strategies.is_array() && !strategies.empty())
    out["strategies"] = std::move(strategies);
  if (!doc.matrix.empty()) {
    json cells = json::array();
    for (const MatrixCell& m : doc.matrix) {
      json cell = {{"strategy", m.strategy}, {"direction", m.direction},  {"order", m.order},
                   {"int3", m.int3},         {"verdict", m.verdict},      {"trials", m.trials},
                   {"hangs", m.hangs},       {"torn_reads", m.torn_reads}};
      if (m.violations) cell["violations"] = m.violations;  // only when some fired, as above
      if (m.lock_inversions) cell["lock_inversions"] = m.lock_inversions;
      if (m.expected_ok) cell["expected_ok"] = *m.expected_ok;
      cells.push_back(std::move(cell));
    }
    out["correctness_matrix"] = cells;
  }
  if (!doc.insns.empty()) {
    json insns = json::array();
    for (const InsnsCount& i : doc.insns)
      insns.push_back({{"benchmark", i.benchmark}, {"insns_per_iter", i.insns_per_iter}});
    out["insns"] = insns;
  }
  return out;
}

}  // namespace

json to_json(const ResultDocument& doc) {
  json out = document_without_rows(doc);
  json& rows = out["benchmarks"];
  for (const Sample& s : doc.samples) rows.push_back(sample_json(s));
  return out;
}

void dump_compact(const ResultDocument& doc, const std::function<void(std::string_view)>& sink) {
  // Key by key in the object's own (sorted) order, as dump() writes them, with
  // the rows written one at a time where the empty array stands.
  const json head = document_without_rows(doc);
  sink("{");
  bool first = true;
  for (const auto& [key, value] : head.items()) {
    sink(first ? "" : ",");
    first = false;
    sink(json(key).dump());
    sink(":");
    if (key != "benchmarks") {
      sink(value.dump());
      continue;
    }
    sink("[");
    for (std::size_t i = 0; i < doc.samples.size(); ++i) {
      if (i) sink(",");
      sink(sample_json(doc.samples[i]).dump());
    }
    sink("]");
  }
  sink("}");
}

void write_result_file(const std::string& path, const ResultDocument& doc) {
  support::write_file_atomically(path, to_json(doc).dump(2) + "\n");
}

}  // namespace pokebench::results
