#include "bulwark/store/memory_store.hpp"

#include <algorithm>

#include "bulwark/store/query.hpp"

namespace bulwark::store {
namespace {

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
    tables_[t.name][key_of(t, row)] = row;
    return {};
  }

  Result<std::vector<Row>> select(const TableDef& t, const Query& q) override {
    std::vector<Row> out;
    for (const auto& [_, row] : tables_[t.name])
      if (matches(t, q, row)) out.push_back(row);
    std::sort(out.begin(), out.end(), [&](const Row& a, const Row& b) { return comes_before(t, q, a, b); });
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
