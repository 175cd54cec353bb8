#pragma once
/// Committed rows and query results an SQL store has already seen, kept across its write
/// transactions for as long as nobody else writes.
///
/// Every ledger change appends to the journal under the writer lock, so the journal's head row,
/// read under that lock at the start of a write transaction, tells whether anyone (another
/// process, another connection) committed since the cache was last right: if the head is the one
/// the cache was built at, every cached row and result is still the committed state. A transaction
/// that writes rows of journaled tables without a journal entry drops the cache at its commit.
/// Tables that are not journaled (TableDef::journaled) are never cached: remember_* ignore them, and
/// their writes leave the cache as it is.
///
/// Not thread-safe: the owning SqlStore serialises its use.

#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bulwark/store/store.hpp"

namespace bulwark::store {

/// Applies the write of `row` (insert or replace by key) to a query result kept in query order.
/// Returns false when the result can no longer be known without asking the database (a result cut
/// at its limit lost a row, or gained one past its edge).
bool apply_write(const TableDef& t, const Query& q, std::vector<Row>& rows, const Row& row);

/// A key identifying a query's shape and parameters, for caching its result.
std::string query_key(const TableDef& t, const Query& q);

class RowCache {
 public:
  /// Most rows and results kept; past that the cache starts over.
  static constexpr std::size_t kMaxRows = 200'000;
  static constexpr std::size_t kMaxQueriesPerTable = 256;

  /// Checks the cache against the journal head read under the writer lock; drops everything if
  /// the head moved since the cache was last right.
  void validate(const std::optional<Row>& head);

  /// The committed row for a key: nullptr if unknown, else the row or nullopt (known absent).
  const std::optional<Row>* find_row(const TableDef& t, const Row& key) const;
  /// A committed query result, or nullptr if not cached.
  const std::vector<Row>* find_query(const TableDef& t, const std::string& qkey) const;

  /// Records committed state read from the database.
  void remember_row(const TableDef& t, const Row& key, const std::optional<Row>& row);
  void remember_query(const TableDef& t, const std::string& qkey, const Query& q,
                      const std::vector<Row>& rows);

  /// Applies a committed transaction's writes, in order. If it appended to `journal`, its last
  /// journal row is the new head; if it wrote rows without a journal entry, the cache is dropped.
  void commit(const std::vector<std::pair<const TableDef*, Row>>& writes, const TableDef& journal);

  void clear();
  /// True when the cache has been validated against a journal head and not dropped since.
  bool warm() const { return head_.has_value(); }
  /// The journal head the cache is right for (nullopt: an empty journal). Only when warm().
  const std::optional<Row>& head() const { return *head_; }

 private:
  static std::string row_key(const TableDef& t, const Row& key);
  void make_room();
  void clear_keep_head();

  struct CachedQuery {
    Query query;
    std::vector<Row> rows;
  };
  std::optional<std::optional<Row>> head_;  ///< Outer nullopt: the cache was never validated.
  std::unordered_map<std::string, std::optional<Row>> rows_;
  std::unordered_map<std::string, std::unordered_map<std::string, CachedQuery>>
      queries_;  // table -> qkey -> result
};

}  // namespace bulwark::store
