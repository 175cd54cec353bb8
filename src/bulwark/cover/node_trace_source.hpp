#pragma once
/// Evidence from a live node: the call trace (debug_traceTransaction, callTracer with logs), the
/// receipt's block and the block's time, over chain::Node.

#include "bulwark/chain/node.hpp"
#include "bulwark/cover/evidence.hpp"

namespace bulwark::cover {

/// A TraceSource for one chain over a Node (which it uses but does not own). Thread-safety: that
/// of the Node.
class NodeTraceSource final : public TraceSource {
 public:
  NodeTraceSource(std::uint64_t chain_id, chain::Node& node) : chain_id_(chain_id), node_(node) {}
  /// Errors: kInvalidArgument for another chain; the Node's errors otherwise.
  Result<EvidenceTrace> fetch(std::uint64_t chain_id, const Hash32& tx) override;

 private:
  std::uint64_t chain_id_;
  chain::Node& node_;
};

}  // namespace bulwark::cover
