// The history in an SQLite file (history_db.hpp).
#include "history_db.hpp"
#include "sqlite_statement.hpp"

#include <pokebench/results/history.hpp>

#include <fmt/core.h>
#include <sqlite3.h>

#include <filesystem>
#include <map>

namespace pokebench::results::detail {
namespace {

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(const std::string& path, bool read_only) : path_(path) {
    namespace fs = std::filesystem;
    if (read_only && !fs::exists(path))
      throw EnvironmentError(
          fmt::format("no history database at '{}' (store a run first with 'pokebench results add "
                      "FILE --history {}', or pass --history)",
                      path, path));
    if (!read_only) {
      const fs::path parent = fs::path(path).parent_path();
      std::error_code ec;
      if (!parent.empty()) fs::create_directories(parent, ec);
      if (ec)
        throw EnvironmentError(
            fmt::format("cannot create directory '{}' for the history: {}", parent.string(), ec.message()));
    }
    const int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw EnvironmentError(fmt::format("cannot open history database '{}': {}", path, message));
    }
    sqlite3_busy_timeout(db_, 10000);  // nightly jobs on several machines may share one file
    try {
      exec(db_, "PRAGMA foreign_keys = ON");
      // The first read of the file: a file that is not SQLite fails here.
      exec(db_, "SELECT count(*) FROM sqlite_master");
    } catch (const EnvironmentError&) {
      statements_.clear();
      sqlite3_close(db_);
      throw EnvironmentError(fmt::format("'{}' is not an SQLite database (not a pokebench history)", path));
    }
  }
  ~SqliteDatabase() override {
    statements_.clear();  // finalized before the connection closes
    sqlite3_close(db_);
  }

  Backend backend() const override { return Backend::sqlite; }
  const std::string& name() const override { return path_; }

  std::vector<Row> query(const std::string& sql, const std::vector<Value>& params) override {
    auto it = statements_.find(sql);
    if (it == statements_.end()) it = statements_.emplace(sql, std::make_unique<Statement>(db_, sql.c_str())).first;
    Statement& st = *it->second;
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i + 1);
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>)
              st.bind_null(index);
            else
              st.bind(index, v);
          },
          params[i]);
    }
    std::vector<Row> rows;
    try {
      while (st.step()) rows.emplace_back(st.values());
    } catch (...) {
      st.reset();
      throw;
    }
    st.reset();
    return rows;
  }

  void exec_script(const std::string& sql) override { exec(db_, sql.c_str()); }
  // BEGIN IMMEDIATE takes the write lock at once: every write transaction is
  // exclusive in SQLite, and two writers never deadlock upgrading a read lock.
  void begin(bool) override { exec(db_, "BEGIN IMMEDIATE"); }
  void commit() override { exec(db_, "COMMIT"); }
  void rollback() noexcept override { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
  std::map<std::string, std::unique_ptr<Statement>> statements_;  // prepared once per connection
};

}  // namespace

std::unique_ptr<Database> open_sqlite(const std::string& path, bool read_only) {
  return std::make_unique<SqliteDatabase>(path, read_only);
}

}  // namespace pokebench::results::detail
