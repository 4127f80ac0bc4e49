// The history schema (version 5), created and upgraded the same way on SQLite
// and PostgreSQL: the version lives in the history_meta table on both, with
// the name of the application that owns the database.
#include "history_schema.hpp"

#include <pokebench/results/document_io.hpp>
#include <pokebench/results/history.hpp>

#include <fmt/args.h>
#include <fmt/core.h>

#include <charconv>
#include <cmath>

namespace pokebench::results {

bool is_postgres_url(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

std::string redact_url(const std::string& location) {
  if (!is_postgres_url(location)) return location;
  std::string out = location;
  // postgresql://user:PASSWORD@host/...
  const std::size_t authority = out.find("://") + 3;
  const std::size_t at = out.find('@', authority);
  const std::size_t slash = out.find('/', authority);
  if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
    const std::size_t colon = out.find(':', authority);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  // ...?password=PASSWORD&...
  for (std::size_t p = out.find("password="); p != std::string::npos; p = out.find("password=", p + 1)) {
    const std::size_t begin = p + 9;
    const std::size_t end = out.find('&', begin);
    out.replace(begin, (end == std::string::npos ? out.size() : end) - begin, "***");
  }
  return out;
}

std::string content_id(const ResultDocument& doc) {
  // FNV-1a, 64 bits, twice (two offsets) for 128: an identity, not a secret.
  // Over the compact JSON text, streamed: a huge run is never held as one string.
  std::uint64_t a = 14695981039346656037ULL, b = 0x6c62272e07bb0142ULL;
  dump_compact(doc, [&](std::string_view piece) {
    for (const unsigned char c : piece) {
      a = (a ^ c) * 1099511628211ULL;
      b = (b ^ c) * 1099511628211ULL;
    }
  });
  return fmt::format("{:016x}{:016x}", a, b);
}

}  // namespace pokebench::results

namespace pokebench::results::detail {

std::int64_t Row::integer(int col) const {
  const Value& v = values_.at(col);
  if (const auto* n = std::get_if<std::int64_t>(&v)) return *n;
  if (const auto* d = std::get_if<double>(&v)) return static_cast<std::int64_t>(*d);
  if (const auto* s = std::get_if<std::string>(&v)) {
    std::int64_t n = 0;
    std::from_chars(s->data(), s->data() + s->size(), n);  // PostgreSQL's text of a bigint or numeric
    return n;
  }
  return 0;
}

double Row::real(int col) const {
  const Value& v = values_.at(col);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return static_cast<double>(*n);
  if (const auto* s = std::get_if<std::string>(&v)) return std::strtod(s->c_str(), nullptr);  // also "Infinity", "NaN"
  return 0;
}

std::string Row::text(int col) const {
  const Value& v = values_.at(col);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return std::to_string(*n);
  if (const auto* d = std::get_if<double>(&v)) return fmt::format("{}", *d);
  return {};
}

const Dialect& dialect(Backend backend) {
  static const Dialect sqlite{"INTEGER PRIMARY KEY AUTOINCREMENT", "INTEGER", "REAL",
                              "SELECT count(*) FROM sqlite_master WHERE type = 'table'", "PRAGMA user_version = {}"};
  static const Dialect postgresql{
      "BIGSERIAL PRIMARY KEY", "BIGINT", "DOUBLE PRECISION",
      "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()", ""};
  return backend == Backend::sqlite ? sqlite : postgresql;
}

namespace {

// {id}, {int}, {real}: the dialect's spellings. `seq` keeps each run's rows in
// the document's order (PostgreSQL has no rowid); content_id is content_id().
constexpr const char* kSchema = R"sql(
CREATE TABLE history_meta(application TEXT NOT NULL, schema_version {int} NOT NULL);
INSERT INTO history_meta VALUES('pokebench', {version});
CREATE TABLE runs(
  id {id},
  added_at TEXT NOT NULL, date TEXT NOT NULL, git_sha TEXT NOT NULL, host TEXT NOT NULL,
  cpu_model TEXT NOT NULL, kernel TEXT NOT NULL, compiler TEXT NOT NULL, source TEXT NOT NULL,
  context_json TEXT NOT NULL, compare_json TEXT NOT NULL, scenario TEXT NOT NULL DEFAULT 'slub',
  content_id TEXT NOT NULL DEFAULT '');
CREATE INDEX runs_by_host ON runs(host, id);
CREATE INDEX runs_by_content ON runs(content_id);
CREATE TABLE samples(
  run_id {int} NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  benchmark TEXT NOT NULL, repetition {int} NOT NULL, iterations {int} NOT NULL,
  real_time_ns {real} NOT NULL, cpu_time_ns {real} NOT NULL, counters_json TEXT NOT NULL,
  seq {int} NOT NULL DEFAULT 0,
  PRIMARY KEY(run_id, benchmark, repetition));
CREATE INDEX samples_by_benchmark ON samples(benchmark, run_id);
CREATE TABLE correctness(
  run_id {int} NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  strategy TEXT NOT NULL, direction TEXT NOT NULL, trials {int} NOT NULL, hangs {int} NOT NULL,
  torn_reads {int} NOT NULL, unchecked_reads {int} NOT NULL, max_retries {int} NOT NULL,
  is_fix {int}, seq {int} NOT NULL DEFAULT 0,
  violations {int} NOT NULL DEFAULT 0, lock_inversions {int} NOT NULL DEFAULT 0);
CREATE INDEX correctness_by_run ON correctness(run_id, seq);
CREATE TABLE matrix(
  run_id {int} NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  strategy TEXT NOT NULL, direction TEXT NOT NULL, "order" TEXT NOT NULL, int3 TEXT NOT NULL,
  verdict TEXT NOT NULL, trials {int} NOT NULL, hangs {int} NOT NULL, torn_reads {int} NOT NULL,
  expected_ok {int}, seq {int} NOT NULL DEFAULT 0,
  violations {int} NOT NULL DEFAULT 0, lock_inversions {int} NOT NULL DEFAULT 0);
CREATE INDEX matrix_by_run ON matrix(run_id, seq);
CREATE TABLE insns(
  run_id {int} NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  benchmark TEXT NOT NULL, insns_per_iter {real} NOT NULL, seq {int} NOT NULL DEFAULT 0,
  PRIMARY KEY(run_id, benchmark));
)sql";

// Versions 1 and 2 exist only as SQLite files (PostgreSQL histories start at
// 3), so these steps may use SQLite's rowid.
//
// 1 -> 2: the scenario of each run (every version-1 run was the slub scenario)
// and the document's own word on which strategies are fixes (NULL: a
// version-1 run did not say; such rows are shown, not gated).
constexpr const char* kMigrate1To2 = R"sql(
ALTER TABLE runs ADD COLUMN scenario TEXT NOT NULL DEFAULT 'slub';
ALTER TABLE correctness ADD COLUMN is_fix INTEGER;
ALTER TABLE matrix ADD COLUMN expected_ok INTEGER;
)sql";
// 2 -> 3: the version in history_meta, rows ordered by seq, runs known by
// their content (filled in by open_history).
constexpr const char* kMigrate2To3 = R"sql(
CREATE TABLE history_meta(application TEXT NOT NULL, schema_version INTEGER NOT NULL);
INSERT INTO history_meta VALUES('pokebench', 3);
ALTER TABLE runs ADD COLUMN content_id TEXT NOT NULL DEFAULT '';
CREATE INDEX runs_by_content ON runs(content_id);
ALTER TABLE samples ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE samples SET seq = rowid;
ALTER TABLE correctness ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE correctness SET seq = rowid;
ALTER TABLE matrix ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE matrix SET seq = rowid;
ALTER TABLE insns ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE insns SET seq = rowid;
)sql";
// 3 -> 4 (both backends): a run's correctness rows and matrix cells found by
// its id. Without them loading one run, and deleting one (the cascade), read
// the whole table.
constexpr const char* kMigrate3To4 = R"sql(
CREATE INDEX correctness_by_run ON correctness(run_id, seq);
CREATE INDEX matrix_by_run ON matrix(run_id, seq);
UPDATE history_meta SET schema_version = 4;
)sql";
// 4 -> 5 (both backends): the scenarios' own oracles and the lock-order
// checker, per correctness row and matrix cell (0 in every earlier run: only
// the slub scenario's runs could be stored, and it has neither).
constexpr const char* kMigrate4To5 = R"sql(
ALTER TABLE correctness ADD COLUMN violations INTEGER NOT NULL DEFAULT 0;
ALTER TABLE correctness ADD COLUMN lock_inversions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE matrix ADD COLUMN violations INTEGER NOT NULL DEFAULT 0;
ALTER TABLE matrix ADD COLUMN lock_inversions INTEGER NOT NULL DEFAULT 0;
UPDATE history_meta SET schema_version = 5;
)sql";

