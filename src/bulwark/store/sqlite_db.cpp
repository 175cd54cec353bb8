#include "bulwark/store/sqlite_db.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <unordered_map>

#include "bulwark/core/strings.hpp"

namespace bulwark::store {
namespace {

class SqliteConnection final : public SqlConnection {
 public:
  SqliteConnection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteConnection() override {
    for (auto& [_, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  Result<std::vector<Row>> begin(TxMode mode, const std::string& probe) override {
    // IMMEDIATE takes the write lock now, so two writers serialise instead of deadlocking on upgrade.
    BULWARK_CHECK(run(mode == TxMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED"));
    if (probe.empty()) return std::vector<Row>{};
    auto rows = query(probe, {});
    if (!rows) rollback();
    return rows;
  }
  Status commit(const Batch& last_writes) override {
    Status s = execute_batch(last_writes);
    if (s) s = run("COMMIT");
    if (!s) rollback();
    return s;
  }
  void rollback() override {
    // A failed COMMIT may have ended the transaction already (SQLITE_FULL, SQLITE_IOERR).
    if (!sqlite3_get_autocommit(db_)) (void)run("ROLLBACK");
  }

  Result<std::vector<Row>> query(const std::string& sql, const std::vector<std::string>& params) override {
    BULWARK_TRY(stmt, prepare(sql));
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    // SQLITE_STATIC binds without a copy: `params` outlives every step of the statement below, and
    // the next use resets the bindings before stepping it again.
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (sqlite3_bind_text(stmt, int(i + 1), params[i].data(), int(params[i].size()), SQLITE_STATIC) !=
          SQLITE_OK)
        return error("bind");
    }
    std::vector<Row> rows;
    const int ncol = sqlite3_column_count(stmt);
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        auto e = error(sql.substr(0, 60));
        sqlite3_reset(stmt);
        return std::unexpected(e.error());
      }
      Row row;
      row.reserve(std::size_t(ncol));
      for (int c = 0; c < ncol; ++c) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        row.emplace_back(text ? text : "", std::size_t(sqlite3_column_bytes(stmt, c)));
      }
      rows.push_back(std::move(row));
    }
    sqlite3_reset(stmt);
    return rows;
  }

  std::string placeholder(std::size_t n) const override { return concat("?", std::to_string(n)); }
  std::string type_name(ColumnType type) const override {
    // INTEGER affinity for integers; amounts are exact decimal text (SQLite's own numbers stop at 2^63).
    return type == ColumnType::kInt ? "INTEGER" : "TEXT";
  }
  // A rowid table with a composite key keeps a second b-tree for that key, written with every row.
  std::string clustered() const override { return " WITHOUT ROWID"; }
  std::string backend() const override { return "sqlite"; }
  std::string describe() const override { return "sqlite:" + path_; }

  Status exec_simple(const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string m = msg ? msg : "unknown error";
      sqlite3_free(msg);
      return fail(code_for(sqlite3_errcode(db_)), std::string("sqlite ") + sql + ": " + m);
    }
    return {};
  }

 private:
  static ErrorCode code_for(int rc) {
    switch (rc & 0xff) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED: return ErrorCode::kConflict;
      case SQLITE_CORRUPT:
      case SQLITE_NOTADB: return ErrorCode::kCorrupt;
      case SQLITE_CONSTRAINT: return ErrorCode::kAlreadyExists;
      case SQLITE_IOERR:
      case SQLITE_FULL:
      case SQLITE_CANTOPEN:
      case SQLITE_READONLY: return ErrorCode::kIo;
      default: return ErrorCode::kInternal;
    }
  }

  /// A parameterless statement that returns no rows (BEGIN, COMMIT, ROLLBACK), prepared once: these
  /// run in every transaction, and sqlite3_exec would parse them again each time.
  Status run(const std::string& sql) {
    BULWARK_TRY(stmt, prepare(sql));
    if (const int rc = sqlite3_step(stmt); rc != SQLITE_DONE && rc != SQLITE_ROW) {
      auto e = error(sql);
      sqlite3_reset(stmt);
      return e;
    }
    sqlite3_reset(stmt);
    return {};
  }

  Result<sqlite3_stmt*> prepare(const std::string& sql) {
    if (auto it = statements_.find(sql); it != statements_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) !=
        SQLITE_OK) {
      auto e = error("prepare " + sql.substr(0, 80));
      return std::unexpected(e.error());
    }
    statements_.emplace(sql, stmt);
    return stmt;
  }

  std::unexpected<Error> error(const std::string& what) const {
    return fail(code_for(sqlite3_extended_errcode(db_)), "sqlite " + what + ": " + sqlite3_errmsg(db_));
  }

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace

Result<std::unique_ptr<SqlConnection>> open_sqlite(const std::string& path) {
  if (path != ":memory:") {
    std::error_code ec;
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) return fail(ErrorCode::kIo, "cannot create directory " + parent.string() + ": " + ec.message());
  }
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return fail(ErrorCode::kIo, "cannot open SQLite database " + path + ": " + msg);
  }
  auto conn = std::make_unique<SqliteConnection>(db, path);
  sqlite3_busy_timeout(db, 30'000);
  // WAL lets readers run beside the writer; synchronous=FULL makes every commit durable.
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    if (path == ":memory:" && std::string_view(pragma).find("WAL") != std::string_view::npos) continue;
    if (auto s = conn->exec_simple(pragma); !s) return std::unexpected(s.error());
  }
  return std::unique_ptr<SqlConnection>(std::move(conn));
}

}  // namespace bulwark::store
