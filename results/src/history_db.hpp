// The history's storage seam: one small interface over a SQL connection, an
// SQLite file (history_sqlite.cpp) or a PostgreSQL server (history_postgres.cpp).
// history.cpp writes every query once against it; what the two dialects spell
// differently is in `Dialect` below and nowhere else.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace pokebench::results::detail {

// A parameter or a column value. PostgreSQL hands every value back as text;
// Row converts on reading, so history.cpp reads both backends the same way.
using Value = std::variant<std::monostate, std::int64_t, double, std::string>;

class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  bool is_null(int col) const { return std::holds_alternative<std::monostate>(values_.at(col)); }
  std::int64_t integer(int col) const;
  double real(int col) const;
  std::string text(int col) const;

 private:
  std::vector<Value> values_;
};

enum class Backend { sqlite, postgresql };

// Everything the two dialects spell differently.
struct Dialect {
  const char* id_column;  // runs.id, assigned by the database
  const char* integer;    // 64-bit integers
  const char* real;       // IEEE doubles (PostgreSQL's REAL is a float4)
  const char* table_count;
  // Besides the history_meta table: SQLite's own version stamp, which a
  // pokebench older than schema 3 reads (and so refuses a newer file).
  const char* stamp_version;  // "{}" is the version; empty: none
};
const Dialect& dialect(Backend backend);

class Database {
 public:
  virtual ~Database() = default;
  virtual Backend backend() const = 0;
  // The path, or the URL without its password: what messages name.
  virtual const std::string& name() const = 0;
  // One statement with ?1, ?2, ... placeholders; the rows it returns.
  virtual std::vector<Row> query(const std::string& sql, const std::vector<Value>& params = {}) = 0;
  // Statements without parameters, separated by semicolons.
  virtual void exec_script(const std::string& sql) = 0;
  // A write transaction. `exclusive` ones are serialised with each other
  // across every process (creating the schema, storing a run only if absent).
  virtual void begin(bool exclusive) = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
};

// Rolls back unless committed: a failed add leaves the history as it was.
class Transaction {
 public:
  Transaction(Database& db, bool exclusive) : db_(db) { db_.begin(exclusive); }
  ~Transaction() {
    if (!committed_) db_.rollback();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    db_.commit();
    committed_ = true;
  }

 private:
  Database& db_;
  bool committed_ = false;
};

// read_only: the file must exist (SQLite); the connection is the same (PostgreSQL).
std::unique_ptr<Database> open_sqlite(const std::string& path, bool read_only);
// Throws UnreachableError when no server answers, EnvironmentError for every
// other refusal (credentials, missing database), the URL shown without password.
std::unique_ptr<Database> open_postgres(const std::string& url);

}  // namespace pokebench::results::detail
