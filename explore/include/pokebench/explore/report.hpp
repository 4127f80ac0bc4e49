// A search's result in words (the hang report's vocabulary) and as JSON.
#pragma once

#include <pokebench/explore/model.hpp>
#include <pokebench/explore/search.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace pokebench::explore {

// "counterexample 1 (hang, 14 steps): reader0 spins ...", the numbered
// steps, then the loop that repeats forever.
std::string format_counterexample(const Counterexample& c, std::size_t number);
// The verdict line: "verdict: HANG strategy=per-site ... states=812 (0.01 s)";
// INCOMPLETE says the limit and that it is no proof.
std::string verdict_line(const ModelConfig& c, const Result& r, std::uint64_t max_states);
nlohmann::ordered_json result_json(const ModelConfig& c, const Result& r);

}  // namespace pokebench::explore
