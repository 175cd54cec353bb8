#pragma once
/// PostgreSQL backend (libpqxx): a store shared by many bulwark processes.

#include <cstdint>
#include <memory>
#include <string>

#include "bulwark/store/sql_store.hpp"

namespace bulwark::store {

/// Connects to `url` (a libpq connection URI, postgresql://user@host:port/db). Errors: kUnavailable
/// when the server cannot be reached or refuses the connection.
Result<std::unique_ptr<SqlConnection>> open_postgres(const std::string& url);

/// Statements sent to PostgreSQL servers by this process so far, over all connections: each a
/// network round trip (a batch of reads or of writes sent together counts once). For benchmarks.
std::int64_t postgres_round_trips();

/// The URL with any password replaced by "***", for messages and logs.
std::string redact_url(const std::string& url);

}  // namespace bulwark::store
