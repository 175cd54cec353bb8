#include "bulwark/store/sql_store.hpp"

#include <charconv>
#include <map>

#include <set>

#include "bulwark/core/strings.hpp"
#include "bulwark/store/query.hpp"
#include "bulwark/store/row_cache.hpp"
#include "bulwark/store/schema.hpp"

namespace bulwark::store {
namespace {

std::string column_list(const TableDef& t) {
  std::string s;
  for (const auto& c : t.columns) s += (s.empty() ? "" : ", ") + c.name;
  return s;
}

/// A Tx that turns row operations into SQL on one connection. SQL texts are built once per
/// (table, operation) and cached, so the connection's prepared-statement cache is hit every time.
///
/// Writes are buffered: put() records the row, get() sees buffered rows, and the buffer is sent in
/// one batch (one round trip on PostgreSQL) before any select or count that the cache cannot
/// answer and before commit, so reads always see the transaction's own writes.
///
/// In a write transaction with a RowCache, reads are answered from committed state the cache holds
/// (see row_cache.hpp), with this transaction's own writes applied on top; what the database had to
/// answer is remembered for the next transaction.
class SqlTx final : public Tx {
 public:
  SqlTx(SqlConnection& conn, std::map<std::string, std::string>& sql_cache, RowCache* cache)
      : conn_(conn), sql_cache_(sql_cache), cache_(cache) {}

  /// Sends buffered writes to the database.
  Status flush() {
    if (pending_.empty()) return {};
    Status s = conn_.execute_batch(pending());
    pending_.clear();
    buffered_.clear();
    pending_tables_.clear();
    return s;
  }

  /// The writes not yet sent, as a batch (valid until the next put or flush).
  Batch pending() const {
    Batch batch;
    batch.reserve(pending_.size());
    for (const auto& w : pending_) batch.emplace_back(w.sql, &w.row);
    return batch;
  }

  /// Every row this transaction wrote, in order (for the cache, once committed).
  const std::vector<std::pair<const TableDef*, Row>>& writes() const { return writes_; }

  Result<std::optional<Row>> get(const TableDef& t, const Row& key) override {
    if (auto it = written_.find({&t, key}); it != written_.end())
      return std::optional<Row>{writes_[it->second].second};
    if (!t.journaled) {
      // Other processes change these rows without a journal entry: read them from the database,
      // under the writer lock (so they stay as read until the commit).
      BULWARK_CHECK(conn_.begin_now());
      return get_stored(t, key);
    }
    if (cache_)
      if (const auto* known = cache_->find_row(t, key)) return *known;
    BULWARK_TRY(row, get_stored(t, key));
    // Not written by this transaction, so the database answered with committed state.
    if (cache_) cache_->remember_row(t, key, row);
    return row;
  }

  Result<std::optional<Row>> get_stored(const TableDef& t, const Row& key) {
    BULWARK_TRY(rows, conn_.query(get_sql(t), key));
    if (rows.empty()) return std::optional<Row>{};
    return std::optional<Row>{std::move(rows.front())};
  }

  /// The statement get_stored runs: the row by its primary key.
  const std::string& get_sql(const TableDef& t) {
    return cached("get", t, [&] {
      std::string s = "SELECT " + column_list(t) + " FROM " + t.name + " WHERE ";
      for (std::size_t i = 0; i < t.key_columns; ++i)
        s += (i ? " AND " : "") + t.columns[i].name + " = " + conn_.placeholder(i + 1);
      return s;
    });
  }

  Status put(const TableDef& t, const Row& row) override { return write(t, row, false); }

  /// A plain INSERT, buffered like put(): the database refuses a key that exists (kAlreadyExists,
  /// at the latest at commit). A key this transaction wrote, or the cache knows, is refused now.
  Status insert(const TableDef& t, const Row& row) override { return write(t, row, true); }

  Status write(const TableDef& t, const Row& row, bool must_be_new) {
    if (row.size() != t.columns.size())
      return fail(ErrorCode::kInternal, "row for " + t.name + " has " + std::to_string(row.size()) +
                                            " values, table has " + std::to_string(t.columns.size()));
    Row key = key_of(t, row);
    if (must_be_new) {
      const std::optional<Row>* known = cache_ && t.journaled ? cache_->find_row(t, key) : nullptr;
      if (written_.count({&t, key}) || (known && *known))
        return fail(ErrorCode::kAlreadyExists, describe_key(t, row) + " already exists");
    }
    std::string& sql = cached(must_be_new ? "insert" : "put", t, [&] {
      std::string s = "INSERT INTO " + t.name + " (" + column_list(t) + ") VALUES (";
      for (std::size_t i = 0; i < t.columns.size(); ++i) s += (i ? ", " : "") + conn_.placeholder(i + 1);
      if (must_be_new) return s + ")";
      s += ") ON CONFLICT (";
      for (std::size_t i = 0; i < t.key_columns; ++i) s += (i ? ", " : "") + t.columns[i].name;
      s += ")";
      if (t.key_columns == t.columns.size()) return s + " DO NOTHING";
      s += " DO UPDATE SET ";
      for (std::size_t i = t.key_columns; i < t.columns.size(); ++i)
        s += (i > t.key_columns ? ", " : "") + t.columns[i].name + " = excluded." + t.columns[i].name;
      return s;
    });
    if (auto it = written_.find({&t, key}); it != written_.end())
      writes_[it->second].second = row;
    else
      written_.emplace(std::pair{&t, key}, writes_.size()), writes_.emplace_back(&t, row);
    written_tables_.insert(&t);
    if (auto it = buffered_.find({&t, key}); it != buffered_.end()) {
      pending_[it->second].row = row;  // a later write of the same row replaces the earlier one
      return {};
    }
    buffered_.emplace(std::pair{&t, std::move(key)}, pending_.size());
    pending_.push_back({&sql, row});
    pending_tables_.insert(&t);
    return {};
  }

