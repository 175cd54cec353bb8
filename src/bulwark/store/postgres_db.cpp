#include "bulwark/store/postgres_db.hpp"

#include <pqxx/pqxx>

#include <memory>
#include <unordered_map>

namespace bulwark::store {
namespace {

// Every write transaction takes this transaction-scoped advisory lock first: writers serialise
// across processes, so a read-modify-write (capacity check then allocation, journal head then
// append) can never interleave with another process's. Readers do not take it.
constexpr long long kWriterLockKey = 0x42554c5741524bLL;  // "BULWARK"

class PostgresConnection final : public SqlConnection {
 public:
  PostgresConnection(std::unique_ptr<pqxx::connection> conn, std::string url)
      : conn_(std::move(conn)), url_(std::move(url)) {}

  Status begin(TxMode mode) override {
    auto r = guard("begin", [&] {
      tx_ = std::make_unique<pqxx::work>(*conn_);
      if (mode == TxMode::kWrite)
        tx_->exec("SELECT pg_advisory_xact_lock(" + std::to_string(kWriterLockKey) + ")");
      return std::vector<Row>{};
    });
    if (!r) return std::unexpected(r.error());
    return {};
  }

  Status commit() override {
    auto r = guard("commit", [&] {
      tx_->commit();
      return std::vector<Row>{};
    });
    tx_.reset();
    if (!r) return std::unexpected(r.error());
    return {};
  }

  void rollback() override {
    try {
      if (tx_) tx_->abort();
    } catch (...) {
    }
    tx_.reset();
  }

  Result<std::vector<Row>> query(const std::string& sql, const std::vector<std::string>& params) override {
    if (!tx_) return fail(ErrorCode::kInternal, "postgresql query outside a transaction");
    return guard(sql.substr(0, 60), [&] {
      auto it = prepared_.find(sql);
      if (it == prepared_.end()) {
        const std::string name = "s" + std::to_string(prepared_.size());
        conn_->prepare(name, sql);
        it = prepared_.emplace(sql, name).first;
      }
      const pqxx::result res = tx_->exec_prepared(it->second, pqxx::prepare::make_dynamic_params(params));
      std::vector<Row> rows;
      rows.reserve(res.size());
      for (const auto& r : res) {
        Row row;
        row.reserve(r.size());
        for (const auto& f : r) row.emplace_back(f.c_str(), f.size());
        rows.push_back(std::move(row));
      }
      return rows;
    });
  }

  Status execute_batch(
      const std::vector<std::pair<const std::string*, const std::vector<std::string>*>>& batch) override {
    if (!tx_) return fail(ErrorCode::kInternal, "postgresql batch outside a transaction");
    if (batch.size() == 1) {
      auto r = query(*batch[0].first, *batch[0].second);
      if (!r) return std::unexpected(r.error());
      return {};
    }
    // One round trip: the statements joined with their parameters as quoted literals (the server
    // coerces each literal to its column's type, as it does for bound text parameters).
    auto r = guard("batch of " + std::to_string(batch.size()) + " writes", [&] {
      std::string text;
      for (const auto& [sql, params] : batch) {
        // One left-to-right pass over the template (which has no '$' but its placeholders), so a
        // literal that itself contains "$1" is never substituted into.
        const std::string& tpl = *sql;
        for (std::size_t i = 0; i < tpl.size(); ++i) {
          if (tpl[i] != '$') {
            text += tpl[i];
            continue;
          }
          std::size_t n = 0, j = i + 1;
          for (; j < tpl.size() && tpl[j] >= '0' && tpl[j] <= '9'; ++j)
            n = n * 10 + std::size_t(tpl[j] - '0');
          if (n == 0 || n > params->size()) throw std::logic_error("bad placeholder in " + tpl);
          text += tx_->quote((*params)[n - 1]);
          i = j - 1;
        }
        text += ";\n";
      }
      tx_->exec(text);
      return std::vector<Row>{};
    });
    if (!r) return std::unexpected(r.error());
    return {};
  }

  std::string placeholder(std::size_t n) const override { return "$" + std::to_string(n); }
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
  template <class F>
  Result<std::vector<Row>> guard(const std::string& what, F&& f) {
    try {
      return f();
    } catch (const pqxx::broken_connection& e) {
      tx_.reset();
      return fail(ErrorCode::kUnavailable, "postgresql connection lost during " + what + ": " + e.what());
    } catch (const pqxx::serialization_failure& e) {
      return fail(ErrorCode::kConflict, "postgresql " + what + ": " + e.what());
    } catch (const pqxx::unique_violation& e) {
      return fail(ErrorCode::kAlreadyExists, "postgresql " + what + ": " + e.what());
    } catch (const pqxx::in_doubt_error& e) {
      tx_.reset();
      return fail(ErrorCode::kUnavailable, "postgresql commit outcome unknown: " + std::string(e.what()));
    } catch (const std::exception& e) {
      return fail(ErrorCode::kInternal, "postgresql " + what + ": " + e.what());
    }
  }

  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<pqxx::work> tx_;
  std::string url_;
  std::unordered_map<std::string, std::string> prepared_;
};

}  // namespace

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
    return std::unique_ptr<SqlConnection>(std::make_unique<PostgresConnection>(std::move(conn), url));
  } catch (const std::exception& e) {
    return fail(ErrorCode::kUnavailable, "cannot connect to " + redact_url(url) + ": " + e.what());
  }
}

}  // namespace bulwark::store
