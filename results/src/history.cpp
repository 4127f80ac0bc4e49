// The history of result documents: every query, written once for SQLite and
// PostgreSQL (history_db.hpp; the schema in history_schema.cpp).
#include <pokebench/results/history.hpp>

#include "history_db.hpp"
#include "history_schema.hpp"

#include <pokebench/results/document_io.hpp>
#include <pokebench/support/clock.hpp>

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace pokebench::results {

using detail::Row;
using detail::Transaction;
using detail::Value;
using nlohmann::json;

namespace {

// Optional booleans as 0/1 or NULL (an older document did not say).
Value flag_value(const std::optional<bool>& flag) {
  if (flag) return std::int64_t{*flag ? 1 : 0};
  return std::monostate{};
}
std::optional<bool> read_flag(const Row& row, int column) {
  if (row.is_null(column)) return std::nullopt;
  return row.integer(column) != 0;
}

ResultDocument load_run(detail::Database& db, std::int64_t run);

}  // namespace

History::History(const std::string& location, Mode mode)
    : db_(detail::open_history(location, mode == Mode::create,
                               [](detail::Database& db, std::int64_t run) { return content_id(load_run(db, run)); })) {}

History::~History() = default;

const std::string& History::path() const { return db_->name(); }

void check_unique_repetitions(const ResultDocument& doc, const std::string& source) {
  std::set<std::pair<std::string, int>> reps;
  for (const Sample& s : doc.samples)
    if (!reps.insert({s.benchmark, s.repetition}).second)
      throw InputError(source, fmt::format("/benchmarks (rows of '{}')", s.benchmark),
                       fmt::format("repetition {} appears twice", s.repetition));
}

std::int64_t History::add(const ResultDocument& doc, const std::string& source, const std::string& added_at) {
  check_unique_repetitions(doc, source);
  Transaction tx(*db_, false);
  const std::int64_t id = add_locked(doc, source, added_at);
  tx.commit();
  return id;
}

std::optional<std::int64_t> History::add_if_absent(const ResultDocument& doc, const std::string& source,
                                                   const std::string& added_at) {
  check_unique_repetitions(doc, source);
  Transaction tx(*db_, true);  // exclusive: two pushes of one run store it once
  if (!db_->query("SELECT id FROM runs WHERE content_id = ?1", {content_id(doc)}).empty()) return std::nullopt;
  const std::int64_t id = add_locked(doc, source, added_at);
  tx.commit();
  return id;
}

std::int64_t History::add_locked(const ResultDocument& doc, const std::string& source, const std::string& added_at) {
  const Context& c = doc.context;
  const std::int64_t id =
      db_->query(
             "INSERT INTO runs(added_at, date, git_sha, host, cpu_model, kernel, compiler, source, context_json, "
             "compare_json, scenario, content_id) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12) RETURNING id",
             {added_at.empty() ? support::utc_now() : added_at, c.date, c.git_sha, c.host, c.cpu_model, c.kernel,
              c.compiler, source, to_json(c).dump(), doc.compare.is_array() ? doc.compare.dump() : "[]", doc.scenario,
              content_id(doc)})
          .at(0)
          .integer(0);
  std::int64_t seq = 0;
  for (const Sample& s : doc.samples)
    db_->query(
        "INSERT INTO samples(run_id, benchmark, repetition, iterations, real_time_ns, cpu_time_ns, counters_json, "
        "seq) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)",
        {id, s.benchmark, std::int64_t{s.repetition}, s.iterations, s.real_time_ns, s.cpu_time_ns,
         json(s.counters).dump(), seq++});
  for (const StrategyCorrectness& sc : doc.correctness)
    db_->query(
        "INSERT INTO correctness(run_id, strategy, direction, trials, hangs, torn_reads, unchecked_reads, "
        "max_retries, is_fix, seq, violations, lock_inversions) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
        {id, sc.strategy, sc.direction, sc.counts.trials, sc.counts.hangs, sc.counts.torn_reads,
         sc.counts.unchecked_reads, sc.counts.max_retries, flag_value(sc.is_fix), seq++, sc.counts.violations,
         sc.counts.lock_inversions});
  for (const MatrixCell& m : doc.matrix)
    db_->query(
        "INSERT INTO matrix(run_id, strategy, direction, \"order\", int3, verdict, trials, hangs, torn_reads, "
        "expected_ok, seq, violations, lock_inversions) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
        {id, m.strategy, m.direction, m.order, m.int3, m.verdict, m.trials, m.hangs, m.torn_reads,
         flag_value(m.expected_ok), seq++, m.violations, m.lock_inversions});
  for (const InsnsCount& i : doc.insns)  // a repeated benchmark: the last count stands
    db_->query(
        "INSERT INTO insns(run_id, benchmark, insns_per_iter, seq) VALUES(?1,?2,?3,?4) ON CONFLICT(run_id, "
        "benchmark) DO UPDATE SET insns_per_iter = excluded.insns_per_iter, seq = excluded.seq",
        {id, i.benchmark, i.insns_per_iter, seq++});
  return id;
}

namespace {

// One pass over each table, grouped by run: linear in the rows of the runs
// summarised (a correlated subquery per run and table visited the whole
// matrix and correctness tables once per run, quadratic in the history).
constexpr const char* kSummarySelect = R"sql(
SELECT r.id, r.added_at, r.date, r.git_sha, r.host, r.source,
  coalesce(s.benchmarks, 0), coalesce(s.samples, 0),
  coalesce(c.fix_bad, 0) + coalesce(m.fix_bad, 0),
  coalesce(c.bug_hangs, 0) + coalesce(m.bug_hangs, 0),
  coalesce(c.bug_trials, 0) + coalesce(m.bug_trials, 0)
FROM runs r
LEFT JOIN (SELECT run_id, count(DISTINCT benchmark) AS benchmarks, count(*) AS samples
  FROM samples WHERE run_id IN ({runs}) GROUP BY run_id) s ON s.run_id = r.id
LEFT JOIN (SELECT run_id,
    sum(CASE WHEN is_fix = 1 THEN hangs + torn_reads + violations + lock_inversions ELSE 0 END) AS fix_bad,
    sum(CASE WHEN strategy = 'per-site' THEN hangs ELSE 0 END) AS bug_hangs,
    sum(CASE WHEN strategy = 'per-site' THEN trials ELSE 0 END) AS bug_trials
  FROM correctness WHERE run_id IN ({runs}) GROUP BY run_id) c ON c.run_id = r.id
LEFT JOIN (SELECT run_id,
    sum(CASE WHEN expected_ok = 1 THEN hangs + torn_reads + violations + lock_inversions ELSE 0 END) AS fix_bad,
    sum(CASE WHEN strategy = 'per-site' THEN hangs ELSE 0 END) AS bug_hangs,
    sum(CASE WHEN strategy = 'per-site' THEN trials ELSE 0 END) AS bug_trials
  FROM matrix WHERE run_id IN ({runs}) GROUP BY run_id) m ON m.run_id = r.id
WHERE r.id IN ({runs})
ORDER BY r.id
)sql";

RunSummary read_summary(const Row& st) {
  RunSummary s;
  s.id = st.integer(0);
  s.added_at = st.text(1);
  s.date = st.text(2);
  s.git_sha = st.text(3);
  s.host = st.text(4);
  s.source = st.text(5);
  s.benchmarks = st.integer(6);
  s.samples = st.integer(7);
  s.fix_hangs = st.integer(8);
  s.bug_hangs = st.integer(9);
  s.bug_trials = st.integer(10);
  return s;
}

ResultDocument load_run(detail::Database& db, std::int64_t run) {
  const auto runs = db.query("SELECT context_json, compare_json, scenario FROM runs WHERE id = ?1", {run});
  if (runs.empty())
    throw InputError(db.name(), fmt::format("run {}", run), "no such run (see 'pokebench results list')");
  const Row& r = runs[0];
  // The stored context went through our own writer, so reading it back with the
  // document reader cannot fail unless the database was edited by hand.
  json wrapper = {{"schema_version", kSchemaVersion},
                  {"scenario", r.text(2)},
                  {"context", json::parse(r.text(0), nullptr, false)},
                  {"benchmarks", json::array()}};
  const std::string origin = fmt::format("{} run {}", db.name(), run);
  ResultDocument doc = parse_result_json(wrapper.dump(), origin);
  doc.compare = json::parse(r.text(1), nullptr, false);
  if (doc.compare.is_discarded()) doc.compare = json::array();

  for (const Row& s : db.query("SELECT benchmark, repetition, iterations, real_time_ns, cpu_time_ns, counters_json "
                               "FROM samples WHERE run_id = ?1 ORDER BY seq",
                               {run})) {
    Sample sample;
    sample.benchmark = s.text(0);
    sample.repetition = static_cast<int>(s.integer(1));
    sample.iterations = s.integer(2);
    sample.real_time_ns = s.real(3);
    sample.cpu_time_ns = s.real(4);
    const json counters = json::parse(s.text(5), nullptr, false);
    if (counters.is_object())
      for (const auto& [k, v] : counters.items())
        if (v.is_number()) sample.counters[k] = v.get<double>();
    doc.samples.push_back(std::move(sample));
  }
  for (const Row& c : db.query("SELECT strategy, direction, trials, hangs, torn_reads, unchecked_reads, max_retries, "
                               "is_fix, violations, lock_inversions FROM correctness WHERE run_id = ?1 ORDER BY seq",
                               {run}))
    doc.correctness.push_back({.strategy = c.text(0),
                               .direction = c.text(1),
                               .counts = {.trials = c.integer(2),
                                          .hangs = c.integer(3),
                                          .torn_reads = c.integer(4),
                                          .unchecked_reads = c.integer(5),
                                          .max_retries = c.integer(6),
                                          .violations = c.integer(8),
                                          .lock_inversions = c.integer(9)},
                               .is_fix = read_flag(c, 7)});
  for (const Row& m : db.query("SELECT strategy, direction, \"order\", int3, verdict, trials, hangs, torn_reads, "
                               "expected_ok, violations, lock_inversions FROM matrix WHERE run_id = ?1 ORDER BY seq",
                               {run}))
    doc.matrix.push_back({.strategy = m.text(0),
                          .direction = m.text(1),
                          .order = m.text(2),
                          .int3 = m.text(3),
                          .verdict = m.text(4),
                          .trials = m.integer(5),
                          .hangs = m.integer(6),
                          .torn_reads = m.integer(7),
                          .violations = m.integer(9),
                          .lock_inversions = m.integer(10),
                          .expected_ok = read_flag(m, 8)});
  for (const Row& i : db.query("SELECT benchmark, insns_per_iter FROM insns WHERE run_id = ?1 ORDER BY seq", {run}))
    doc.insns.push_back({i.text(0), i.real(1)});
  doc.origin = origin;
  return doc;
}

}  // namespace