  Result<std::vector<Row>> select(const TableDef& t, const Query& q) override {
    if (!t.journaled) {
      BULWARK_CHECK(conn_.begin_now());  // as in get()
      if (pending_tables_.count(&t)) BULWARK_CHECK(flush());
      return query_stored(t, q);
    }
    std::string qkey;
    if (cache_) {
      qkey = query_key(t, q);
      if (const auto* known = cache_->find_query(t, qkey)) {
        std::vector<Row> rows = *known;
        bool answered = true;
        if (written_tables_.count(&t))
          for (const auto& [wt, row] : writes_)
            if (wt == &t && !(answered = apply_write(t, q, rows, row))) break;
        if (answered) return rows;
      }
    }
    if (pending_tables_.count(&t)) BULWARK_CHECK(flush());  // other tables' writes cannot change the answer
    BULWARK_TRY(rows, query_stored(t, q));
    if (cache_ && !written_tables_.count(&t)) cache_->remember_query(t, qkey, q, rows);
    return rows;
  }

  Result<std::vector<Row>> query_stored(const TableDef& t, const Query& q) {
    return conn_.query(query_sql(t, q), query_params(q));
  }

  /// The statement query_stored runs for queries of the shape of `q`, and its parameters for `q`.
  const std::string& query_sql(const TableDef& t, const Query& q) {
    std::string shape = "sel";
    for (const auto& [col, _] : q.equal) shape += concat(":", std::to_string(col));
    if (q.at_most) shape += concat("<", std::to_string(q.at_most->first));
    if (q.at_least) shape += concat(">", std::to_string(q.at_least->first));
    if (q.order_by) shape += concat("o", std::to_string(*q.order_by));
    shape += q.descending ? "d" : "a";
    shape += q.limit ? "l" : "";
    return cached(shape, t, [&] {
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
      if (q.order_by) s += t.columns[*q.order_by].name + (q.descending ? " DESC, " : ", ");
      for (std::size_t i = 0; i < t.key_columns; ++i)
        s += (i ? ", " : "") + t.columns[i].name + (q.descending ? " DESC" : "");
      if (q.limit) s += " LIMIT " + conn_.placeholder(++n);
      return s;
    });
  }

  static std::vector<std::string> query_params(const Query& q) {
    std::vector<std::string> params;
    params.reserve(q.equal.size() + 3);
    for (const auto& [_, v] : q.equal) params.push_back(v);
    if (q.at_most) params.push_back(std::to_string(q.at_most->second));
    if (q.at_least) params.push_back(std::to_string(q.at_least->second));
    if (q.limit) params.push_back(std::to_string(q.limit));
    return params;
  }

  /// Reads of journaled tables this transaction has not written, and that the cache cannot answer,
  /// go to the database together (SqlConnection::query_many) where that saves round trips; their
  /// answers, committed state like any read of an unwritten table, go into the cache, which then
  /// answers the get() and select() that follow. Anything else is left to those calls.
  Status prefetch(const std::vector<Read>& reads) override {
    if (!cache_ || !conn_.batches_queries()) return {};
    std::vector<const Read*> asked;
    std::vector<std::string> qkeys;
    std::vector<std::vector<std::string>> params;
    params.reserve(reads.size());  // the batch points into it
    Batch batch;
    for (const auto& r : reads) {
      const TableDef& t = *r.table;
      if (!t.journaled || written_tables_.count(&t)) continue;
      if (r.query) {
        std::string qkey = query_key(t, *r.query);
        if (cache_->find_query(t, qkey)) continue;
        params.push_back(query_params(*r.query));
        batch.emplace_back(&query_sql(t, *r.query), &params.back());
        qkeys.push_back(std::move(qkey));
      } else {
        if (cache_->find_row(t, r.key)) continue;
        params.push_back(r.key);
        batch.emplace_back(&get_sql(t), &params.back());
        qkeys.emplace_back();
      }
      asked.push_back(&r);
    }
    if (batch.size() < 2) return {};  // one read costs the same now as when it is made
    BULWARK_TRY(results, conn_.query_many(batch));
    for (std::size_t i = 0; i < asked.size(); ++i) {
      const Read& r = *asked[i];
      if (r.query)
        cache_->remember_query(*r.table, qkeys[i], *r.query, results[i]);
      else
        cache_->remember_row(
            *r.table, r.key,
            results[i].empty() ? std::nullopt : std::optional<Row>(std::move(results[i].front())));
    }
    return {};
  }

