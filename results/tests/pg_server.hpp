// The throwaway PostgreSQL cluster of results/tests/pg-cluster, for tests.
// Under ctest the cluster is a fixture (results/tests/CMakeLists.txt) whose
// state file arrives in $POKEBENCH_TEST_PG_STATE; a test binary run by hand
// starts its own on first use and removes it at exit.
#pragma once

#include <optional>
#include <string>

namespace pokebench::results::testing {

struct PgServer {
  std::string dir;           // the cluster's directory (socket, data, logs)
  std::string state;         // the pg-cluster state file
  std::string admin_url;     // superuser, database "postgres"
  std::string password_url;  // role pwuser with its password, database pwdb
};

// The server, or nullopt with `why` set when the server binaries are absent
// (the only reason a PostgreSQL test may skip). Fails the test otherwise.
std::optional<PgServer> pg_server(std::string& why);
// A new empty database on the server; its URL.
std::string pg_create_database(const PgServer& server, const std::string& name);
void pg_drop_database(const PgServer& server, const std::string& name);
// Runs SQL on a URL; returns the first column of the first row ("" if none).
// Throws std::runtime_error with the server's message.
std::string pg_exec(const std::string& url, const std::string& sql);
// pg-cluster kill / restart on `server`.
void pg_cluster(const std::string& action, const std::string& state);

}  // namespace pokebench::results::testing
