// Assembling a result document from the separate outputs of one run. Each part
// is wrapped into a minimal result document and read by the document reader,
// so every part gets the same strict checks and JSON-pointer error places.
#include <pokebench/results/bundle.hpp>

#include <pokebench/results/document_io.hpp>
#include <pokebench/support/clock.hpp>

#include <fmt/core.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace pokebench::results {

using nlohmann::json;

namespace {

json read_json(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError(path, "file", "is a directory; give the JSON file inside it");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "file", "cannot open for reading");
  std::ostringstream text;
  text << in.rdbuf();
  // Syntax errors are reported by the document reader with line and column.
  json j = json::parse(text.str(), nullptr, false);
  if (j.is_discarded()) (void)parse_result_json(text.str(), path);
  return j;
}

json wrap(const std::string& key, const json& value) {
  return json{
      {"schema_version", kSchemaVersion}, {"context", {{"date", ""}}}, {"benchmarks", json::array()}, {key, value}};
}

// The part of `j` under one of `keys`, or `j` itself when it already is the array.
json array_part(const json& j, std::initializer_list<const char*> keys, const std::string& path) {
  if (j.is_array()) return j;
  if (j.is_object())
    for (const char* key : keys)
      if (auto it = j.find(key); it != j.end()) return *it;
  throw InputError(path, "/", fmt::format("expected an array or an object with \"{}\"", *keys.begin()));
}

void override_context(Context& base, const Context& other) {
  for (const auto& [key, field] : kContextText)
    if (!(other.*field).empty()) base.*field = other.*field;
  if (other.cpus) base.cpus = other.cpus;
  if (other.vm) base.vm = other.vm;
  if (other.tsc_ghz) base.tsc_ghz = other.tsc_ghz;
  for (const auto& [k, v] : other.extra.items()) base.extra[k] = v;
}

// The scenario a part names at its top level, if any; two parts naming different ones is an error.
void take_scenario(const json& part, const std::string& file, std::optional<std::string>& scenario, std::string& from) {
  if (!part.is_object() || !part.contains("scenario")) return;
  const json& v = part["scenario"];
  if (!v.is_string() || v.get<std::string>().empty())
    throw InputError(file, "/scenario", "expected a non-empty string naming the scenario");
  if (scenario && *scenario != v.get<std::string>())
    throw InputError(file, "/scenario",
                     fmt::format("scenario '{}' differs from '{}' in {}: bundle parts of one run only",
                                 v.get<std::string>(), *scenario, from));
  scenario = v.get<std::string>();
  from = file;
}

}  // namespace

ResultDocument bundle(const BundleInputs& in) {
  ResultDocument doc;
  std::optional<std::string> scenario;
  std::string scenario_from;
  std::map<std::string, int> next_rep;
  bool first = true;
  for (const std::string& path : in.benchmark_files) {
    ResultDocument part = read_result_file(path);
    if (first) doc.context = part.context;
    first = false;
    for (Sample s : part.samples) {
      s.repetition = next_rep[s.benchmark]++;
      doc.samples.push_back(std::move(s));
    }
    doc.warnings.insert(doc.warnings.end(), part.warnings.begin(), part.warnings.end());
    if (!part.compare.empty()) doc.compare = part.compare;
    doc.correctness.insert(doc.correctness.end(), part.correctness.begin(), part.correctness.end());
    doc.matrix.insert(doc.matrix.end(), part.matrix.begin(), part.matrix.end());
    doc.insns.insert(doc.insns.end(), part.insns.begin(), part.insns.end());
  }
  if (in.compare_file) {
    const json j = read_json(*in.compare_file);
    if (!j.is_object() || !j.contains("strategies"))
      throw InputError(*in.compare_file, "/strategies", "missing required field (not `pokebench compare` JSON)");
    take_scenario(j, *in.compare_file, scenario, scenario_from);
    json wrapped = wrap("strategies", j["strategies"]);
    if (j.contains("context")) {
      wrapped["context"] = j["context"];
      if (wrapped["context"].is_object() && !wrapped["context"].contains("date")) wrapped["context"]["date"] = "";
    }
    ResultDocument part = parse_result_json(wrapped.dump(), *in.compare_file);
    override_context(doc.context, part.context);
    doc.compare = part.compare;
    doc.correctness = part.correctness;
  }
  if (in.insns_file) {
    json entries = array_part(read_json(*in.insns_file), {"insns", "regions", "benchmarks"}, *in.insns_file);
    if (entries.is_array())
      for (json& e : entries)
        if (e.is_object() && !e.contains("benchmark") && e.contains("name")) e["benchmark"] = e["name"];
    doc.insns = parse_result_json(wrap("insns", entries).dump(), *in.insns_file).insns;
  }
  if (in.matrix_file) {
    const json whole = read_json(*in.matrix_file);
    take_scenario(whole, *in.matrix_file, scenario, scenario_from);
    const json cells = array_part(whole, {"correctness_matrix", "cells"}, *in.matrix_file);
    doc.matrix = parse_result_json(wrap("correctness_matrix", cells).dump(), *in.matrix_file).matrix;
  }
  // Command-line context: read through the document reader for the same type checks.
  if (!in.context.empty()) {
    json ctx = json::object();
    for (const auto& [key, value] : in.context) {
      if (value.empty())
        throw InputError("--context", key,
                         "an empty value; leave the key out to keep what the files say, or give it a value");
      if (key == "cpus") {
        if (value.find_first_not_of("0123456789") != std::string::npos || value.size() > 7)
          throw InputError("--context", key, fmt::format("'{}' is not a whole number of CPUs", value));
        ctx[key] = std::stoll(value);
      } else {
        ctx[key] = value;
      }
    }
    if (!ctx.contains("date")) ctx["date"] = "";
    json wrapped = wrap("insns", json::array());
    wrapped["context"] = ctx;
    override_context(doc.context, parse_result_json(wrapped.dump(), "--context").context);
  }
  if (doc.context.date.empty()) doc.context.date = support::utc_now();
  if (scenario) doc.scenario = *scenario;
  doc.origin = "bundle";
  return doc;
}

}  // namespace pokebench::results
