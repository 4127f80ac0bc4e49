// Test access to the throwaway PostgreSQL cluster (pg_server.hpp).
#include "pg_server.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

namespace pokebench::results::testing {
namespace {

std::string read_line(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

// A cluster this process started (no ctest fixture): stopped at exit.
struct OwnCluster {
  std::string state;
  ~OwnCluster() {
    if (!state.empty()) pg_cluster("stop", state);
  }
};

}  // namespace

void pg_cluster(const std::string& action, const std::string& state) {
  const std::string command = std::string(POKEBENCH_PG_CLUSTER) + " " + action + " '" + state + "'";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
}

std::optional<PgServer> pg_server(std::string& why) {
  static OwnCluster own;
  const char* env = std::getenv("POKEBENCH_TEST_PG_STATE");
  std::string state = env ? env : own.state;
  if (state.empty()) {
    state = (std::filesystem::temp_directory_path() / ("pokebench-pg-state-" + std::to_string(::getpid()))).string();
    pg_cluster("start", state);
    own.state = state;
  }
  PgServer server;
  server.state = state;
  server.dir = read_line(state);
  if (server.dir.empty()) {
    ADD_FAILURE() << "no PostgreSQL test cluster: " << state << " is missing (did the results.pg.start fixture fail?)";
    return std::nullopt;
  }
  if (std::filesystem::exists(server.dir + "/absent")) {
    why = read_line(server.dir + "/absent");
    return std::nullopt;
  }
  server.admin_url = read_line(server.dir + "/url");
  server.password_url = read_line(server.dir + "/password-url");
  if (server.admin_url.empty()) ADD_FAILURE() << "the PostgreSQL test cluster in " << server.dir << " has no url";
  return server;
}

std::string pg_exec(const std::string& url, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(url.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn.get()));
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn.get(), sql.c_str()), &PQclear);
  const auto status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    throw std::runtime_error(sql + ": " + PQresultErrorMessage(r.get()));
  return PQntuples(r.get()) > 0 && PQnfields(r.get()) > 0 ? PQgetvalue(r.get(), 0, 0) : "";
}

std::string pg_create_database(const PgServer& server, const std::string& name) {
  pg_exec(server.admin_url, "DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
  pg_exec(server.admin_url, "CREATE DATABASE \"" + name + "\"");
  return server.admin_url.substr(0, server.admin_url.rfind('/') + 1) + name;
}

void pg_drop_database(const PgServer& server, const std::string& name) {
  pg_exec(server.admin_url, "DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
}

}  // namespace pokebench::results::testing
