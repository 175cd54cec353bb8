#include "bulwark/chain/node.hpp"

#include <string>
#include <string_view>

#include "bulwark/chain/json_scan.hpp"
#include "bulwark/core/hex.hpp"
#include "bulwark/core/strings.hpp"

namespace bulwark::chain {
namespace {

std::string quantity(std::uint64_t n) {
  return U256(n).to_hex();
}

std::string quoted(std::string_view s) {
  return json_quote(s);
}

/// A view of one object's members with typed accessors; every error names the object kind.
class Fields {
 public:
  static Result<Fields> of(std::string_view json, std::string_view what) {
    if (json_first_char(json) != '{') {
      return fail(ErrorCode::kCorrupt,
                  std::string(what) + " is not a JSON object: '" + printable_excerpt(json, 40) + "'");
    }
    auto members = json_object_members(json);
    if (!members) return std::unexpected(with_context(members.error(), what));
    return Fields(std::move(*members), what);
  }

  /// The raw value of `key`, or nullopt when absent or null.
  std::optional<std::string_view> raw(std::string_view key) const {
    for (const JsonMember& m : members_) {
      if (m.key == key) {
        if (m.value == "null") return std::nullopt;
        return m.value;
      }
    }
    return std::nullopt;
  }

  Result<std::string_view> required(std::string_view key) const {
    auto v = raw(key);
    if (!v) return fail(ErrorCode::kCorrupt, what_ + " has no \"" + std::string(key) + "\"");
    return *v;
  }

  Result<std::string> string(std::string_view key) const {
    BULWARK_TRY(v, required(key));
    return as_string(v, key);
  }

  Result<std::string> as_string(std::string_view v, std::string_view key) const {
    if (json_first_char(v) != '"') return bad(key, v, "a string");
    auto s = json_unescape_string(v);
    if (!s) return bad(key, v, "a string");
    return *s;
  }

  Result<std::uint64_t> u64(std::string_view key) const {
    BULWARK_TRY(v, required(key));
    return parse_quantity_u64(v, what_ + "." + std::string(key));
  }

  Result<U256> u256(std::string_view key) const {
    BULWARK_TRY(v, string(key));
    if (!has_hex_prefix(v)) return bad(key, v, "a 0x quantity");
    auto n = U256::from_hex(v);
    if (!n) return bad(key, v, "a 0x quantity");
    return *n;
  }

  Result<Hash32> hash(std::string_view key) const {
    BULWARK_TRY(v, required(key));
    return hash_of(v, key);
  }

  Result<Hash32> hash_of(std::string_view v, std::string_view key) const {
    BULWARK_TRY(s, as_string(v, key));
    auto h = Hash32::parse(s);
    if (!h) return bad(key, v, "a 32-byte hash");
    return *h;
  }

  Result<Address> address_of(std::string_view v, std::string_view key) const {
    BULWARK_TRY(s, as_string(v, key));
    auto a = Address::parse(s);
    if (!a) return bad(key, v, "an address");
    return *a;
  }

  Result<std::optional<Address>> optional_address(std::string_view key) const {
    auto v = raw(key);
    if (!v) return std::optional<Address>();
    BULWARK_TRY(a, address_of(*v, key));
    return std::optional<Address>(a);
  }

  Result<std::vector<std::string_view>> array(std::string_view key) const {
    BULWARK_TRY(v, required(key));
    if (json_first_char(v) != '[') return bad(key, v, "an array");
    auto elements = json_array_elements(v);
    if (!elements) return bad(key, v, "an array");
    return *elements;
  }

  const std::string& what() const { return what_; }

 private:
  Fields(std::vector<JsonMember> members, std::string_view what)
      : members_(std::move(members)), what_(what) {}

  std::unexpected<Error> bad(std::string_view key, std::string_view v, std::string_view expected) const {
    return fail(ErrorCode::kCorrupt, what_ + "." + std::string(key) + " is not " + std::string(expected) +
                                         ": '" + printable_excerpt(v, 80) + "'");
  }