std::string detail::run_summary_query(const std::string& runs) {
  return fmt::format(fmt::runtime(kSummarySelect), fmt::arg("runs", runs));
}

std::vector<RunSummary> History::list(const std::optional<std::string>& host, std::optional<std::int64_t> last) const {
  std::vector<Value> params;
  std::string runs = "SELECT id FROM runs";
  if (host) {
    params.emplace_back(*host);
    runs += " WHERE host = ?1";
  }
  if (last) {
    params.emplace_back(*last);
    runs += fmt::format(" ORDER BY id DESC LIMIT ?{}", params.size());
  }
  std::vector<RunSummary> out;
  for (const Row& row : db_->query(detail::run_summary_query(runs), params)) out.push_back(read_summary(row));
  return out;
}

void History::remove(const std::vector<std::int64_t>& runs) {
  Transaction tx(*db_, false);
  for (const std::int64_t id : runs)  // samples, correctness, matrix, insns cascade
    if (db_->query("DELETE FROM runs WHERE id = ?1 RETURNING id", {id}).size() != 1)
      throw InputError(path(), fmt::format("run {}", id),
                       "no such run (see 'pokebench results list'); nothing was removed");
  tx.commit();
}

std::optional<RunSummary> History::summary(std::int64_t run) const {
  const auto rows = db_->query(detail::run_summary_query("SELECT id FROM runs WHERE id = ?1"), {run});
  if (rows.empty()) return std::nullopt;
  return read_summary(rows[0]);
}

