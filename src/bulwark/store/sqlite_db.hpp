#pragma once
/// SQLite backend: one file, WAL journal, synchronous=FULL (a commit survives power loss).

#include <memory>
#include <string>

#include "bulwark/store/sql_store.hpp"

namespace bulwark::store {

/// Opens (creating if needed) the SQLite database at `path` (":memory:" for a private in-memory
/// database). Creates the parent directory. Errors: kIo when the file cannot be opened.
Result<std::unique_ptr<SqlConnection>> open_sqlite(const std::string& path);

}  // namespace bulwark::store
