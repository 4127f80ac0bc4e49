// SQLite history of result documents (schema below, versioned by PRAGMA user_version).
#include <pokebench/results/history.hpp>

#include "sqlite_statement.hpp"

#include <pokebench/results/document_io.hpp>
#include <pokebench/support/clock.hpp>

#include <fmt/core.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <set>

namespace pokebench::results {

using detail::exec;
using detail::Statement;
using nlohmann::json;

namespace {

constexpr int kHistorySchemaVersion = 2;

constexpr const char* kSchema = R"sql(
CREATE TABLE runs(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  added_at TEXT NOT NULL, date TEXT NOT NULL, git_sha TEXT NOT NULL, host TEXT NOT NULL,
  cpu_model TEXT NOT NULL, kernel TEXT NOT NULL, compiler TEXT NOT NULL, source TEXT NOT NULL,
  context_json TEXT NOT NULL, compare_json TEXT NOT NULL, scenario TEXT NOT NULL DEFAULT 'slub');
CREATE INDEX runs_by_host ON runs(host, id);
CREATE TABLE samples(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  benchmark TEXT NOT NULL, repetition INTEGER NOT NULL, iterations INTEGER NOT NULL,
  real_time_ns REAL NOT NULL, cpu_time_ns REAL NOT NULL, counters_json TEXT NOT NULL,
  PRIMARY KEY(run_id, benchmark, repetition));
CREATE INDEX samples_by_benchmark ON samples(benchmark, run_id);
CREATE TABLE correctness(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  strategy TEXT NOT NULL, direction TEXT NOT NULL, trials INTEGER NOT NULL, hangs INTEGER NOT NULL,
  torn_reads INTEGER NOT NULL, unchecked_reads INTEGER NOT NULL, max_retries INTEGER NOT NULL,
  is_fix INTEGER);
CREATE TABLE matrix(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  strategy TEXT NOT NULL, direction TEXT NOT NULL, "order" TEXT NOT NULL, int3 TEXT NOT NULL,
  verdict TEXT NOT NULL, trials INTEGER NOT NULL, hangs INTEGER NOT NULL, torn_reads INTEGER NOT NULL,
  expected_ok INTEGER);
CREATE TABLE insns(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  benchmark TEXT NOT NULL, insns_per_iter REAL NOT NULL,
  PRIMARY KEY(run_id, benchmark));
PRAGMA user_version = 2;
)sql";

// Version 1 -> 2: the scenario of each run (every version-1 run was the slub
// scenario) and the document's own word on which strategies are fixes (NULL:
// a version-1 run did not say; such rows are shown, not gated).
constexpr const char* kMigrate1To2 = R"sql(
ALTER TABLE runs ADD COLUMN scenario TEXT NOT NULL DEFAULT 'slub';
ALTER TABLE correctness ADD COLUMN is_fix INTEGER;
ALTER TABLE matrix ADD COLUMN expected_ok INTEGER;
PRAGMA user_version = 2;
)sql";

int user_version(sqlite3* db) {
  Statement st(db, "PRAGMA user_version");
  return st.step() ? static_cast<int>(st.integer(0)) : 0;
}

// Optional booleans as INTEGER 0/1 or NULL (an older document did not say).
void bind_flag(Statement& st, int index, const std::optional<bool>& flag) {
  if (flag)
    st.bind(index, std::int64_t{*flag ? 1 : 0});
  else
    st.bind_null(index);
}
std::optional<bool> read_flag(const Statement& st, int column) {
  if (st.is_null(column)) return std::nullopt;
  return st.integer(column) != 0;
}

std::int64_t table_count(sqlite3* db) {
  Statement st(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'");
  return st.step() ? st.integer(0) : 0;
}

}  // namespace

