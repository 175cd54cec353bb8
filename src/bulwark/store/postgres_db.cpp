#include "bulwark/store/postgres_db.hpp"

#include <pqxx/pqxx>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>
#include <unordered_map>

#include "bulwark/core/strings.hpp"

namespace bulwark::store {
namespace {

std::atomic<std::int64_t> g_round_trips{0};

// Every write transaction takes this transaction-scoped advisory lock first: writers serialise
// across processes, so a read-modify-write (capacity check then allocation, journal head then
// append) can never interleave with another process's. Readers do not take it.
constexpr long long kWriterLockKey = 0x42554c5741524bLL;  // "BULWARK"

/// One libpq connection driven through a pqxx::nontransaction, with BEGIN and COMMIT sent by hand
/// so that they share a round trip with the statements next to them: BEGIN, the writer lock and the
/// cache probe go in one; the buffered writes and COMMIT in another.
class PostgresConnection final : public SqlConnection {
 public:
  PostgresConnection(std::unique_ptr<pqxx::connection> conn, std::string url)
      : conn_(std::move(conn)), ntx_(std::make_unique<pqxx::nontransaction>(*conn_)), url_(std::move(url)) {}

  bool supports_optimistic() const override { return true; }

  void begin_optimistic(const std::string& head_seq, const std::string& head_hash) override {
    state_ = State::kOptimistic;
    // Checked by the session's own temporary function (created at connect): it raises
    // serialization_failure (kConflict) when the journal head moved.
    head_args_ = concat(head_seq.empty() ? "NULL" : literal(head_seq), "::bigint, ",
                        head_hash.empty() ? "NULL" : literal(head_hash), "::text)");
  }

  Status check_optimistic() override {
    if (state_ != State::kOptimistic) return {};
    state_ = State::kIdle;
    auto r = guard("checking the journal head", [&] {
      exec("SELECT pg_temp.bulwark_expect_head(" + head_args_);
      return std::vector<Row>{};
    });
    if (!r) return std::unexpected(r.error());
    return {};
  }

  Status begin_now() override {
    if (state_ != State::kOptimistic) return {};
    const std::string text = upgrade_text();
    state_ = State::kInTx;  // a failure below leaves a transaction to roll back
    auto r = guard("begin", [&] {
      exec(text);
      return std::vector<Row>{};
    });
    if (!r) return std::unexpected(r.error());
    return {};
  }

  Result<std::vector<Row>> begin(TxMode mode, const std::string& probe) override {
    // Readers get one snapshot for the whole transaction (verification reads journal and state
    // together); writers see the latest commits, in order, behind the lock.
    std::string text = mode == TxMode::kWrite
                           ? "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(" +
                                 std::to_string(kWriterLockKey) + ")"
                           : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    if (!probe.empty()) text += "; " + probe;
    state_ = State::kInTx;
    auto r = guard("begin", [&] {
      const pqxx::result res = exec(text);
      return probe.empty() ? std::vector<Row>{} : rows_of(res);
    });
    if (!r) rollback();
    return r;
  }

  Status commit(const Batch& last_writes) override {
    if (state_ == State::kOptimistic && last_writes.empty()) return check_optimistic();
    const std::string text =
        (state_ == State::kOptimistic ? upgrade_text() : "") + batch_text(last_writes) + "COMMIT";
    state_ = State::kInTx;
    auto r = guard("commit", [&] {
      exec(text);
      return std::vector<Row>{};
    });
    if (!r) {
      rollback();
      return std::unexpected(r.error());
    }
    state_ = State::kIdle;
    return {};
  }

  void rollback() override {
    const bool in_tx = state_ == State::kInTx;
    state_ = State::kIdle;
    if (!in_tx) return;
    try {
      exec("ROLLBACK");
    } catch (...) {
    }
  }

  Result<std::vector<Row>> query(const std::string& sql, const std::vector<std::string>& params) override {
    if (state_ == State::kIdle) return fail(ErrorCode::kInternal, "postgresql query outside a transaction");
    return guard(sql.substr(0, 60), [&] {
      auto it = prepared_.find(sql);
      if (it == prepared_.end()) {
        const std::string name = "s" + std::to_string(prepared_.size());
        g_round_trips.fetch_add(1, std::memory_order_relaxed);
        conn_->prepare(name, sql);
        it = prepared_.emplace(sql, name).first;
      }
      return rows_of(counted()->exec_prepared(it->second, pqxx::prepare::make_dynamic_params(params)));
    });
  }

