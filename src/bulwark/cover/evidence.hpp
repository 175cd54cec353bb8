#pragma once
/// Where incident evidence comes from: a transaction's raw call trace, fetched from the chain (or a
/// recording of it), and how the chain's proof of an incident is derived from those traces.

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "bulwark/core/address.hpp"
#include "bulwark/core/clock.hpp"
#include "bulwark/cover/claims_model.hpp"
#include "bulwark/detect/detect.hpp"

namespace bulwark::cover {

/// One evidence transaction as the chain gives it.
struct EvidenceTrace {
  std::string trace_json;  ///< go-ethereum callTracer result (or parity trace_transaction).
  std::uint64_t block = 0;
  UnixTime time = 0;  ///< Block time; 0 when unknown.
};

/// Fetches evidence transactions. Implementations: FileTraceSource (recorded traces) here and
/// NodeTraceSource (JSON-RPC, node_trace_source.hpp). Need not be thread-safe.
class TraceSource {
 public:
  virtual ~TraceSource() = default;
  /// The trace of `tx` on `chain_id`. Errors: kNotFound when the source has no such transaction,
  /// kUnavailable/kIo when it cannot be reached or read.
  virtual Result<EvidenceTrace> fetch(std::uint64_t chain_id, const Hash32& tx) = 0;
};

/// Traces recorded as files: `<dir>/<tx hash>.json` (lower-case 0x-prefixed hash), searched in the
/// directories in order; the block and time come from `<dir>/<tx hash>.meta.json` ({"block": n,
/// "time": t}) when present, or from set_block().
class FileTraceSource final : public TraceSource {
 public:
  explicit FileTraceSource(std::vector<std::filesystem::path> dirs) : dirs_(std::move(dirs)) {}
  /// Records the block and block time of a transaction whose files carry none.
  void set_block(const Hash32& tx, std::uint64_t block, UnixTime time) {
    blocks_[tx.to_hex()] = {block, time};
  }
  Result<EvidenceTrace> fetch(std::uint64_t chain_id, const Hash32& tx) override;

 private:
  std::vector<std::filesystem::path> dirs_;
  std::map<std::string, std::pair<std::uint64_t, UnixTime>> blocks_;
};

/// What the evidence proves about an incident on `product`.
struct ProofResult {
  Proof proof;
  /// Proven loss to the product's contracts, per asset key (empty: none).
  std::map<std::string, U256> product_loss;
  /// Why the evidence does not prove an incident on the product (empty when it does).
  std::string rejection;
};

/// Parses and analyses every trace with detect::analyze and collects what they prove: losses per
/// victim and asset of the incident-grade findings, the other holders' net losses in the flows,
/// the attackers, who the attackers funded, the kind, the first block and time. Pure.
/// Errors: kInvalidArgument when a trace cannot be parsed.
Result<ProofResult> prove(const Product& product,
                          const std::vector<std::pair<Hash32, EvidenceTrace>>& evidence,
                          const detect::DetectConfig& config = {});

}  // namespace bulwark::cover
