#pragma once
/// Checking the books: the journal's hash chain, and that replaying it rebuilds every balance.

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "bulwark/cover/model.hpp"
#include "bulwark/store/store.hpp"

namespace bulwark::cover {

struct VerifyReport {
  std::int64_t entries = 0;           ///< Journal entries walked.
  Hash32 head;                        ///< Hash of the last entry (zero if the journal is empty).
  std::size_t rows_compared = 0;      ///< State rows checked against the replay.
  std::vector<std::string> problems;  ///< Empty when everything verifies; at most 50 listed.
  bool ok() const { return problems.empty(); }
};

/// Walks the store's journal (hash chain, sequence without gaps), replays every event onto an empty
/// in-memory store, and compares the result with every state row of the store; then checks the
/// balance invariants (per asset: sum of holdings = deposits + premiums - withdrawals - refunds;
/// per pool: unearned rewards and allocated cover match the active allocations, shares add up).
/// Problems found are listed in the report; an Error is returned only when the store cannot be read.
Result<VerifyReport> verify_store(store::Store& store);

/// Verifies an exported journal (JSON lines, see export_journal) on its own: hash chain and replay.
/// With `expected_head`, also checks the last hash against it (as published elsewhere).
Result<VerifyReport> verify_export(std::istream& in);

/// Writes the journal as JSON lines {seq, time, kind, payload (the exact hashed text), prev_hash, hash}.
/// Returns the number of entries written.
Result<std::int64_t> export_journal(store::Store& store, std::ostream& out);

}  // namespace bulwark::cover