  bool batches_queries() const override { return true; }

  /// One round trip: the queries as EXECUTEs of statements PREPAREd once per session, with their
  /// parameters as quoted literals (as batch_text does), sent in one message through a pqxx
  /// pipeline, which returns each statement's rows. In an optimistic transaction they run, like
  /// query(), outside any transaction (one implicit transaction for the message); the head check
  /// at commit tells whether what they read is still current.
  Result<std::vector<std::vector<Row>>> query_many(const Batch& queries) override {
    if (state_ == State::kIdle) return fail(ErrorCode::kInternal, "postgresql query outside a transaction");
    return guard("batch of " + std::to_string(queries.size()) + " reads", [&] {
      std::vector<std::string> texts;
      texts.reserve(queries.size());
      for (const auto& [sql, params] : queries) {
        std::string text = "EXECUTE " + prepared_read(*sql);
        for (std::size_t i = 0; i < params->size(); ++i)
          text += concat(i ? ", " : "(", literal((*params)[i]));
        text += params->empty() ? "" : ")";
        texts.push_back(std::move(text));
      }
      std::vector<std::vector<Row>> out;
      out.reserve(queries.size());
      pqxx::pipeline pipe(*ntx_);
      pipe.retain(int(texts.size()));  // all in one message
      std::vector<pqxx::pipeline::query_id> ids;
      ids.reserve(texts.size());
      for (const auto& t : texts) ids.push_back(pipe.insert(t));
      g_round_trips.fetch_add(1, std::memory_order_relaxed);
      pipe.resume();
      for (const auto id : ids) out.push_back(rows_of(pipe.retrieve(id)));
      pipe.complete();
      return out;
    });
  }

  Status execute_batch(const Batch& batch) override {
    if (state_ == State::kIdle) return fail(ErrorCode::kInternal, "postgresql batch outside a transaction");
    if (batch.empty()) return {};
    const std::string text = (state_ == State::kOptimistic ? upgrade_text() : "") + batch_text(batch);
    state_ = State::kInTx;
    auto r = guard("batch of " + std::to_string(batch.size()) + " writes", [&] {
      exec(text);
      return std::vector<Row>{};
    });
    if (!r) return std::unexpected(r.error());
    return {};
  }

  std::string placeholder(std::size_t n) const override {
    std::string p = "$";
    p += std::to_string(n);
    return p;
  }
  std::string type_name(ColumnType type) const override {
    switch (type) {
      case ColumnType::kInt: return "BIGINT";
      case ColumnType::kAmount: return "NUMERIC(78,0)";
      case ColumnType::kText: return "TEXT";
    }
    return "TEXT";
  }
  std::string backend() const override { return "postgresql"; }
  std::string describe() const override { return redact_url(url_); }

 private:
  /// `value` as an SQL string literal: quoted, with the connection's escaping (what pqxx's quote() gives
  /// a string, without the concatenation GCC 12 misreports).
  std::string literal(const std::string& value) const { return concat("'", ntx_->esc(value), "'"); }

  /// The connection's statement runner, for one statement sent (one round trip, counted).
  pqxx::nontransaction* counted() {
    g_round_trips.fetch_add(1, std::memory_order_relaxed);
    return ntx_.get();
  }
  pqxx::result exec(const std::string& text) { return counted()->exec(text); }

  template <class F>
  Result<std::invoke_result_t<F>> guard(const std::string& what, F&& f) {
    try {
      return f();
    } catch (const pqxx::broken_connection& e) {
      return fail(ErrorCode::kUnavailable, "postgresql connection lost during " + what + ": " + e.what());
    } catch (const pqxx::serialization_failure& e) {
      return fail(ErrorCode::kConflict, "postgresql " + what + ": " + e.what());
    } catch (const pqxx::unique_violation& e) {
      return fail(ErrorCode::kAlreadyExists, "postgresql " + what + ": " + e.what());
    } catch (const pqxx::in_doubt_error& e) {
      return fail(ErrorCode::kUnavailable, "postgresql commit outcome unknown: " + std::string(e.what()));
    } catch (const std::exception& e) {
      return fail(ErrorCode::kInternal, "postgresql " + what + ": " + e.what());
    }
  }

  static std::vector<Row> rows_of(const pqxx::result& res) {
    std::vector<Row> rows;
    rows.reserve(res.size());
    for (const auto& r : res) {
      Row row;
      row.reserve(r.size());
      for (const auto& f : r) row.emplace_back(f.c_str(), f.size());
      rows.push_back(std::move(row));
    }
    return rows;
  }

