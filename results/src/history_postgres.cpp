// The history on a PostgreSQL server, through libpq (history_db.hpp).
#include "history_db.hpp"

#include <pokebench/results/history.hpp>

#include <fmt/core.h>
#include <libpq-fe.h>

#include <cstdlib>

namespace pokebench::results::detail {
namespace {

// "?12" -> "$12": history.cpp numbers its placeholders, SQLite style.
std::string numbered_placeholders(const std::string& sql) {
  std::string out;
  out.reserve(sql.size());
  for (std::size_t i = 0; i < sql.size(); ++i)
    out += sql[i] == '?' && i + 1 < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i + 1])) ? '$' : sql[i];
  return out;
}

std::string first_line(const char* message) {
  std::string text = message ? message : "unknown error";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// libpq says why a connection failed only in words: the server answered and
// refused (credentials, a missing database or role) is a configuration to
// fix; anything else (no server on that socket or port, no route, a timeout)
// is the server being out of reach, which `results add` survives.
bool server_refused(const std::string& message) {
  for (const char* refusal : {"authentication failed", "password", "does not exist", "not permitted",
                              "no pg_hba.conf entry", "too many connections", "permission denied"})
    if (message.find(refusal) != std::string::npos) return true;
  return false;
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(const std::string& url) : name_(redact_url(url)) {
    // Defaults first: the URL's own parameters (expanded from dbname) win.
    const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
    const char* values[] = {"10", "pokebench", url.c_str(), nullptr};
    conn_ = PQconnectdbParams(keys, values, 1);
    if (!conn_) throw EnvironmentError(fmt::format("cannot connect to the history at {}: out of memory", name_));
    if (PQstatus(conn_) != CONNECTION_OK) {
      const std::string message = first_line(PQerrorMessage(conn_));
      PQfinish(conn_);
      if (server_refused(message))
        throw EnvironmentError(fmt::format(
            "the history server at {} refused the connection: {} (check the user, password and database name in the "
            "URL; create the database with 'createdb' on the server)",
            name_, message));
      throw UnreachableError(
          fmt::format("cannot reach the history server at {}: {} (is the server running, and the host, port or socket "
                      "directory right?)",
                      name_, message));
    }
    // Notices (such as "relation already exists, skipping") are not for the user.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
  }
  ~PostgresDatabase() override { PQfinish(conn_); }

  Backend backend() const override { return Backend::postgresql; }
  const std::string& name() const override { return name_; }

  std::vector<Row> query(const std::string& sql, const std::vector<Value>& params) override {
    std::vector<std::string> text(params.size());
    std::vector<const char*> pointers(params.size(), nullptr);
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (std::holds_alternative<std::monostate>(params[i])) continue;
      if (const auto* s = std::get_if<std::string>(&params[i]))
        text[i] = *s;
      else if (const auto* n = std::get_if<std::int64_t>(&params[i]))
        text[i] = std::to_string(*n);
      else
        text[i] = fmt::format("{}", std::get<double>(params[i]));  // shortest text that reads back exactly
      pointers[i] = text[i].c_str();
    }
    Result r(PQexecParams(conn_, numbered_placeholders(sql).c_str(), static_cast<int>(params.size()), nullptr,
                          pointers.data(), nullptr, nullptr, 0));
    check(r.get(), sql);
    std::vector<Row> rows;
    const int columns = PQnfields(r.get());
    for (int row = 0, n = PQntuples(r.get()); row < n; ++row) {
      std::vector<Value> values;
      for (int col = 0; col < columns; ++col) {
        if (PQgetisnull(r.get(), row, col))
          values.emplace_back(std::monostate{});
        else
          values.emplace_back(
              std::string(PQgetvalue(r.get(), row, col), static_cast<std::size_t>(PQgetlength(r.get(), row, col))));
      }
      rows.emplace_back(std::move(values));
    }
    return rows;
  }

  void exec_script(const std::string& sql) override {
    Result r(PQexec(conn_, sql.c_str()));
    check(r.get(), sql);
  }
  // Exclusive transactions take one advisory lock, released at commit or
  // rollback; plain ones rely on MVCC (readers see a run whole or not at all).
  void begin(bool exclusive) override {
    exec_script("BEGIN");
    if (exclusive) exec_script("SELECT pg_advisory_xact_lock(7036447150245672301)");
  }
  void commit() override { exec_script("COMMIT"); }
  void rollback() noexcept override { PQclear(PQexec(conn_, "ROLLBACK")); }

 private:
  void check(PGresult* r, const std::string& sql) {
    const ExecStatusType status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
    const std::string message = first_line(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
    if (PQstatus(conn_) == CONNECTION_BAD)
      throw UnreachableError(fmt::format("lost the history server at {}: {}", name_, message));
    throw EnvironmentError(fmt::format("history database {}: {} (in: {})", name_, message, sql.substr(0, 80)));
  }
  std::string name_;
  PGconn* conn_ = nullptr;
};

}  // namespace

std::unique_ptr<Database> open_postgres(const std::string& url) { return std::make_unique<PostgresDatabase>(url); }

}  // namespace pokebench::results::detail