  std::vector<JsonMember> members_;
  std::string what_;
};

/// A result that must not be null: kNotFound saying what is missing.
Status require_present(std::string_view result, std::string what) {
  if (result == "null") return fail(ErrorCode::kNotFound, "the node has no " + std::move(what));
  return {};
}

}  // namespace

std::string BlockTag::to_json() const {
  switch (kind_) {
    case Kind::kLatest: return "\"latest\"";
    case Kind::kSafe: return "\"safe\"";
    case Kind::kFinalized: return "\"finalized\"";
    case Kind::kPending: return "\"pending\"";
    case Kind::kNumber: return quoted(quantity(number_));
  }
  return "\"latest\"";
}

Result<std::uint64_t> parse_quantity_u64(std::string_view json_string_literal, std::string_view what) {
  const auto bad = [&] {
    return fail(ErrorCode::kCorrupt, std::string(what) + " is not a 64-bit 0x quantity: '" +
                                         printable_excerpt(json_string_literal, 80) + "'");
  };
  if (json_first_char(json_string_literal) != '"') return bad();
  auto s = json_unescape_string(json_string_literal);
  if (!s || !has_hex_prefix(*s)) return bad();
  auto n = U256::from_hex(*s);
  if (!n || !n->fits_u64()) return bad();
  return n->low_u64();
}

Result<U256> parse_quantity_u256(std::string_view json_string_literal, std::string_view what) {
  auto s = json_unescape_string(json_string_literal);
  auto v = s && has_hex_prefix(*s) ? U256::from_hex(*s) : fail(ErrorCode::kCorrupt, "");
  if (!v)
    return fail(ErrorCode::kCorrupt, std::string(what) + " is not a 0x quantity: '" +
                                         printable_excerpt(json_string_literal) + "'");
  return *v;
}

Result<BlockHeader> parse_block_header(std::string_view block_json) {
  BULWARK_TRY(f, Fields::of(block_json, "block"));
  BlockHeader h;
  BULWARK_TRY(number, f.u64("number"));
  BULWARK_TRY(hash, f.hash("hash"));
  BULWARK_TRY(parent, f.hash("parentHash"));
  BULWARK_TRY(timestamp, f.u64("timestamp"));
  BULWARK_TRY(txs, f.array("transactions"));
  h.number = number;
  h.hash = hash;
  h.parent_hash = parent;
  h.timestamp = timestamp;
  if (f.raw("baseFeePerGas")) {
    BULWARK_TRY(base_fee, f.u256("baseFeePerGas"));
    h.base_fee = base_fee;
  }
  h.transactions.reserve(txs.size());
  for (const std::string_view tx : txs) {
    BULWARK_TRY(tx_hash, f.hash_of(tx, "transactions[]"));
    h.transactions.push_back(tx_hash);
  }
  return h;
}

Result<Receipt> parse_receipt(std::string_view receipt_json) {
  BULWARK_TRY(f, Fields::of(receipt_json, "receipt"));
  Receipt r;
  BULWARK_TRY(tx, f.hash("transactionHash"));
  BULWARK_TRY(block_number, f.u64("blockNumber"));
  BULWARK_TRY(block_hash, f.hash("blockHash"));
  BULWARK_TRY(index, f.u64("transactionIndex"));
  BULWARK_TRY(from_raw, f.required("from"));
  BULWARK_TRY(from, f.address_of(from_raw, "from"));
  BULWARK_TRY(to, f.optional_address("to"));
  BULWARK_TRY(created, f.optional_address("contractAddress"));
  BULWARK_TRY(gas_used, f.u256("gasUsed"));
  r.transaction_hash = tx;
  r.block_number = block_number;
  r.block_hash = block_hash;
  r.transaction_index = index;
  r.from = from;
  r.to = to;
  r.contract_address = created;
  r.gas_used = gas_used;
  if (f.raw("effectiveGasPrice")) {
    BULWARK_TRY(price, f.u256("effectiveGasPrice"));
    r.effective_gas_price = price;
  }
  if (auto status = f.raw("status")) {
    BULWARK_TRY(s, parse_quantity_u64(*status, "receipt.status"));
    if (s > 1)
      return fail(ErrorCode::kCorrupt, "receipt.status must be 0x0 or 0x1, got " + std::to_string(s));
    r.success = s == 1;
  }
  BULWARK_TRY(logs, f.array("logs"));
  r.logs.reserve(logs.size());
  for (std::size_t i = 0; i < logs.size(); ++i) {
    BULWARK_TRY(lf, Fields::of(logs[i], "receipt.logs[" + std::to_string(i) + "]"));
    Log log;
    BULWARK_TRY(address_raw, lf.required("address"));
    BULWARK_TRY(address, lf.address_of(address_raw, "address"));
    BULWARK_TRY(topics, lf.array("topics"));
    BULWARK_TRY(data_text, lf.string("data"));
    BULWARK_TRY(log_index, lf.u64("logIndex"));
    log.address = address;
    for (const std::string_view t : topics) {
      BULWARK_TRY(topic, lf.hash_of(t, "topics[]"));
      log.topics.push_back(topic);
    }
    auto data = hex_decode(data_text);
    if (!data || !has_hex_prefix(data_text)) {
      return fail(ErrorCode::kCorrupt,
                  lf.what() + ".data is not 0x hex: '" + printable_excerpt(data_text) + "'");
    }
    log.data = std::move(*data);
    log.log_index = log_index;
    r.logs.push_back(std::move(log));
  }
  return r;
}

Result<std::uint64_t> Node::chain_id() {
  BULWARK_TRY(result, rpc_.call("eth_chainId", "[]"));
  return parse_quantity_u64(result, "eth_chainId result");
}

Result<std::uint64_t> Node::block_number() {
  BULWARK_TRY(result, rpc_.call("eth_blockNumber", "[]"));
  return parse_quantity_u64(result, "eth_blockNumber result");
}

Result<BlockHeader> Node::block_header(std::uint64_t n) {
  BULWARK_TRY(result, rpc_.call("eth_getBlockByNumber", concat("[", quoted(quantity(n)), ",false]")));
  BULWARK_CHECK(require_present(result, "block " + std::to_string(n)));
  auto h = parse_block_header(result);
  if (!h) return std::unexpected(with_context(h.error(), "eth_getBlockByNumber"));
  if (h->number != n) {
    return fail(ErrorCode::kCorrupt, "eth_getBlockByNumber: asked for block " + std::to_string(n) +
                                         ", the node sent block " + std::to_string(h->number));
  }
  return h;
}

Result<BlockHeader> Node::block_by_hash(const Hash32& hash) {
  BULWARK_TRY(result, rpc_.call("eth_getBlockByHash", concat("[", quoted(hash.to_hex()), ",false]")));
  BULWARK_CHECK(require_present(result, "block " + hash.to_hex()));
  auto h = parse_block_header(result);
  if (!h) return std::unexpected(with_context(h.error(), "eth_getBlockByHash"));
  if (h->hash != hash) {
    return fail(ErrorCode::kCorrupt, "eth_getBlockByHash: asked for block " + hash.to_hex() +
                                         ", the node sent " + h->hash.to_hex());
  }
  return h;
}

Result<Receipt> Node::transaction_receipt(const Hash32& tx) {
  BULWARK_TRY(result, rpc_.call("eth_getTransactionReceipt", concat("[", quoted(tx.to_hex()), "]")));
  BULWARK_CHECK(require_present(result, "receipt for transaction " + tx.to_hex() + " (unknown or pending)"));
  auto r = parse_receipt(result);
  if (!r) return std::unexpected(with_context(r.error(), "eth_getTransactionReceipt"));
  return r;
}

Result<std::vector<Result<Receipt>>> Node::transaction_receipts(std::span<const Hash32> txs) {
  std::vector<RpcRequest> requests;
  requests.reserve(txs.size());
  for (const Hash32& tx : txs)
    requests.push_back({"eth_getTransactionReceipt", concat("[", quoted(tx.to_hex()), "]")});
  BULWARK_TRY(results, rpc_.batch(requests));
  std::vector<Result<Receipt>> out;
  out.reserve(results.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i]) {
      out.push_back(std::unexpected(results[i].error()));
    } else if (*results[i] == "null") {
      out.push_back(fail(ErrorCode::kNotFound, "the node has no receipt for transaction " + txs[i].to_hex() +
                                                   " (unknown or pending)"));
    } else {
      auto r = parse_receipt(*results[i]);
      out.push_back(r ? std::move(r) : std::unexpected(with_context(r.error(), "eth_getTransactionReceipt")));
    }
  }
  return out;
}

