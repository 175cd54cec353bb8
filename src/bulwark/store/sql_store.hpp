#pragma once
/// A Store over any SQL database that speaks the common subset Bulwark uses (CREATE TABLE,
/// INSERT ... ON CONFLICT DO UPDATE, SELECT with WHERE/ORDER BY/LIMIT). Backends supply a
/// SqlConnection; the SQL text is the same for all of them but for placeholders and type names.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bulwark/store/store.hpp"

namespace bulwark::store {

/// One connection to an SQL database. Not thread-safe: SqlStore serialises its use.
class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  /// Starts a transaction. kWrite takes the database-wide writer lock before returning.
  virtual Status begin(TxMode mode) = 0;
  virtual Status commit() = 0;
  /// Rolls back; never fails in a way the caller can act on.
  virtual void rollback() = 0;
  /// Runs one statement with text parameters bound to placeholders 1..n; returns its rows.
  /// Statements are prepared once and cached by their text.
  virtual Result<std::vector<Row>> query(const std::string& sql, const std::vector<std::string>& params) = 0;
  /// Runs several parameterised statements whose results are not needed, in order. The default runs
  /// them one by one; a networked backend sends them in one round trip.
  virtual Status execute_batch(
      const std::vector<std::pair<const std::string*, const std::vector<std::string>*>>& batch) {
    for (const auto& [sql, params] : batch) BULWARK_CHECK(query(*sql, *params));
    return {};
  }
  /// The placeholder for parameter n (1-based): "?1" for SQLite, "$1" for PostgreSQL.
  virtual std::string placeholder(std::size_t n) const = 0;
  /// The column type for a schema type token: {INT}, {TEXT}, {AMOUNT}.
  virtual std::string type_name(ColumnType type) const = 0;
  virtual std::string backend() const = 0;
  virtual std::string describe() const = 0;
};

/// Store over one SqlConnection, guarded by a mutex. Migrates the schema when created.
class SqlStore final : public Store {
 public:
  /// Takes ownership of the connection and migrates the schema to the latest version.
  static Result<std::unique_ptr<SqlStore>> open(std::unique_ptr<SqlConnection> conn);

  Status transact(TxMode mode, const std::function<Status(Tx&)>& body) override;
  std::string backend() const override { return conn_->backend(); }
  std::string describe() const override { return conn_->describe(); }

 private:
  explicit SqlStore(std::unique_ptr<SqlConnection> conn) : conn_(std::move(conn)) {}
  Status migrate();

  std::mutex mu_;
  std::unique_ptr<SqlConnection> conn_;
  std::map<std::string, std::string> sql_cache_;  // (operation/table) -> SQL text; guarded by mu_
};

}  // namespace bulwark::store
