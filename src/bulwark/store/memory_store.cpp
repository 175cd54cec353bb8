#include "bulwark/store/memory_store.hpp"

#include <charconv>

namespace bulwark::store {
namespace {

std::int64_t to_int(const std::string& s) {
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

bool key_less(const TableDef& t, const Row& a, const Row& b) {
  for (std::size_t i = 0; i < t.key_columns; ++i) {
    if (a[i] == b[i]) continue;
    if (t.columns[i].type == ColumnType::kText) return a[i] < b[i];
    return to_int(a[i]) < to_int(b[i]);  // amounts never appear in keys
  }
  return false;
}

/// Works on a private copy of the tables; the store swaps it in at commit.
class MemoryTx final : public Tx {
 public:
  explicit MemoryTx(MemoryStore::Tables& tables) : tables_(tables) {}

  Result<std::optional<Row>> get(const TableDef& t, const Row& key) override {
    auto& table = tables_[t.name];
    auto it = table.find(key);
    if (it == table.end()) return std::optional<Row>{};
    return std::optional<Row>{it->second};
  }

  Status put(const TableDef& t, const Row& row) override {
    if (row.size() != t.columns.size()) return fail(ErrorCode::kInternal, "row width mismatch for " + t.name);
    tables_[t.name][Row(row.begin(), row.begin() + std::ptrdiff_t(t.key_columns))] = row;
    return {};
  }

  Result<std::vector<Row>> select(const TableDef& t, const Query& q) override {
    std::vector<Row> out;
    for (const auto& [_, row] : tables_[t.name]) {
      bool ok = true;
      for (const auto& [col, v] : q.equal) ok = ok && row[col] == v;
      if (ok && q.at_most) ok = to_int(row[q.at_most->first]) <= q.at_most->second;
      if (ok && q.at_least) ok = to_int(row[q.at_least->first]) >= q.at_least->second;
      if (ok) out.push_back(row);
    }
    std::sort(out.begin(), out.end(), [&](const Row& a, const Row& b) {
      return q.descending ? key_less(t, b, a) : key_less(t, a, b);
    });
    if (q.limit && out.size() > q.limit) out.resize(q.limit);
    return out;
  }

  Result<std::int64_t> count(const TableDef& t) override { return std::int64_t(tables_[t.name].size()); }

 private:
  MemoryStore::Tables& tables_;
};

}  // namespace

Status MemoryStore::transact(TxMode mode, const std::function<Status(Tx&)>& body) {
  std::lock_guard lock(mu_);
  Tables work = tables_;  // copy-on-write keeps rollback trivial; fine for replay-sized data
  MemoryTx tx(work);
  BULWARK_CHECK(body(tx));
  if (mode == TxMode::kWrite) tables_ = std::move(work);
  return {};
}

MemoryStore::Tables MemoryStore::snapshot() const {
  std::lock_guard lock(mu_);
  return tables_;
}

}  // namespace bulwark::store
