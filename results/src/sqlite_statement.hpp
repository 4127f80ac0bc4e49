// A small RAII layer over the sqlite3 C API for history_sqlite.cpp: prepared
// statements that finalize themselves and errors that carry sqlite's own message.
#pragma once

#include <pokebench/results/document.hpp>

#include <fmt/core.h>
#include <sqlite3.h>

#include "history_db.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace pokebench::results::detail {

[[noreturn]] inline void throw_sqlite(sqlite3* db, const std::string& what) {
  throw EnvironmentError(fmt::format("history database: {}: {}", what, db ? sqlite3_errmsg(db) : "out of memory"));
}

inline void exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    throw EnvironmentError(fmt::format("history database: {}", text));
  }
}

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) throw_sqlite(db, "prepare");
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, const std::string& value) {
    check(sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Statement& bind(int index, std::int64_t value) {
    check(sqlite3_bind_int64(stmt_, index, value));
    return *this;
  }
  Statement& bind(int index, double value) {
    check(sqlite3_bind_double(stmt_, index, value));
    return *this;
  }
  Statement& bind_null(int index) {
    check(sqlite3_bind_null(stmt_, index));
    return *this;
  }
  // True while there is a row to read.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw_sqlite(db_, "step");
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  // The current row, each column as SQLite typed it.
  std::vector<Value> values() const {
    std::vector<Value> out;
    for (int col = 0, n = sqlite3_column_count(stmt_); col < n; ++col) {
      switch (sqlite3_column_type(stmt_, col)) {
        case SQLITE_NULL:
          out.emplace_back(std::monostate{});
          break;
        case SQLITE_INTEGER:
          out.emplace_back(integer(col));
          break;
        case SQLITE_FLOAT:
          out.emplace_back(real(col));
          break;
        default:
          out.emplace_back(text(col));
          break;
      }
    }
    return out;
  }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) throw_sqlite(db_, "bind");
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace pokebench::results::detail
