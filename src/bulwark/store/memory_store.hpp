#pragma once
/// An in-memory Store: the same row semantics as the SQL backends, nothing durable. Used to replay
/// the journal during verification and by unit tests that need to isolate ledger logic.

#include <map>
#include <mutex>
#include <string>

#include "bulwark/store/store.hpp"

namespace bulwark::store {

class MemoryStore final : public Store {
 public:
  /// Per table: primary key (the first key_columns values) -> row.
  using Tables = std::map<std::string, std::map<Row, Row>>;

  Status transact(TxMode mode, const std::function<Status(Tx&)>& body) override;
  std::string backend() const override { return "memory"; }
  std::string describe() const override { return "memory:"; }

  /// A copy of every table's rows. Thread-safe.
  Tables snapshot() const;

 private:
  mutable std::mutex mu_;
  Tables tables_;
};

}  // namespace bulwark::store