History::History(const std::string& path, Mode mode) : path_(path) {
  namespace fs = std::filesystem;
  if (mode == Mode::read_only && !fs::exists(path))
    throw EnvironmentError(
        fmt::format("no history database at '{}' (store a run first with 'pokebench results add "
                    "FILE --history {}', or pass --history)",
                    path, path));
  if (mode == Mode::create) {
    const fs::path parent = fs::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) fs::create_directories(parent, ec);
    if (ec)
      throw EnvironmentError(
          fmt::format("cannot create directory '{}' for the history: {}", parent.string(), ec.message()));
  }
  const int flags = mode == Mode::read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw EnvironmentError(fmt::format("cannot open history database '{}': {}", path, message));
  }
  try {
    sqlite3_busy_timeout(db_, 10000);  // nightly jobs on several machines may share one file
    exec(db_, "PRAGMA foreign_keys = ON");
    int version = 0;
    try {
      version = user_version(db_);
    } catch (const EnvironmentError&) {
      throw EnvironmentError(fmt::format("'{}' is not an SQLite database (not a pokebench history)", path));
    }
    if (version == 0 && mode == Mode::create) {
      // Several runners may create one new file at once: the write lock is
      // taken first (BEGIN IMMEDIATE), then the file is looked at again, so
      // exactly one of them creates the schema and the others find it (a
      // file with tables and no version stays a foreign one).
      detail::Transaction tx(db_);
      if (table_count(db_) == 0) exec(db_, kSchema);
      version = user_version(db_);
      tx.commit();
    }
    if (version == 0)
      throw EnvironmentError(fmt::format("'{}' is not a pokebench history database (no schema version)", path));
    if (version == 1) {
      migrate_from_1();
      version = kHistorySchemaVersion;
    }
    if (version != kHistorySchemaVersion)
      throw EnvironmentError(fmt::format("'{}' has history schema version {}; this pokebench reads version {}", path,
                                         version, kHistorySchemaVersion));
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

History::~History() { sqlite3_close(db_); }

void History::migrate_from_1() {
  // A read-only open upgrades the file too: one transaction, so a failure leaves version 1.
  sqlite3* rw = nullptr;
  if (sqlite3_open_v2(path_.c_str(), &rw, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    const std::string message = rw ? sqlite3_errmsg(rw) : "out of memory";
    sqlite3_close(rw);
    throw EnvironmentError(
        fmt::format("'{}' has history schema version 1 and cannot be upgraded to {} here ({}); "
                    "make it writable once, or open it with a pokebench that reads version 1",
                    path_, kHistorySchemaVersion, message));
  }
  try {
    sqlite3_busy_timeout(rw, 10000);
    detail::Transaction tx(rw);
    exec(rw, kMigrate1To2);
    tx.commit();
  } catch (...) {
    sqlite3_close(rw);
    throw;
  }
  sqlite3_close(rw);
}

void check_unique_repetitions(const ResultDocument& doc, const std::string& source) {
  std::set<std::pair<std::string, int>> reps;
  for (const Sample& s : doc.samples)
    if (!reps.insert({s.benchmark, s.repetition}).second)
      throw InputError(source, fmt::format("/benchmarks (rows of '{}')", s.benchmark),
                       fmt::format("repetition {} appears twice", s.repetition));
}

std::int64_t History::add(const ResultDocument& doc, const std::string& source) {
  check_unique_repetitions(doc, source);
  const json full = to_json(doc);
  detail::Transaction tx(db_);
  const Context& c = doc.context;
  Statement run(db_,
                "INSERT INTO runs(added_at, date, git_sha, host, cpu_model, kernel, compiler, source, "
                "context_json, compare_json, scenario) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
  run.bind(1, support::utc_now()).bind(2, c.date).bind(3, c.git_sha).bind(4, c.host).bind(5, c.cpu_model);
  run.bind(6, c.kernel).bind(7, c.compiler).bind(8, source).bind(9, full["context"].dump());
  run.bind(10, doc.compare.is_array() ? doc.compare.dump() : std::string("[]")).bind(11, doc.scenario);
  run.run();
  const std::int64_t id = sqlite3_last_insert_rowid(db_);

  Statement sample(db_, "INSERT INTO samples VALUES(?,?,?,?,?,?,?)");
  for (const Sample& s : doc.samples) {
    json counters(s.counters);
    sample.bind(1, id).bind(2, s.benchmark).bind(3, std::int64_t{s.repetition}).bind(4, s.iterations);
    sample.bind(5, s.real_time_ns).bind(6, s.cpu_time_ns).bind(7, counters.dump());
    sample.run();
  }
  Statement corr(db_, "INSERT INTO correctness VALUES(?,?,?,?,?,?,?,?,?)");
  for (const StrategyCorrectness& sc : doc.correctness) {
    corr.bind(1, id).bind(2, sc.strategy).bind(3, sc.direction).bind(4, sc.counts.trials).bind(5, sc.counts.hangs);
    corr.bind(6, sc.counts.torn_reads).bind(7, sc.counts.unchecked_reads).bind(8, sc.counts.max_retries);
    bind_flag(corr, 9, sc.is_fix);
    corr.run();
  }
  Statement cell(db_, "INSERT INTO matrix VALUES(?,?,?,?,?,?,?,?,?,?)");
  for (const MatrixCell& m : doc.matrix) {
    cell.bind(1, id).bind(2, m.strategy).bind(3, m.direction).bind(4, m.order).bind(5, m.int3);
    cell.bind(6, m.verdict).bind(7, m.trials).bind(8, m.hangs).bind(9, m.torn_reads);
    bind_flag(cell, 10, m.expected_ok);
    cell.run();
  }
  Statement insn(db_, "INSERT OR REPLACE INTO insns VALUES(?,?,?)");
  for (const InsnsCount& i : doc.insns) {
    insn.bind(1, id).bind(2, i.benchmark).bind(3, i.insns_per_iter);
    insn.run();
  }
  tx.commit();
  return id;
}

namespace {

constexpr const char* kSummarySelect = R"sql(
SELECT r.id, r.added_at, r.date, r.git_sha, r.host, r.source,
  (SELECT count(DISTINCT benchmark) FROM samples s WHERE s.run_id = r.id),
  (SELECT count(*) FROM samples s WHERE s.run_id = r.id),
  (SELECT coalesce(sum(hangs + torn_reads), 0) FROM correctness c WHERE c.run_id = r.id AND c.is_fix = 1) +
  (SELECT coalesce(sum(hangs + torn_reads), 0) FROM matrix m WHERE m.run_id = r.id AND m.expected_ok = 1),
  (SELECT coalesce(sum(hangs), 0) FROM correctness c WHERE c.run_id = r.id AND c.strategy = 'per-site') +
  (SELECT coalesce(sum(hangs), 0) FROM matrix m WHERE m.run_id = r.id AND m.strategy = 'per-site'),
  (SELECT coalesce(sum(trials), 0) FROM correctness c WHERE c.run_id = r.id AND c.strategy = 'per-site') +
  (SELECT coalesce(sum(trials), 0) FROM matrix m WHERE m.run_id = r.id AND m.strategy = 'per-site')
FROM runs r
)sql";

RunSummary read_summary(const Statement& st) {
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

}  // namespace

std::vector<RunSummary> History::list(const std::optional<std::string>& host) const {
  const std::string sql = std::string(kSummarySelect) + (host ? " WHERE r.host = ?1" : "") + " ORDER BY r.id";
  Statement st(db_, sql.c_str());
  if (host) st.bind(1, *host);
  std::vector<RunSummary> out;
  while (st.step()) out.push_back(read_summary(st));
  return out;
}

void History::remove(const std::vector<std::int64_t>& runs) {
  detail::Transaction tx(db_);
  Statement del(db_, "DELETE FROM runs WHERE id = ?1");  // samples, correctness, matrix, insns cascade
  for (const std::int64_t id : runs) {
    del.bind(1, id);
    del.run();
    if (sqlite3_changes(db_) != 1)
      throw InputError(path_, fmt::format("run {}", id),
                       "no such run (see 'pokebench results list'); nothing was removed");
  }
  tx.commit();
}

std::optional<RunSummary> History::summary(std::int64_t run) const {
  const std::string sql = std::string(kSummarySelect) + " WHERE r.id = ?1";
  Statement st(db_, sql.c_str());
  st.bind(1, run);
  if (!st.step()) return std::nullopt;
  return read_summary(st);
}

ResultDocument History::load(std::int64_t run) const {
  Statement r(db_, "SELECT context_json, compare_json, scenario FROM runs WHERE id = ?1");
  r.bind(1, run);
  if (!r.step()) throw InputError(path_, fmt::format("run {}", run), "no such run (see 'pokebench results list')");
  // The stored context went through our own writer, so reading it back with the
  // document reader cannot fail unless the database was edited by hand.
  json wrapper = {{"schema_version", kSchemaVersion},
                  {"scenario", r.text(2)},
                  {"context", json::parse(r.text(0), nullptr, false)},
                  {"benchmarks", json::array()}};
  const std::string origin = fmt::format("{} run {}", path_, run);
  ResultDocument doc = parse_result_json(wrapper.dump(), origin);
  doc.compare = json::parse(r.text(1), nullptr, false);
  if (doc.compare.is_discarded()) doc.compare = json::array();

  Statement s(db_,
              "SELECT benchmark, repetition, iterations, real_time_ns, cpu_time_ns, counters_json FROM samples "
              "WHERE run_id = ?1 ORDER BY rowid");
  s.bind(1, run);
  while (s.step()) {
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
  Statement c(db_,
              "SELECT strategy, direction, trials, hangs, torn_reads, unchecked_reads, max_retries, is_fix FROM "
              "correctness WHERE run_id = ?1 ORDER BY rowid");
  c.bind(1, run);
  while (c.step())
    doc.correctness.push_back({c.text(0),
                               c.text(1),
                               {c.integer(2), c.integer(3), c.integer(4), c.integer(5), c.integer(6)},
                               read_flag(c, 7)});
  Statement m(db_,
              "SELECT strategy, direction, \"order\", int3, verdict, trials, hangs, torn_reads, expected_ok "
              "FROM matrix WHERE run_id = ?1 ORDER BY rowid");
  m.bind(1, run);
  while (m.step())
    doc.matrix.push_back({m.text(0), m.text(1), m.text(2), m.text(3), m.text(4), m.integer(5), m.integer(6),
                          m.integer(7), read_flag(m, 8)});
  Statement i(db_, "SELECT benchmark, insns_per_iter FROM insns WHERE run_id = ?1 ORDER BY rowid");
  i.bind(1, run);
  while (i.step()) doc.insns.push_back({i.text(0), i.real(1)});
  doc.origin = origin;
  return doc;
}

std::vector<std::int64_t> History::select(const HistorySelector& sel, const std::string& default_host) const {
  if (sel.run) {
    if (!summary(*sel.run))
      throw InputError(path_, fmt::format("run {}", *sel.run), "no such run (see 'pokebench results list')");
    return {*sel.run};
  }
  const std::string host = sel.host ? *sel.host : default_host;
  const bool every_host = host.empty() || host == "*";
  Statement st(db_, every_host ? "SELECT id FROM runs ORDER BY id DESC LIMIT ?1 OFFSET ?2"
                               : "SELECT id FROM runs WHERE host = ?3 ORDER BY id DESC LIMIT ?1 OFFSET ?2");
  st.bind(1, std::int64_t{sel.last}).bind(2, std::int64_t{sel.skip});
  if (!every_host) st.bind(3, host);
  std::vector<std::int64_t> ids;
  while (st.step()) ids.push_back(st.integer(0));
  std::reverse(ids.begin(), ids.end());
  return ids;
}

ResultDocument History::load_pooled(const std::string& selector_text, const std::vector<std::int64_t>& runs) const {
  if (runs.empty()) throw InputError(selector_text, path_, "the selector matches no run in this history");
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
                              fmt::join(runs, ","), path_);
  return pooled;
}

ResolvedInput resolve_input(const std::string& spec, const std::string& history_path, const std::string& default_host) {
  if (!is_history_selector(spec)) return {read_result_file(spec), {}, {}};
  const HistorySelector sel = parse_history_selector(spec);
  History history(history_path, History::Mode::read_only);
  std::vector<std::int64_t> runs = history.select(sel, default_host);
  if (runs.empty())
    throw InputError(spec, history_path,
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