Result<U256> Node::get_balance(const Address& account, BlockTag block) {
  BULWARK_TRY(result, rpc_.call("eth_getBalance",
                                concat("[", quoted(account.to_lower_hex()), ",", block.to_json(), "]")));
  return parse_quantity_u256(result, "eth_getBalance result");
}

Result<std::uint64_t> Node::transaction_count(const Address& account, BlockTag block) {
  BULWARK_TRY(result, rpc_.call("eth_getTransactionCount",
                                concat("[", quoted(account.to_lower_hex()), ",", block.to_json(), "]")));
  return parse_quantity_u64(result, "eth_getTransactionCount result");
}

Result<U256> Node::gas_price() {
  BULWARK_TRY(result, rpc_.call("eth_gasPrice", "[]"));
  return parse_quantity_u256(result, "eth_gasPrice result");
}

Result<U256> Node::max_priority_fee() {
  BULWARK_TRY(result, rpc_.call("eth_maxPriorityFeePerGas", "[]"));
  return parse_quantity_u256(result, "eth_maxPriorityFeePerGas result");
}

Result<std::uint64_t> Node::estimate_gas(const Address& from, const Address& to, const U256& value,
                                         std::span<const std::uint8_t> data) {
  const std::string params = R"([{"from":)" + quoted(from.to_lower_hex()) + R"(,"to":)" +
                             quoted(to.to_lower_hex()) + R"(,"value":)" + quoted(value.to_hex()) +
                             R"(,"data":)" + quoted(hex_encode(data)) + "}]";
  BULWARK_TRY(result, rpc_.call("eth_estimateGas", params));
  return parse_quantity_u64(result, "eth_estimateGas result");
}

