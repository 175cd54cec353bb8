#include "bulwark/store/memory_store.hpp"
#include "bulwark/store/postgres_db.hpp"
#include "bulwark/store/sqlite_db.hpp"

namespace bulwark::store {

Result<std::unique_ptr<Store>> open_store(const std::string& url) {
  if (url.empty())
    return fail(ErrorCode::kInvalidArgument, "empty --db: give a file path or a postgresql:// URL");
  if (url == "memory:") return std::unique_ptr<Store>(std::make_unique<MemoryStore>());
  std::unique_ptr<SqlConnection> conn;
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    BULWARK_TRY(c, open_postgres(url));
    conn = std::move(c);
  } else {
    std::string path = url.starts_with("sqlite:") ? url.substr(7) : url;
    if (path.empty()) return fail(ErrorCode::kInvalidArgument, "sqlite: needs a file path");
    BULWARK_TRY(c, open_sqlite(path));
    conn = std::move(c);
  }
  BULWARK_TRY(store, SqlStore::open(std::move(conn)));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace bulwark::store