std::int64_t table_count(Database& db) { return db.query(dialect(db.backend()).table_count).at(0).integer(0); }

// 0: no pokebench schema (empty, or another application's tables).
int stored_version(Database& db) {
  const Dialect& d = dialect(db.backend());
  const std::string has_meta = std::string(d.table_count) + " AND " +
                               (db.backend() == Backend::sqlite ? "name" : "table_name") + " = 'history_meta'";
  if (db.query(has_meta).at(0).integer(0) > 0) {
    const auto rows = db.query("SELECT application, schema_version FROM history_meta");
    if (rows.size() != 1 || rows[0].text(0) != "pokebench")
      throw EnvironmentError(fmt::format(
          "{} belongs to another application ('{}' in its history_meta table), not pokebench; pass another --history",
          db.name(), rows.empty() ? "" : rows[0].text(0)));
    return static_cast<int>(rows[0].integer(1));
  }
  if (db.backend() == Backend::sqlite) return static_cast<int>(db.query("PRAGMA user_version").at(0).integer(0));
  return 0;
}

void stamp(Database& db) {
  const Dialect& d = dialect(db.backend());
  if (*d.stamp_version) db.exec_script(fmt::format(fmt::runtime(d.stamp_version), kHistorySchemaVersion));
}

void create_schema_locked(Database& db) {
  const Dialect& d = dialect(db.backend());
  db.exec_script(fmt::format(fmt::runtime(kSchema), fmt::arg("id", d.id_column), fmt::arg("int", d.integer),
                             fmt::arg("real", d.real), fmt::arg("version", kHistorySchemaVersion)));
  stamp(db);
}