  /// The writes as one text of EXECUTEs, each followed by ";\n", their parameters as quoted
  /// literals (the server coerces each literal to the parameter's inferred type, as it does for
  /// bound text parameters). Each statement is PREPAREd once per connection, so the server does
  /// not parse and plan it again on every commit.
  ///
  /// The writes of one table (the accounts of a purchase, say) become one multi-row INSERT,
  /// wherever they stand in the batch: every row is a distinct key (the transaction's buffer keeps
  /// only the last write of a row) and no constraint spans tables, so the order of the writes does
  /// not change what the transaction leaves. For the same reason the INSERTs of a batch of up to
  /// kMaxParts of them run as one statement, each in a WITH clause of it, which spares the server
  /// the per-statement work (parsing the EXECUTE, a snapshot, executor start-up) for all but one.
  std::string batch_text(const Batch& batch) {
    std::vector<std::pair<const std::string*, std::vector<const std::vector<std::string>*>>> groups;
    for (const auto& [sql, params] : batch) {
      auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& x) { return x.first == sql; });
      if (g == groups.end()) g = groups.insert(groups.end(), {sql, {}});
      g->second.push_back(params);
    }
    // A table's n rows go in parts of 64, 32, ..., 1 rows (n's binary digits, 64s first): a few
    // statement shapes serve every n, and no statement nears the server's 65,535 parameters.
    std::vector<Part> parts;
    for (const auto& [sql, rows] : groups)
      for (std::size_t at = 0; at < rows.size();) {
        const std::size_t left = rows.size() - at;
        const std::size_t n = left >= kMaxRows ? kMaxRows : std::bit_floor(left);
        parts.push_back({sql, rows.data() + at, n});
        at += n;
      }
    // Past kMaxShapes statements, a batch of a new shape runs part by part, so that a session
    // holds a bounded number of statements whatever its transactions write.
    const bool together = parts.size() <= kMaxParts &&
                          (batch_prepared_.size() < kMaxShapes || batch_prepared_.count(shape(parts)));
    std::string text;
    for (std::size_t i = 0; i < parts.size(); i = together ? parts.size() : i + 1) {
      const std::span<const Part> statement(parts.data() + i, together ? parts.size() : 1);
      text += concat("EXECUTE ", prepared_for(statement), "(");
      bool first = true;
      for (const Part& part : statement)
        for (std::size_t r = 0; r < part.n; ++r)
          for (const auto& value : *part.rows[r]) {
            text += first ? "" : ", ";
            first = false;
            text += literal(value);
          }
      text += ");\n";
    }
    return text;
  }

  static constexpr std::size_t kMaxRows = 64;   // rows of one INSERT
  static constexpr std::size_t kMaxParts = 12;  // INSERTs of one statement
  static constexpr std::size_t kMaxShapes = 256;

  /// `n` rows of the one-row INSERT `sql`.
  struct Part {
    const std::string* sql;
    const std::vector<std::string>* const* rows;
    std::size_t n;
  };

  static std::string shape(std::span<const Part> parts) {
    std::string key;
    for (const Part& part : parts) key += std::to_string(part.n) + "\x1f" + *part.sql + "\x1e";
    return key;
  }

