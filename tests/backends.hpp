#pragma once
/// Opens a fresh store of each backend for the shared test suites.

#include <gtest/gtest.h>

#include <unistd.h>
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "bulwark/store/store.hpp"
#include "support/pg_cluster.hpp"

namespace bulwark::testing {

/// A new, empty store URL for `backend` ("sqlite" or "postgresql"). SQLite files go under a
/// per-process temporary directory; PostgreSQL databases are created in the shared private cluster.
inline std::string fresh_store_url(const std::string& backend, PgOptions pg = {}) {
  static std::atomic<int> counter{0};
  if (backend == "postgresql") {
    auto url = shared_pg_cluster(pg).create_database();
    if (!url) {
      ADD_FAILURE() << "cannot create a PostgreSQL database: " << url.error().message;
      return "";
    }
    return *url;
  }
  const auto dir = std::filesystem::temp_directory_path() / ("bulwark-test-" + std::to_string(::getpid()));
  // A directory of this name may be left from an earlier process with the same id (another checkout's
  // tests share /tmp): start it empty, once per process, so that no test opens another's database.
  static const bool emptied = [&] {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return true;
  }();
  (void)emptied;
  std::filesystem::create_directories(dir);
  return (dir / ("store-" + std::to_string(counter++) + ".db")).string();
}

inline std::unique_ptr<store::Store> open_fresh(const std::string& backend, PgOptions pg = {}) {
  auto s = store::open_store(fresh_store_url(backend, pg));
  if (!s) {
    ADD_FAILURE() << "cannot open " << backend << " store: " << s.error().message;
    return nullptr;
  }
  return std::move(*s);
}

}  // namespace bulwark::testing
