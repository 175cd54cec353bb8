// The schema the migrations build has exactly the columns the TableDefs name, in order, with the
// declared types, on both backends. (A TableDef changed without a migration fails here.)

#include <gtest/gtest.h>

#include <sqlite3.h>
#include <pqxx/pqxx>

#include "backends.hpp"
#include "bulwark/core/strings.hpp"
#include "bulwark/store/query.hpp"
#include "bulwark/store/schema.hpp"

namespace bulwark::store {
namespace {

/// Column (name, type) pairs of a table as the database reports them.
using Columns = std::vector<std::pair<std::string, std::string>>;

Columns sqlite_columns(const std::string& path, const std::string& table) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  const std::string sql = "SELECT name, type FROM pragma_table_info('" + table + "') ORDER BY cid";
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
  Columns out;
  while (sqlite3_step(stmt) == SQLITE_ROW)
    out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)),
                     reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

Columns postgres_columns(const std::string& url, const std::string& table) {
  pqxx::connection c(url);
  pqxx::nontransaction w(c);
  Columns out;
  for (const auto& row :
       w.exec_params("SELECT column_name, data_type, numeric_precision FROM information_schema.columns "
                     "WHERE table_name = $1 ORDER BY ordinal_position",
                     table)) {
    std::string type = row[1].c_str();
    if (type == "numeric") type += concat("(", row[2].c_str(), ",0)");
    out.emplace_back(row[0].c_str(), type);
  }
  return out;
}

std::string expected_type(const std::string& backend, ColumnType t) {
  if (backend == "sqlite") return t == ColumnType::kInt ? "INTEGER" : "TEXT";
  switch (t) {
    case ColumnType::kInt: return "bigint";
    case ColumnType::kAmount: return "numeric(78,0)";
    case ColumnType::kText: return "text";
  }
  return "";
}

class SchemaTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SchemaTest, MigratedSchemaMatchesTheTableDefinitions) {
  const std::string url = testing::fresh_store_url(GetParam());
  ASSERT_TRUE(open_store(url));  // runs the migrations
  std::vector<const TableDef*> tables = schema::all_tables();
  for (const TableDef* t : schema::monitor_tables()) tables.push_back(t);
  for (const TableDef* t : tables) {
    Columns want;
    for (const auto& c : t->columns) want.emplace_back(c.name, expected_type(GetParam(), c.type));
    const Columns got =
        GetParam() == "sqlite" ? sqlite_columns(url, t->name) : postgres_columns(url, t->name);
    EXPECT_EQ(got, want) << "table " << t->name;
  }
  // Opening again finds the schema current and changes nothing.
  ASSERT_TRUE(open_store(url));
}

/// Runs `sql` (statements separated by ';') on the store at `url`, outside the store.
void exec_raw(const std::string& backend, const std::string& url, const std::string& sql) {
  if (backend == "sqlite") {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(url.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    char* msg = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
    EXPECT_EQ(rc, SQLITE_OK) << (msg ? msg : "");
    sqlite3_free(msg);
    sqlite3_close(db);
    return;
  }
  pqxx::connection c(url);
  pqxx::nontransaction w(c);
  w.exec(sql);
}

// Migration 10 rebuilds allocations (on SQLite as a WITHOUT ROWID table): a store written before
// it keeps every allocation, and reads and writes them as before.
TEST_P(SchemaTest, RebuildingAllocationsKeepsTheirRows) {
  const std::string url = testing::fresh_store_url(GetParam());
  ASSERT_TRUE(open_store(url));
  // Back to the table as migration 1 made it, with two allocations, at schema version 9.
  exec_raw(GetParam(), url,
           std::string("DROP TABLE allocations; ") + "CREATE TABLE allocations (policy_id " +
               (GetParam() == "sqlite" ? "INTEGER" : "BIGINT") + " NOT NULL, pool_id " +
               (GetParam() == "sqlite" ? "INTEGER" : "BIGINT") + " NOT NULL, cover " +
               (GetParam() == "sqlite" ? "TEXT" : "NUMERIC(78,0)") + " NOT NULL, reward " +
               (GetParam() == "sqlite" ? "TEXT" : "NUMERIC(78,0)") + " NOT NULL, earned " +
               (GetParam() == "sqlite" ? "TEXT" : "NUMERIC(78,0)") + " NOT NULL, active " +
               (GetParam() == "sqlite" ? "INTEGER" : "BIGINT") +
               " NOT NULL, PRIMARY KEY (policy_id, pool_id)); "
               "CREATE INDEX allocations_pool_id_active_idx ON allocations (pool_id, active); "
               "INSERT INTO allocations VALUES (7, 1, '100', '5', '2', 1); "
               "INSERT INTO allocations VALUES (7, 2, '300', '15', '0', 0); "
               "DELETE FROM schema_migrations WHERE version >= 10");
  auto store = open_store(url);  // migrates again
  ASSERT_TRUE(store) << store.error().message;
  const auto& t = schema::allocations();
  std::vector<Row> rows;
  ASSERT_TRUE((*store)->transact(TxMode::kWrite, [&](Tx& tx) -> Status {
    BULWARK_CHECK(tx.put(t, {"8", "1", "50", "1", "0", "1"}));
    BULWARK_TRY(all, tx.select(t, Query{}));
    rows = std::move(all);
    return {};
  }));
  EXPECT_EQ(rows, (std::vector<Row>{{"7", "1", "100", "5", "2", "1"},
                                    {"7", "2", "300", "15", "0", "0"},
                                    {"8", "1", "50", "1", "0", "1"}}));
  if (GetParam() == "sqlite") {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(url.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE name = 'allocations'", -1, &stmt,
                                 nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_NE(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))).find("WITHOUT ROWID"),
              std::string::npos);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
  }
  const Columns want{{"policy_id", expected_type(GetParam(), ColumnType::kInt)},
                     {"pool_id", expected_type(GetParam(), ColumnType::kInt)},
                     {"cover", expected_type(GetParam(), ColumnType::kAmount)},
                     {"reward", expected_type(GetParam(), ColumnType::kAmount)},
                     {"earned", expected_type(GetParam(), ColumnType::kAmount)},
                     {"active", expected_type(GetParam(), ColumnType::kInt)}};
  EXPECT_EQ(
      GetParam() == "sqlite" ? sqlite_columns(url, "allocations") : postgres_columns(url, "allocations"),
      want);
}

INSTANTIATE_TEST_SUITE_P(Backends, SchemaTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& tp) { return tp.param; });

}  // namespace
}  // namespace bulwark::store
