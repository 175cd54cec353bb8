#include "bulwark/store/sql_store.hpp"

#include <charconv>
#include <map>

#include "bulwark/store/schema.hpp"

namespace bulwark::store {
namespace {

/// A Tx that turns row operations into SQL on one connection. SQL texts are built once per
/// (table, operation) and cached, so the connection's prepared-statement cache is hit every time.
///
/// Writes are buffered: put() records the row, get() sees buffered rows, and the buffer is sent in
/// one batch (one round trip on PostgreSQL) before any select or count and before commit, so
/// reads always see the transaction's own writes.
class SqlTx final : public Tx {
 public:
  SqlTx(SqlConnection& conn, std::map<std::string, std::string>& sql_cache)
      : conn_(conn), sql_cache_(sql_cache) {}

  /// Sends buffered writes to the database.
  Status flush() {
    if (pending_.empty()) return {};
    std::vector<std::pair<const std::string*, const std::vector<std::string>*>> batch;
    batch.reserve(pending_.size());
    for (const auto& w : pending_) batch.emplace_back(w.sql, &w.row);
    Status s = conn_.execute_batch(batch);
    pending_.clear();
    buffered_.clear();
    return s;
  }

  Result<std::optional<Row>> get(const TableDef& t, const Row& key) override {
    if (auto it = buffered_.find({&t, key}); it != buffered_.end())
      return std::optional<Row>{pending_[it->second].row};
    return get_stored(t, key);
  }

  Result<std::optional<Row>> get_stored(const TableDef& t, const Row& key) {
    std::string& sql = cached("get", t, [&] {
      std::string s = "SELECT " + column_list(t) + " FROM " + t.name + " WHERE ";
      for (std::size_t i = 0; i < t.key_columns; ++i)
        s += (i ? " AND " : "") + t.columns[i].name + " = " + conn_.placeholder(i + 1);
      return s;
    });
    BULWARK_TRY(rows, conn_.query(sql, key));
    if (rows.empty()) return std::optional<Row>{};
    return std::optional<Row>{std::move(rows.front())};
  }

  Status put(const TableDef& t, const Row& row) override {
    if (row.size() != t.columns.size())
      return fail(ErrorCode::kInternal, "row for " + t.name + " has " + std::to_string(row.size()) +
                                            " values, table has " + std::to_string(t.columns.size()));
    std::string& sql = cached("put", t, [&] {
      std::string s = "INSERT INTO " + t.name + " (" + column_list(t) + ") VALUES (";
      for (std::size_t i = 0; i < t.columns.size(); ++i) s += (i ? ", " : "") + conn_.placeholder(i + 1);
      s += ") ON CONFLICT (";
      for (std::size_t i = 0; i < t.key_columns; ++i) s += (i ? ", " : "") + t.columns[i].name;
      s += ")";
      if (t.key_columns == t.columns.size()) return s + " DO NOTHING";
      s += " DO UPDATE SET ";
      for (std::size_t i = t.key_columns; i < t.columns.size(); ++i)
        s += (i > t.key_columns ? ", " : "") + t.columns[i].name + " = excluded." + t.columns[i].name;
      return s;
    });
    Row key(row.begin(), row.begin() + std::ptrdiff_t(t.key_columns));
    if (auto it = buffered_.find({&t, key}); it != buffered_.end()) {
      pending_[it->second].row = row;  // a later write of the same row replaces the earlier one
      return {};
    }
    buffered_.emplace(std::pair{&t, std::move(key)}, pending_.size());
    pending_.push_back({&sql, row});
    return {};
  }

  Result<std::vector<Row>> select(const TableDef& t, const Query& q) override {
    BULWARK_CHECK(flush());
    std::string shape = "sel";
    for (const auto& [col, _] : q.equal) shape += ":" + std::to_string(col);
    if (q.at_most) shape += "<" + std::to_string(q.at_most->first);
    if (q.at_least) shape += ">" + std::to_string(q.at_least->first);
    shape += q.descending ? "d" : "a";
    shape += q.limit ? "l" : "";
    std::string& sql = cached(shape, t, [&] {
      std::string s = "SELECT " + column_list(t) + " FROM " + t.name;
      std::size_t n = 0;
      std::string where;
      for (const auto& [col, _] : q.equal)
        where += (where.empty() ? "" : " AND ") + t.columns[col].name + " = " + conn_.placeholder(++n);
      if (q.at_most)
        where += (where.empty() ? "" : " AND ") + t.columns[q.at_most->first].name +
                 " <= " + conn_.placeholder(++n);
      if (q.at_least)
        where += (where.empty() ? "" : " AND ") + t.columns[q.at_least->first].name +
                 " >= " + conn_.placeholder(++n);
      if (!where.empty()) s += " WHERE " + where;
      s += " ORDER BY ";
      for (std::size_t i = 0; i < t.key_columns; ++i)
        s += (i ? ", " : "") + t.columns[i].name + (q.descending ? " DESC" : "");
      if (q.limit) s += " LIMIT " + conn_.placeholder(++n);
      return s;
    });
    std::vector<std::string> params;
    params.reserve(q.equal.size() + 2);
    for (const auto& [_, v] : q.equal) params.push_back(v);
    if (q.at_most) params.push_back(std::to_string(q.at_most->second));
    if (q.at_least) params.push_back(std::to_string(q.at_least->second));
    if (q.limit) params.push_back(std::to_string(q.limit));
    return conn_.query(sql, params);
  }

