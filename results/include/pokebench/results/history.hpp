// The run history: one row per run, benchmark and repetition, plus the
// correctness table, the torture matrix and the instruction counts of each
// run, in an SQLite file or on a PostgreSQL server (one schema, the same
// queries; see results/src/history_db.hpp).
#pragma once

#include <pokebench/results/document.hpp>
#include <pokebench/results/history_selector.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pokebench::results {

namespace detail {
class Database;
}

inline constexpr const char* kDefaultHistoryPath = "results/history.db";

// No history server answered (as opposed to one that refused): a runner may
// keep its run locally and push it later.
class UnreachableError : public EnvironmentError {
 public:
  using EnvironmentError::EnvironmentError;
};

// "postgresql://..." or "postgres://..." names a server; anything else is an SQLite file.
bool is_postgres_url(const std::string& location);
// The location as messages show it: a URL's password replaced by "***".
std::string redact_url(const std::string& location);
// What identifies a run by its content (not where or when it was stored): a
// hash of its canonical JSON. Pushing a run twice stores it once.
std::string content_id(const ResultDocument& doc);

struct RunSummary {
  std::int64_t id = 0;
  std::string added_at;  // UTC, when `results add` stored it
  std::string date;      // the run's own context date
  std::string git_sha;
  std::string host;
  std::string source;  // the file it was added from
  std::int64_t benchmarks = 0;
  std::int64_t samples = 0;
  std::int64_t fix_hangs = 0;  // hangs, torn reads, violations, lock inversions of fixes: non-zero is bad
  std::int64_t bug_hangs = 0;  // per-site hangs: zero (with trials) is bad
  std::int64_t bug_trials = 0;
};

// A history holds one row per run, benchmark and repetition: throws InputError
// naming `source` when a document repeats one (History::add checks it too).
void check_unique_repetitions(const ResultDocument& doc, const std::string& source);

class History {
 public:
  enum class Mode { read_only, create };
  // `location`: an SQLite file, or a postgresql:// URL. Throws
  // EnvironmentError when the database cannot be opened or is not a pokebench
  // history (or one of a newer schema), UnreachableError when no server answers.
  History(const std::string& location, Mode mode);
  ~History();
  History(const History&) = delete;
  History& operator=(const History&) = delete;

  // The file, or the URL without its password.
  const std::string& path() const;

  // Stores the document in one transaction; returns the new run id.
  // `added_at` empty: now.
  std::int64_t add(const ResultDocument& doc, const std::string& source, const std::string& added_at = "");
  // The same, unless a run of the same content_id is stored (checked and
  // stored under one exclusive transaction): nullopt then.
  std::optional<std::int64_t> add_if_absent(const ResultDocument& doc, const std::string& source,
                                            const std::string& added_at);
  // Oldest first; `last`: only the newest N (of `host`).
  std::vector<RunSummary> list(const std::optional<std::string>& host = std::nullopt,
                               std::optional<std::int64_t> last = std::nullopt) const;
  std::optional<RunSummary> summary(std::int64_t run) const;
  // Throws InputError when the run does not exist.
  ResultDocument load(std::int64_t run) const;
  // Deletes the runs with everything stored for them, in one transaction;
  // throws InputError (and deletes nothing) when one of them does not exist.
  void remove(const std::vector<std::int64_t>& runs);

  // Run ids a selector picks, oldest first. `default_host` applies when the
  // selector names no host ("" = every host).
  std::vector<std::int64_t> select(const HistorySelector& sel, const std::string& default_host) const;
  // The selected runs pooled into one document: every repetition of every run,
  // the newest run's context, correctness, matrix and instruction counts.
  ResultDocument load_pooled(const std::string& selector_text, const std::vector<std::int64_t>& runs) const;

 private:
  std::int64_t add_locked(const ResultDocument& doc, const std::string& source, const std::string& added_at);
  std::unique_ptr<detail::Database> db_;
};

// A regress input: a result document, a Google Benchmark JSON file, or a
// history selector resolved against `history_path` (a file or URL, opened read-only).
struct ResolvedInput {
  ResultDocument doc;              // a file, one stored run, or the selected runs pooled
  std::vector<std::int64_t> runs;  // history runs it pools; empty for a file
  // history:last=N: each selected run on its own, oldest first (the gate's run
  // model needs them apart); empty for a file or history:run=ID.
  std::vector<ResultDocument> each_run;
};
ResolvedInput resolve_input(const std::string& spec, const std::string& history_path, const std::string& default_host);

}  // namespace pokebench::results