ResultDocument History::load(std::int64_t run) const { return load_run(*db_, run); }

std::vector<std::int64_t> History::select(const HistorySelector& sel, const std::string& default_host) const {
  if (sel.run) {
    if (!summary(*sel.run))
      throw InputError(path(), fmt::format("run {}", *sel.run), "no such run (see 'pokebench results list')");
    return {*sel.run};
  }
  const std::string host = sel.host ? *sel.host : default_host;
  const bool every_host = host.empty() || host == "*";
  std::vector<Value> params{std::int64_t{sel.last}, std::int64_t{sel.skip}};
  if (!every_host) params.emplace_back(host);
  std::vector<std::int64_t> ids;
  for (const Row& row :
       db_->query(every_host ? "SELECT id FROM runs ORDER BY id DESC LIMIT ?1 OFFSET ?2"
                             : "SELECT id FROM runs WHERE host = ?3 ORDER BY id DESC LIMIT ?1 OFFSET ?2",
                  params))
    ids.push_back(row.integer(0));
  std::reverse(ids.begin(), ids.end());
  return ids;
}

ResultDocument History::load_pooled(const std::string& selector_text, const std::vector<std::int64_t>& runs) const {
  if (runs.empty()) throw InputError(selector_text, path(), "the selector matches no run in this history");
  ResultDocument pooled = load(runs.back());  // newest: its context, correctness and counts stand for the pool
  pooled.samples.clear();
  std::map<std::string, int> next_rep;
  for (std::int64_t id : runs) {
    for (Sample s : load(id).samples) {
      s.repetition = next_rep[s.benchmark]++;
      pooled.samples.push_back(std::move(s));
    }
  }
  pooled.origin = fmt::format("{} ({} run{} {}, {})", selector_text, runs.size(), runs.size() == 1 ? "" : "s",
                              fmt::join(runs, ","), path());
  return pooled;
}

ResolvedInput resolve_input(const std::string& spec, const std::string& history_path, const std::string& default_host) {
  if (!is_history_selector(spec)) return {read_result_file(spec), {}, {}};
  const HistorySelector sel = parse_history_selector(spec);
  History history(history_path, History::Mode::read_only);
  std::vector<std::int64_t> runs = history.select(sel, default_host);
  if (runs.empty())
    throw InputError(spec, history.path(),
                     sel.host || default_host.empty()
                         ? "the selector matches no run in this history"
                         : fmt::format("the selector matches no run of host '{}' in this history (add host=* "
                                       "for every host)",
                                       default_host));
  ResultDocument doc = history.load_pooled(spec, runs);
  std::vector<ResultDocument> each;
  if (!sel.run)
    for (std::int64_t id : runs) each.push_back(history.load(id));
  return {std::move(doc), std::move(runs), std::move(each)};
}

}  // namespace pokebench::results