  /// The name of the statement that runs `parts` (several as WITH clauses of one statement),
  /// PREPAREd on this session the first time it is needed.
  const std::string& prepared_for(std::span<const Part> parts) {
    const std::string key = shape(parts);
    auto it = batch_prepared_.find(key);
    if (it != batch_prepared_.end()) return it->second;
    std::string text;
    std::size_t first_param = 1;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const std::string part = widened(*parts[i].sql, parts[i].n, first_param);
      first_param += parts[i].n * parts[i].rows[0]->size();
      if (i + 1 < parts.size())
        text += (i ? ", w" : "WITH w") + std::to_string(i) + " AS (" + part + ")";
      else
        text += (i ? " " : "") + part;
    }
    const std::string name = "bulwark_w" + std::to_string(batch_prepared_.size());
    exec("PREPARE " + name + " AS " + text);  // session-wide, survives a rollback
    return batch_prepared_.emplace(key, name).first->second;
  }

  /// The INSERT `sql` (one VALUES tuple of $1..$k) with `rows` tuples, its parameters numbered
  /// from `first_param`.
  static std::string widened(const std::string& sql, std::size_t rows, std::size_t first_param) {
    const auto open = sql.find("VALUES (");
    const auto close = sql.find(')', open);
    if (open == std::string::npos || close == std::string::npos)
      throw std::logic_error("not a one-row INSERT: " + sql);
    const std::string tuple = sql.substr(open + 7, close - open - 6);  // "($1, ..., $k)"
    const std::size_t k = std::size_t(std::count(tuple.begin(), tuple.end(), '$'));
    std::string tuples;
    for (std::size_t r = 0; r < rows; ++r) {
      tuples += r ? ", (" : "(";
      for (std::size_t c = 0; c < k; ++c) {
        tuples += c ? ", $" : "$";
        tuples += std::to_string(first_param + r * k + c);
      }
      tuples += ")";
    }
    return sql.substr(0, open + 7) + tuples + sql.substr(close + 1);
  }

  /// The name of the read `sql` (a SELECT with parameters $1..$k), PREPAREd on this session the
  /// first time it is needed, for EXECUTE in a batch of reads.
  const std::string& prepared_read(const std::string& sql) {
    auto it = read_prepared_.find(sql);
    if (it != read_prepared_.end()) return it->second;
    const std::string name = "bulwark_r" + std::to_string(read_prepared_.size());
    exec("PREPARE " + name + " AS " + sql);  // session-wide, survives a rollback
    return read_prepared_.emplace(sql, name).first->second;
  }

  /// An optimistic transaction becomes a real one: BEGIN, then the writer lock and the head check
  /// in one statement.
  std::string upgrade_text() const {
    return "BEGIN ISOLATION LEVEL READ COMMITTED;\nSELECT pg_temp.bulwark_lock_expect_head(" +
           std::to_string(kWriterLockKey) + ", " + head_args_ + ";\n";
  }

  enum class State { kIdle, kOptimistic, kInTx };

  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<pqxx::nontransaction> ntx_;
  State state_ = State::kIdle;
  std::string head_args_;
  std::string url_;
  std::unordered_map<std::string, std::string> prepared_;        // pqxx-prepared reads
  std::unordered_map<std::string, std::string> batch_prepared_;  // SQL-PREPAREd writes
  std::unordered_map<std::string, std::string> read_prepared_;   // SQL-PREPAREd reads (query_many)
};

}  // namespace

std::int64_t postgres_round_trips() {
  return g_round_trips.load(std::memory_order_relaxed);
}

std::string redact_url(const std::string& url) {
  // postgresql://user:password@host/db -> postgresql://user:***@host/db
  const auto scheme = url.find("://");
  const auto at = url.find('@', scheme == std::string::npos ? 0 : scheme + 3);
  if (scheme == std::string::npos || at == std::string::npos) return url;
  const auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

Result<std::unique_ptr<SqlConnection>> open_postgres(const std::string& url) {
  try {
    auto conn = std::make_unique<pqxx::connection>(url);
    {
      // The optimistic commit's head check (see SqlConnection::begin_optimistic). A temporary
      // function belongs to this session only, so connecting processes never race to create it.
      pqxx::nontransaction setup(*conn);
      setup.exec(
          "CREATE FUNCTION pg_temp.bulwark_expect_head(want_seq bigint, want_hash text) RETURNS void "
          "LANGUAGE plpgsql AS $fn$ DECLARE s bigint; h text; BEGIN "
          "SELECT seq, hash INTO s, h FROM journal ORDER BY seq DESC LIMIT 1; "
          "IF s IS DISTINCT FROM want_seq OR h IS DISTINCT FROM want_hash THEN "
          "RAISE EXCEPTION 'journal head moved' USING ERRCODE = 'serialization_failure'; END IF; END $fn$");
      // The writer lock, then the check. Each statement of a volatile function takes its own
      // snapshot under READ COMMITTED, so the check sees every commit made before the lock was
      // granted.
      setup.exec(
          "CREATE FUNCTION pg_temp.bulwark_lock_expect_head(lock_key bigint, want_seq bigint, want_hash "
          "text) RETURNS void LANGUAGE plpgsql AS $fn$ BEGIN PERFORM pg_advisory_xact_lock(lock_key); "
          "PERFORM pg_temp.bulwark_expect_head(want_seq, want_hash); END $fn$");
    }
    return std::unique_ptr<SqlConnection>(std::make_unique<PostgresConnection>(std::move(conn), url));
  } catch (const std::exception& e) {
    return fail(ErrorCode::kUnavailable, "cannot connect to " + redact_url(url) + ": " + e.what());
  }
}

}  // namespace bulwark::store
