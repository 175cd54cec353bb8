#pragma once
/// A private PostgreSQL cluster that a test or benchmark process starts and stops itself.
///
/// Each cluster lives in its own temporary directory (/tmp/bulwark-pg-XXXXXX) with its own data
/// directory, Unix socket directory and server log, and listens on a free TCP port on 127.0.0.1 only.
/// It never touches the machine's system cluster (port 5432, /var/run/postgresql). Only the server
/// binaries are used (initdb, pg_ctl, pg_isready, createdb), run as child processes; when the
/// process runs as root they run as the `postgres` OS user, as the server refuses to run as root.
///
/// Clusters left behind by a test process that was killed (SIGKILL, abort, a sanitizer) are
/// stopped and removed by the next start(): every cluster directory records the id of the process
/// that owns it, and only directories whose owner is dead are reaped.

#include <cstdint>
#include <memory>
#include <string>

#include "bulwark/core/error.hpp"

namespace bulwark::testing {

/// How a cluster is configured.
struct PgOptions {
  /// true: the server's defaults (every commit flushed to disk). false: fsync=off,
  /// synchronous_commit=off and full_page_writes=off, for fast property tests that never crash the server.
  bool durable = true;
};

/// A running private PostgreSQL server. Stopped, and its files removed, when destroyed.
/// Thread-safe: url() and port() are constant; create_database() may be called from several threads.
class PgCluster {
 public:
  /// Creates a fresh temporary directory under /tmp, runs initdb in it (trust authentication,
  /// superuser `postgres`, UTF8, C locale, no sync), picks a free TCP port on 127.0.0.1 and starts
  /// the server with pg_ctl -w (max_connections 50, the Unix socket in the temporary directory),
  /// then waits until it accepts connections. The binaries are taken from $BULWARK_PG_BINDIR if set,
  /// else from the newest /usr/lib/postgresql/<version>/bin.
  /// Errors: kUnavailable when the binaries or the `postgres` user (as root) are missing, or when
  /// initdb or the server fail to start, with the tail of their output or of the server log in the
  /// message; kIo when the temporary directory cannot be made. Nothing is left behind on error.
  static Result<std::unique_ptr<PgCluster>> start(PgOptions options = {});

  /// Stops the server (pg_ctl stop -m fast, then -m immediate, then SIGKILL) and removes the
  /// temporary directory. Does nothing in a forked child (a death test that calls exit()), so that
  /// only the process that started the cluster stops it.
  ~PgCluster();

  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  /// The TCP port the server listens on (127.0.0.1 only).
  int port() const { return port_; }

  /// "postgresql://postgres@127.0.0.1:PORT/<database>".
  std::string url(const std::string& database = "postgres") const;

  /// Creates a new empty database and returns its URL. An empty name picks a unique one
  /// ("bulwark_<pid>_<n>"). Errors: kInvalidArgument for a name that is not 1..63 characters of
  /// [a-z0-9_] starting with a letter or '_'; kAlreadyExists when it exists; kUnavailable when
  /// createdb fails otherwise (its output is in the message).
  Result<std::string> create_database(std::string name = "");

  /// The temporary directory holding the data directory, the socket and the server log.
  const std::string& directory() const { return dir_; }

  /// The last lines (at most `max_bytes`) of the server log, for diagnosing a failure.
  std::string log_tail(std::size_t max_bytes = 4'000) const;

 private:
  PgCluster(std::string dir, std::string bindir, PgOptions options);

  Status init();
  Status launch();
  void stop();

  std::string dir_;
  std::string bindir_;
  PgOptions options_;
  int port_ = 0;
  bool running_ = false;
  int owner_pid_ = 0;  ///< The process that started the cluster.
};

/// The process-wide cluster: started on the first call, stopped and removed at process exit.
/// The first call's options win; later calls return the same cluster whatever they pass.
/// If the cluster cannot start, prints the reason to stderr and aborts the process: a test that
/// needs PostgreSQL fails, it is never skipped.
PgCluster& shared_pg_cluster(PgOptions options = {});

}  // namespace bulwark::testing