  Result<std::int64_t> count(const TableDef& t) override {
    if (!t.journaled) BULWARK_CHECK(conn_.begin_now());
    BULWARK_CHECK(flush());
    BULWARK_TRY(rows, conn_.query("SELECT COUNT(*) FROM " + t.name, {}));
    std::int64_t n = 0;
    const std::string& s = rows.at(0).at(0);
    std::from_chars(s.data(), s.data() + s.size(), n);
    return n;
  }

 private:
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
  RowCache* cache_;  // nullptr: read straight from the database
  std::vector<PendingWrite> pending_;
  std::map<std::pair<const TableDef*, Row>, std::size_t> buffered_;  // (table, key) -> index in pending_
  std::vector<std::pair<const TableDef*, Row>> writes_;              // every write, latest per key
  std::map<std::pair<const TableDef*, Row>, std::size_t> written_;   // (table, key) -> index in writes_
  std::set<const TableDef*> written_tables_;
  std::set<const TableDef*> pending_tables_;
};

/// The query whose answer validates the row cache: the journal's head row.
const Query& head_query() {
  static const Query q{.limit = 1, .descending = true};
  return q;
}

}  // namespace

Result<std::unique_ptr<SqlStore>> SqlStore::open(std::unique_ptr<SqlConnection> conn) {
  std::unique_ptr<SqlStore> store(new SqlStore(std::move(conn)));
  BULWARK_CHECK(store->migrate());
  return store;
}

Status SqlStore::transact(TxMode mode, const std::function<Status(Tx&)>& body) {
  std::lock_guard lock(mu_);
  const TableDef& journal = schema::journal();
  if (mode == TxMode::kRead) {
    BULWARK_CHECK(conn_->begin(mode, ""));
    SqlTx tx(*conn_, sql_cache_, nullptr);
    Status s = body(tx);
    conn_->rollback();
    return s;
  }
  if (head_sql_.empty())
    head_sql_ = "SELECT " + column_list(journal) + " FROM " + journal.name + " ORDER BY " +
                journal.columns[0].name + " DESC LIMIT 1";
  bool optimistic = conn_->supports_optimistic() && cache_.warm();
  for (;;) {
    if (optimistic) {
      // Trust the cache now; the head is checked with the writes (see SqlConnection).
      const auto& head = cache_.head();
      conn_->begin_optimistic(head ? (*head)[journal.column("seq")] : "",
                              head ? (*head)[journal.column("hash")] : "");
    } else {
      // The journal head, read under the writer lock in the same round trip as BEGIN, tells
      // whether the row cache is still the committed state.
      BULWARK_TRY(head, conn_->begin(mode, head_sql_));
      cache_.validate(head.empty() ? std::nullopt : std::optional<Row>(head.front()));
      cache_.remember_query(journal, query_key(journal, head_query()), head_query(), head);
    }
    SqlTx tx(*conn_, sql_cache_, &cache_);
    Status s = body(tx);
    if (!s) {
      // A rejection must not rest on rows someone else has changed since.
      Status fresh = optimistic ? conn_->check_optimistic() : Status{};
      conn_->rollback();
      const bool stale =
          (!fresh && fresh.error().code == ErrorCode::kConflict) || s.error().code == ErrorCode::kConflict;
      if (optimistic && stale) {
        cache_.clear();
        optimistic = false;
        continue;
      }
      return s;
    }
    Status committed = conn_->commit(tx.pending());
    if (committed) {
      cache_.commit(tx.writes(), journal);
      return committed;
    }
    cache_.clear();
    if (optimistic && committed.error().code == ErrorCode::kConflict) {
      optimistic = false;  // someone else wrote first: run it again under the lock
      continue;
    }
    return committed;
  }
}

Status SqlStore::migrate() {
  std::lock_guard lock(mu_);
  BULWARK_CHECK(conn_->begin(TxMode::kWrite, ""));
  auto run = [&]() -> Status {
    BULWARK_CHECK(conn_->query("CREATE TABLE IF NOT EXISTS schema_migrations (version " +
                                   conn_->type_name(ColumnType::kInt) + " PRIMARY KEY, description " +
                                   conn_->type_name(ColumnType::kText) + " NOT NULL)",
                               {}));
    BULWARK_TRY(rows, conn_->query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {}));
    int current = 0;
    const std::string& text = rows.at(0).at(0);
    if (auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), current); ec != std::errc())
      return fail(ErrorCode::kCorrupt,
                  "schema_migrations holds a version that is not a number: '" + text + "'");
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
        constexpr std::string_view kClustered = "{CLUSTERED}";
        if (const auto pos = stmt.find(kClustered); pos != std::string::npos)
          stmt.replace(pos, kClustered.size(), conn_->clustered());
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
  return conn_->commit({});
}

}  // namespace bulwark::store
