#pragma once
/// A Store over any SQL database that speaks the common subset Bulwark uses (CREATE TABLE,
/// INSERT ... ON CONFLICT DO UPDATE, SELECT with WHERE/ORDER BY/LIMIT). Backends supply a
/// SqlConnection; the SQL text is the same for all of them but for placeholders and type names.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bulwark/store/row_cache.hpp"
#include "bulwark/store/store.hpp"

namespace bulwark::store {

/// Statements with their parameters, run in order (for execute_batch, results unused).
using Batch = std::vector<std::pair<const std::string*, const std::vector<std::string>*>>;

/// One connection to an SQL database. Not thread-safe: SqlStore serialises its use.
class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  /// Starts a transaction. kWrite takes the database-wide writer lock before returning. A
  /// non-empty `probe` (a parameterless SELECT) runs right after, in the same round trip where the
  /// backend can, and its rows are returned.
  virtual Result<std::vector<Row>> begin(TxMode mode, const std::string& probe) = 0;
  /// Runs the last buffered writes, then commits; both in one round trip where the backend can.
  /// On failure the transaction is rolled back.
  virtual Status commit(const Batch& last_writes) = 0;
  /// Rolls back; never fails in a way the caller can act on.
  virtual void rollback() = 0;
  /// Runs one statement with text parameters bound to placeholders 1..n; returns its rows.
  /// Statements are prepared once and cached by their text.
  virtual Result<std::vector<Row>> query(const std::string& sql, const std::vector<std::string>& params) = 0;
  /// Runs several parameterised statements whose results are not needed, in order. The default runs
  /// them one by one; a networked backend sends them in one round trip.
  virtual Status execute_batch(const Batch& batch) {
    for (const auto& [sql, params] : batch) BULWARK_CHECK(query(*sql, *params));
    return {};
  }
  /// True when every statement costs a network round trip, so that sending reads together
  /// (query_many) pays.
  virtual bool batches_queries() const { return false; }
  /// Runs several queries, each as query() would, and returns their rows in order. The default
  /// runs them one by one; a networked backend sends them in one round trip.
  virtual Result<std::vector<std::vector<Row>>> query_many(const Batch& queries) {
    std::vector<std::vector<Row>> out;
    out.reserve(queries.size());
    for (const auto& [sql, params] : queries) {
      BULWARK_TRY(rows, query(*sql, *params));
      out.push_back(std::move(rows));
    }
    return out;
  }
  /// Optimistic write transactions: reads run without a transaction (answered mostly by the row
  /// cache), and the writer lock, a check that the journal head is still (head_seq, head_hash)
  /// (empty strings: the journal is empty), the writes and COMMIT go to the server together at
  /// commit, or at the first flush. A moved head fails that step with kConflict and nothing is
  /// applied; the store then runs the transaction again the ordinary way. Backends for which a
  /// round trip costs little do not support it.
  virtual bool supports_optimistic() const { return false; }
  virtual void begin_optimistic(const std::string& head_seq, const std::string& head_hash) {
    (void)head_seq;
    (void)head_hash;
  }
  /// In an optimistic transaction that has not yet sent anything: checks the head now (kConflict
  /// if it moved) and ends the transaction. Otherwise does nothing.
  virtual Status check_optimistic() { return {}; }
  /// In an optimistic transaction that has not yet sent anything: makes it a real one now (the
  /// writer lock, then the head check; kConflict if the head moved), so that rows read next cannot
  /// change before the commit. Otherwise does nothing.
  virtual Status begin_now() { return {}; }

  /// The placeholder for parameter n (1-based): "?1" for SQLite, "$1" for PostgreSQL.
  virtual std::string placeholder(std::size_t n) const = 0;
  /// The column type for a schema type token: {INT}, {TEXT}, {AMOUNT}.
  virtual std::string type_name(ColumnType type) const = 0;
  /// What the token {CLUSTERED} after a CREATE TABLE becomes: the option that stores the table's
  /// rows in the b-tree of its primary key, where the backend has one (SQLite: WITHOUT ROWID).
  virtual std::string clustered() const { return ""; }
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
  RowCache cache_;                                // committed rows across write transactions; guarded by mu_
  std::string head_sql_;                          // reads the journal head (validates cache_)
};

}  // namespace bulwark::store