  Result<std::int64_t> count(const TableDef& t) override {
    BULWARK_CHECK(flush());
    BULWARK_TRY(rows, conn_.query("SELECT COUNT(*) FROM " + t.name, {}));
    std::int64_t n = 0;
    const std::string& s = rows.at(0).at(0);
    std::from_chars(s.data(), s.data() + s.size(), n);
    return n;
  }

 private:
  static std::string column_list(const TableDef& t) {
    std::string s;
    for (const auto& c : t.columns) s += (s.empty() ? "" : ", ") + c.name;
    return s;
  }

  template <class Make>
  std::string& cached(const std::string& op, const TableDef& t, Make make) {
    auto [it, inserted] = sql_cache_.try_emplace(op + "/" + t.name);
    if (inserted) it->second = make();
    return it->second;
  }

  struct PendingWrite {
    const std::string* sql;  // points into sql_cache_, which outlives the transaction
    Row row;
  };

  SqlConnection& conn_;
  std::map<std::string, std::string>& sql_cache_;
  std::vector<PendingWrite> pending_;
  std::map<std::pair<const TableDef*, Row>, std::size_t> buffered_;  // (table, key) -> index in pending_
};

}  // namespace

Result<std::unique_ptr<SqlStore>> SqlStore::open(std::unique_ptr<SqlConnection> conn) {
  std::unique_ptr<SqlStore> store(new SqlStore(std::move(conn)));
  BULWARK_CHECK(store->migrate());
  return store;
}

Status SqlStore::transact(TxMode mode, const std::function<Status(Tx&)>& body) {
  std::lock_guard lock(mu_);
  BULWARK_CHECK(conn_->begin(mode));
  SqlTx tx(*conn_, sql_cache_);
  Status s = body(tx);
  if (s && mode == TxMode::kWrite) s = tx.flush();
  if (!s) {
    conn_->rollback();
    return s;
  }
  if (mode == TxMode::kRead) {
    conn_->rollback();
    return {};
  }
  return conn_->commit();
}

Status SqlStore::migrate() {
  std::lock_guard lock(mu_);
  BULWARK_CHECK(conn_->begin(TxMode::kWrite));
  auto run = [&]() -> Status {
    BULWARK_CHECK(conn_->query("CREATE TABLE IF NOT EXISTS schema_migrations (version " +
                                   conn_->type_name(ColumnType::kInt) + " PRIMARY KEY, description " +
                                   conn_->type_name(ColumnType::kText) + " NOT NULL)",
                               {}));
    BULWARK_TRY(rows, conn_->query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {}));
    const int current = std::stoi(rows.at(0).at(0));
    if (current > schema::latest_version())
      return fail(ErrorCode::kFailedPrecondition,
                  "database schema version " + std::to_string(current) + " is newer than this build knows (" +
                      std::to_string(schema::latest_version()) + "): upgrade bulwark");
    for (const auto& m : schema::migrations()) {
      if (m.version <= current) continue;
      for (std::string stmt : m.statements) {
        for (auto t : {ColumnType::kInt, ColumnType::kText, ColumnType::kAmount}) {
          const std::string token = t == ColumnType::kInt    ? "{INT}"
                                    : t == ColumnType::kText ? "{TEXT}"
                                                             : "{AMOUNT}";
          for (auto pos = stmt.find(token); pos != std::string::npos; pos = stmt.find(token))
            stmt.replace(pos, token.size(), conn_->type_name(t));
        }
        auto r = conn_->query(stmt, {});
        if (!r) return std::unexpected(with_context(r.error(), "migration " + std::to_string(m.version)));
      }
      BULWARK_CHECK(conn_->query("INSERT INTO schema_migrations (version, description) VALUES (" +
                                     conn_->placeholder(1) + ", " + conn_->placeholder(2) + ")",
                                 {std::to_string(m.version), m.description}));
    }
    return {};
  };
  Status s = run();
  if (!s) {
    conn_->rollback();
    return s;
  }
  return conn_->commit();
}

}  // namespace bulwark::store
