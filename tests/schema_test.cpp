// The schema the migrations build has exactly the columns the TableDefs name, in order, with the
// declared types, on both backends. (A TableDef changed without a migration fails here.)

#include <gtest/gtest.h>

#include <sqlite3.h>
#include <pqxx/pqxx>

#include "backends.hpp"
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
    if (type == "numeric") type += "(" + std::string(row[2].c_str()) + ",0)";
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

INSTANTIATE_TEST_SUITE_P(Backends, SchemaTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& tp) { return tp.param; });

}  // namespace
}  // namespace bulwark::store