Result<Hash32> Node::send_raw_transaction(std::span<const std::uint8_t> raw) {
  auto result = rpc_.call("eth_sendRawTransaction", concat("[", quoted(hex_encode(raw)), "]"));
  if (!result) {
    const std::string& m = result.error().message;
    if (m.find("already known") != std::string::npos || m.find("known transaction") != std::string::npos ||
        m.find("already imported") != std::string::npos)
      return fail(ErrorCode::kAlreadyExists, result.error().message);
    return std::unexpected(result.error());
  }
  auto s = json_unescape_string(*result);
  auto h = s ? Hash32::parse(*s) : fail(ErrorCode::kCorrupt, "");
  if (!h)
    return fail(ErrorCode::kCorrupt,
                "eth_sendRawTransaction result is not a hash: '" + printable_excerpt(*result) + "'");
  return *h;
}

Result<bool> Node::has_transaction(const Hash32& tx) {
  // Not BULWARK_TRY: GCC 12 misreports the moved-from string as maybe uninitialised there.
  const auto result = rpc_.call("eth_getTransactionByHash", concat("[", quoted(tx.to_hex()), "]"));
  if (!result) return std::unexpected(result.error());
  return *result != "null";
}

Result<U256> Node::erc20_balance(const Address& token, const Address& account) {
  std::vector<std::uint8_t> data{0x70, 0xa0, 0x82, 0x31};  // balanceOf(address)
  data.insert(data.end(), 12, 0);
  data.insert(data.end(), account.bytes().begin(), account.bytes().end());
  BULWARK_TRY(out, eth_call(token, data));
  if (out.size() < 32)
    return fail(ErrorCode::kCorrupt, "balanceOf of " + token.to_checksum() + " returned " +
                                         std::to_string(out.size()) + " bytes, not 32");
  return U256::from_be_bytes(std::span(out).first(32));
}

