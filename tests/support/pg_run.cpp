// pg_run: a private PostgreSQL cluster for shell tests (see pg_cluster.hpp). Starts the cluster,
// creates one database, prints its URL on stdout, then keeps the cluster running until its stdin
// reaches end of file (the test closed it, or died) or it gets SIGINT/SIGTERM; then stops the
// server and removes its files. Exit status 0, or 1 (with the reason on stderr) if it cannot start.
//
//   pg_run [DATABASE]        (default database name: bulwark)

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>

#include "support/pg_cluster.hpp"

namespace {

extern "C" void on_signal(int) {}  // only interrupts the read below

}  // namespace

int main(int argc, char** argv) {
  const std::string name = argc > 1 ? argv[1] : "bulwark";
  struct sigaction sa {};
  sa.sa_handler = on_signal;  // no SA_RESTART: read() returns EINTR
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  auto cluster = bulwark::testing::PgCluster::start(bulwark::testing::PgOptions{.durable = false});
  if (!cluster) {
    std::fprintf(stderr, "pg_run: %s\n", cluster.error().message.c_str());
    return 1;
  }
  auto url = (*cluster)->create_database(name);
  if (!url) {
    std::fprintf(stderr, "pg_run: %s\n", url.error().message.c_str());
    return 1;
  }
  std::printf("%s\n", url->c_str());
  std::fflush(stdout);
  char buf[256];
  while (::read(STDIN_FILENO, buf, sizeof buf) > 0) {
  }
  return 0;  // the cluster stops as it is destroyed
}
