// One history test on either backend: an SQLite file in a temporary
// directory, or a fresh database on the throwaway PostgreSQL cluster
// (pg_server.hpp), dropped afterwards.
#pragma once

#include "pg_server.hpp"

#include <pokebench/results/history.hpp>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

namespace pokebench::results::testing {

class HistoryFixture {
 protected:
  // False (and the test skipped or failed) when the backend cannot be had.
  bool open(const std::string& backend) {
    backend_ = backend;
    dir_ = std::filesystem::temp_directory_path() / ("pokebench-history-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    if (backend_ == "postgresql") {
      std::string why;
      server_ = pg_server(why);
      if (!server_) return false;
    }
    main_ = fresh("sub");
    return true;
  }
  void close() {
    if (server_)
      for (const std::string& name : databases_) pg_drop_database(*server_, name);
    std::filesystem::remove_all(dir_);
  }
  // The test's history: an SQLite path (in a directory not made yet) or a URL.
  const std::string& db() const { return main_; }
  // Another empty history location.
  std::string fresh(const std::string& name) {
    if (!server_) return (dir_ / name / "history.db").string();
    databases_.push_back("h_" + std::to_string(::getpid()) + "_" + std::to_string(databases_.size()));
    return pg_create_database(*server_, databases_.back());
  }
  // SQL behind pokebench's back (a newer version, a foreign table).
  void raw_exec(const std::string& location, const std::string& sql) {
    if (server_) {
      pg_exec(location, sql);
      return;
    }
    std::filesystem::create_directories(std::filesystem::path(location).parent_path());
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(location.c_str(), &raw), SQLITE_OK);
    char* message = nullptr;
    EXPECT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK) << (message ? message : "");
    sqlite3_free(message);
    sqlite3_close(raw);
  }

  // SQL that takes away what schema version 5 added (the oracle counts).
  static constexpr const char* kUndoVersion5 =
      "ALTER TABLE correctness DROP COLUMN violations; ALTER TABLE correctness DROP COLUMN lock_inversions; "
      "ALTER TABLE matrix DROP COLUMN violations; ALTER TABLE matrix DROP COLUMN lock_inversions; ";
  // The test's history with `doc` stored as run 1, then taken back to an
  // older schema by the SQL `downgrade`: what an upgrade starts from.
  void store_then_downgrade(const ResultDocument& doc, const std::string& downgrade) {
    History(db(), History::Mode::create).add(doc, "a");
    raw_exec(db(), downgrade);
  }

  std::string backend_;
  std::filesystem::path dir_;
  std::optional<PgServer> server_;
  std::vector<std::string> databases_;
  std::string main_;
};

// TEST_P over {"sqlite", "postgresql"}.
class HistoryTest : public ::testing::TestWithParam<const char*>, protected HistoryFixture {
 protected:
  void SetUp() override {
    if (!open(GetParam())) {
      std::string why;
      pg_server(why);
      if (!why.empty()) GTEST_SKIP() << "no PostgreSQL server: " << why;
    }
  }
  void TearDown() override { close(); }
};

}  // namespace pokebench::results::testing