Result<std::vector<std::uint8_t>> Node::eth_call(const Address& to, std::span<const std::uint8_t> data,
                                                 BlockTag block) {
  const std::string params = R"([{"to":)" + quoted(to.to_lower_hex()) + R"(,"data":)" +
                             quoted(hex_encode(data)) + "}," + block.to_json() + "]";
  BULWARK_TRY(result, rpc_.call("eth_call", params));
  auto s = json_unescape_string(result);
  if (!s || !has_hex_prefix(*s)) {
    return fail(ErrorCode::kCorrupt, "eth_call result is not 0x hex: '" + printable_excerpt(result) + "'");
  }
  auto bytes = hex_decode(*s);
  if (!bytes)
    return fail(ErrorCode::kCorrupt, "eth_call result is not 0x hex: '" + printable_excerpt(result) + "'");
  return std::move(*bytes);
}

namespace {
std::string call_tracer_config(bool with_log) {
  return with_log ? R"({"tracer":"callTracer","tracerConfig":{"withLog":true}})"
                  : R"({"tracer":"callTracer"})";
}
}  // namespace

Result<std::string> Node::trace_transaction_call(const Hash32& tx, bool with_log) {
  BULWARK_TRY(result, rpc_.call("debug_traceTransaction",
                                concat("[", quoted(tx.to_hex()), ",", call_tracer_config(with_log), "]")));
  BULWARK_CHECK(require_present(result, "trace for transaction " + tx.to_hex()));
  return result;
}

Result<std::string> Node::trace_block_call(std::uint64_t n, bool with_log) {
  BULWARK_TRY(result, rpc_.call("debug_traceBlockByNumber",
                                concat("[", quoted(quantity(n)), ",", call_tracer_config(with_log), "]")));
  BULWARK_CHECK(require_present(result, "trace for block " + std::to_string(n)));
  return result;
}

Result<std::vector<TxTrace>> Node::trace_block_calls(std::uint64_t n, bool with_log) {
  auto block_trace = trace_block_call(n, with_log);
  std::vector<TxTrace> out;
  if (block_trace) {
    const std::string what = "debug_traceBlockByNumber(" + std::to_string(n) + ")";
    if (json_first_char(*block_trace) != '[') {
      return fail(ErrorCode::kCorrupt,
                  what + " result is not an array: '" + printable_excerpt(*block_trace, 40) + "'");
    }
    auto entries = json_array_elements(*block_trace);
    if (!entries) return std::unexpected(with_context(entries.error(), what));
    out.reserve(entries->size());
    for (std::size_t i = 0; i < entries->size(); ++i) {
      BULWARK_TRY(f, Fields::of((*entries)[i], what + "[" + std::to_string(i) + "]"));
      TxTrace t;
      if (auto h = f.raw("txHash")) {
        BULWARK_TRY(tx_hash, f.hash_of(*h, "txHash"));
        t.tx_hash = tx_hash;
      }
      if (auto error = f.raw("error")) {
        return fail(
            ErrorCode::kFailedPrecondition,
            f.what() + ": the node could not trace the transaction: " + printable_excerpt(*error, 200));
      }
      BULWARK_TRY(trace, f.required("result"));
      t.trace = std::string(trace);
      out.push_back(std::move(t));
    }
    return out;
  }
  if (!is_method_not_supported(block_trace.error())) return std::unexpected(block_trace.error());

  // The node cannot trace a whole block: trace its transactions one by one, in one batch.
  BULWARK_TRY(header, block_header(n));
  std::vector<RpcRequest> requests;
  requests.reserve(header.transactions.size());
  for (const Hash32& tx : header.transactions) {
    requests.push_back(
        {"debug_traceTransaction", concat("[", quoted(tx.to_hex()), ",", call_tracer_config(with_log), "]")});
  }
  BULWARK_TRY(traces, rpc_.batch(requests));
  out.reserve(traces.size());
  for (std::size_t i = 0; i < traces.size(); ++i) {
    if (!traces[i]) return std::unexpected(with_context(traces[i].error(), header.transactions[i].to_hex()));
    out.push_back(TxTrace{header.transactions[i], std::move(*traces[i])});
  }
  return out;
}

Result<std::string> Node::parity_trace_transaction(const Hash32& tx) {
  BULWARK_TRY(result, rpc_.call("trace_transaction", concat("[", quoted(tx.to_hex()), "]")));
  BULWARK_CHECK(require_present(result, "trace for transaction " + tx.to_hex()));
  return result;
}

}  // namespace bulwark::chain