void migrate(Database& db, const std::function<std::string(Database&, std::int64_t)>& content_of) {
  Transaction tx(db, true);
  const int version = stored_version(db);  // again, under the lock: another runner may have upgraded it
  if (version >= kHistorySchemaVersion) return;
  if (version <= 1) db.exec_script(kMigrate1To2);
  if (version <= 2) db.exec_script(kMigrate2To3);
  if (version <= 3) db.exec_script(kMigrate3To4);
  db.exec_script(kMigrate4To5);
  // Content ids last: they are of the runs as this version loads them.
  if (version <= 2)
    for (const Row& r : db.query("SELECT id FROM runs"))
      db.query("UPDATE runs SET content_id = ?1 WHERE id = ?2", {content_of(db, r.integer(0)), r.integer(0)});
  stamp(db);
  tx.commit();
}

}  // namespace

std::unique_ptr<Database> open_history(const std::string& location, bool create,
                                       const std::function<std::string(Database&, std::int64_t)>& content_of) {
  const bool remote = is_postgres_url(location);
  std::unique_ptr<Database> db = remote ? open_postgres(location) : open_sqlite(location, !create);
  int version = stored_version(*db);
  if (version == 0 && create) {
    // Several runners may create one new history at once: the exclusive lock
    // is taken first, then the database is looked at again, so exactly one of
    // them creates the schema and the others find it (a database with tables
    // and no version stays a foreign one).
    Transaction tx(*db, true);
    if (table_count(*db) == 0) create_schema_locked(*db);
    version = stored_version(*db);
    tx.commit();
  }
  if (version == 0) {
    if (remote && table_count(*db) == 0)
      throw EnvironmentError(
          fmt::format("{} holds no pokebench history yet (store a run first with 'pokebench "
                      "results add FILE --history URL')",
                      db->name()));
    throw EnvironmentError(
        fmt::format("'{}' is not a pokebench history database (it has tables, but no pokebench schema version); "
                    "pass another --history",
                    db->name()));
  }
  if (version > kHistorySchemaVersion)
    throw EnvironmentError(fmt::format(
        "'{}' has history schema version {}; this pokebench reads version {} (use the newer pokebench that wrote it)",
        db->name(), version, kHistorySchemaVersion));
  if (version < kHistorySchemaVersion) {
    // A read-only open upgrades the history too (an SQLite file is opened
    // writable for it): one transaction, so a failure leaves the old version.
    if (!create && !remote) db = open_sqlite(location, false);
    try {
      migrate(*db, content_of);
    } catch (const EnvironmentError& e) {
      throw EnvironmentError(fmt::format(
          "'{}' has history schema version {} and cannot be upgraded to {} here ({}); make it writable once, or "
          "open it with a pokebench that reads version {}",
          db->name(), version, kHistorySchemaVersion, e.what(), version));
    }
  }
  return db;
}

}  // namespace pokebench::results::detail
