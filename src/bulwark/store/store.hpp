#pragma once
/// The Store interface: typed tables of text rows, read and written inside atomic transactions.
///
/// The cover ledger describes its tables as TableDefs (schema.hpp) and maps its types to Rows; a
/// backend only has to store rows exactly, keep transactions atomic and durable, and serialise writers.
/// Three backends implement it: SQLite (embedded, the default), PostgreSQL (shared by many
/// processes) and an in-memory one used to replay the journal.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bulwark/core/error.hpp"

namespace bulwark::store {

/// How a column is stored. Amounts are exact unsigned integers of up to 78 decimal digits
/// (NUMERIC(78,0) on PostgreSQL, decimal text on SQLite), never floating point.
enum class ColumnType { kInt, kText, kAmount };

struct ColumnDef {
  std::string name;
  ColumnType type = ColumnType::kText;
};

/// A table: its columns, the first `key_columns` of which form the primary key. (Indexes are
/// created by the migrations.)
struct TableDef {
  std::string name;
  std::vector<ColumnDef> columns;
  std::size_t key_columns = 1;
  /// True when every change to the table's rows is made by a transaction that also appends to the
  /// journal, so that the journal head tells whether a cached copy of a row is current (the ledger's
  /// tables). False for tables that processes change without a journal entry (the monitor's): an SQL
  /// store never caches their rows, and in a write transaction reads them under the writer lock.
  bool journaled = true;

  /// Position of a column by name; aborts on an unknown name (a programming error).
  std::size_t column(std::string_view name) const;
};

/// One row: every column as text (integers and amounts in decimal). Never NULL.
using Row = std::vector<std::string>;

/// A selection over one table: equality on some columns, optional bounds on integer columns,
/// ordered by an integer column (if set) and then the primary key, at most `limit` rows (0 = all).
struct Query {
  std::vector<std::pair<std::size_t, std::string>> equal;
  std::optional<std::pair<std::size_t, std::int64_t>> at_most;
  std::optional<std::pair<std::size_t, std::int64_t>> at_least;
  std::size_t limit = 0;
  bool descending = false;
  std::optional<std::size_t> order_by;  ///< An integer column to order by before the key.
};

/// A read announced to Tx::prefetch: the row with primary key `key` when `query` is unset (what
/// Tx::get(*table, key) reads), else the rows of Tx::select(*table, *query).
struct Read {
  const TableDef* table = nullptr;
  Row key;
  std::optional<Query> query;
};

/// A transaction. Everything written through it becomes visible and durable together at commit,
/// or not at all. Not thread-safe; used by one thread for the duration of Store::transact.
class Tx {
 public:
  virtual ~Tx() = default;
  /// The row with the given primary key, or nullopt.
  virtual Result<std::optional<Row>> get(const TableDef& table, const Row& key) = 0;
  /// Inserts the row, or replaces the row with the same primary key.
  virtual Status put(const TableDef& table, const Row& row) = 0;
  /// Inserts a row whose primary key must be new: when a row with that key exists, committed or
  /// written earlier in this transaction, the transaction fails with kAlreadyExists and applies
  /// nothing. A backend may find that out only at commit (Store::transact then returns the error),
  /// so a caller that wants to say more than "already exists" reads the row after the failure.
  /// Once inserted, the row can be replaced by put() like any other. The default reads, then puts.
  virtual Status insert(const TableDef& table, const Row& row);
  /// Rows matching the query, ordered by primary key.
  virtual Result<std::vector<Row>> select(const TableDef& table, const Query& query) = 0;
  /// Number of rows in the table.
  virtual Result<std::int64_t> count(const TableDef& table) = 0;
  /// Says that these reads come next, so that a backend for which each read is a network round
  /// trip can send those it cannot yet answer together, in one, and answer the later get() and
  /// select() from what came back. It changes no answer: those calls return what they would have
  /// returned without it. The default does nothing. Errors: those of the reads (kUnavailable, ...).
  virtual Status prefetch(const std::vector<Read>& reads) {
    (void)reads;
    return {};
  }
};

enum class TxMode { kRead, kWrite };

/// A store: opens transactions. Writers are serialised across threads and processes (SQLite's
/// write lock; a PostgreSQL advisory lock), so a read-modify-write inside one write transaction
/// never races another. Thread-safe.
class Store {
 public:
  virtual ~Store() = default;
  /// Runs `body` inside one transaction and commits if it returns success; rolls back on error.
  /// A backend error (lost connection, disk full) is returned as kUnavailable/kIo, with nothing applied.
  virtual Status transact(TxMode mode, const std::function<Status(Tx&)>& body) = 0;
  /// "sqlite", "postgresql" or "memory".
  virtual std::string backend() const = 0;
  /// A description safe to print (no password).
  virtual std::string describe() const = 0;
};

/// Opens a store by URL: "postgresql://..." or "postgres://..." for PostgreSQL, "memory:" for a
/// process-local in-memory store, anything else as an SQLite file path ("sqlite:" prefix optional).
/// Creates the SQLite file and its directory if missing and migrates the schema to the latest version.
Result<std::unique_ptr<Store>> open_store(const std::string& url);

}  // namespace bulwark::store
