#include "bulwark/cover/node_trace_source.hpp"

namespace bulwark::cover {

Result<EvidenceTrace> NodeTraceSource::fetch(std::uint64_t chain_id, const Hash32& tx) {
  if (chain_id != chain_id_)
    return fail(ErrorCode::kInvalidArgument, "this node serves chain " + std::to_string(chain_id_) +
                                                 ", not chain " + std::to_string(chain_id));
  BULWARK_TRY(receipt, node_.transaction_receipt(tx));
  BULWARK_TRY(header, node_.block_header(receipt.block_number));
  BULWARK_TRY(trace, node_.trace_transaction_call(tx, true));
  return EvidenceTrace{std::move(trace), receipt.block_number, UnixTime(header.timestamp)};
}

}  // namespace bulwark::cover
