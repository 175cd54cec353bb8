#include "bulwark/chain/node.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "support/loopback_node.hpp"

namespace bulwark::chain {
namespace {

using bulwark::testing::LoopbackNode;
using nlohmann::json;

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

const std::string kTx1 = "0xc447a3f356a98d8308b561eaaa569aa99af754b798ba759e7948ecbcd72e5790";
const std::string kTx2 = "0x1111111111111111111111111111111111111111111111111111111111111111";
const std::string kBlockHash = "0x92208ba3a5d81bf83e020892581228902c1af6bf3440884215d59ec1c761ed68";
const std::string kParentHash = "0x27c8a5982b9536e09364dd2c0a5b17d01702e623c42414bc4e77a3ab9313f4a6";
const std::string kAlice = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
const std::string kBob = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";

json block_json(std::uint64_t number) {
  return {{"hash", kBlockHash},
          {"parentHash", kParentHash},
          {"number", "0x" +
                         [&] {
                           char buf[32];
                           std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(number));
                           return std::string(buf);
                         }()},
          {"timestamp", "0x6b0f305c"},
          {"miner", "0x0000000000000000000000000000000000000000"},
          {"gasUsed", "0x5208"},
          {"transactions", {kTx1, kTx2}},
          {"uncles", json::array()}};
}

json receipt_json() {
  return {{"transactionHash", kTx1},
          {"blockHash", kBlockHash},
          {"blockNumber", "0x1"},
          {"transactionIndex", "0x0"},
          {"from", kAlice},
          {"to", kBob},
          {"contractAddress", nullptr},
          {"gasUsed", "0x5208"},
          {"status", "0x1"},
          {"logs",
           {{{"address", kBob},
             {"topics", {kBlockHash, kParentHash}},
             {"data", "0x00ff"},
             {"logIndex", "0x3"},
             {"removed", false}}}}};
}

/// A node that answers from a table of method -> function(params) -> result or error JSON, for
/// single calls and batches alike.
class ScriptedNode {
 public:
  using Answer = std::function<json(const json& params)>;  // returns {"result": ...} or {"error": ...}

  ScriptedNode()
      : server_([this](const httplib::Request& req, httplib::Response& res, int) {
          const json q = json::parse(req.body);
          if (q.is_array()) {
            json out = json::array();
            for (const auto& call : q) out.push_back(answer(call));
            res.set_content(out.dump(), "application/json");
          } else {
            res.set_content(answer(q).dump(), "application/json");
          }
        }) {}

  void on(const std::string& method, Answer a) { table_[method] = std::move(a); }
  std::string url() const { return server_.url(); }
  std::vector<json> requests() const {
    std::vector<json> out;
    for (const auto& b : server_.bodies()) out.push_back(json::parse(b));
    return out;
  }

 private:
  json answer(const json& call) {
    json out = {{"jsonrpc", "2.0"}, {"id", call.at("id")}};
    const auto it = table_.find(call.at("method"));
    if (it == table_.end()) {
      out["error"] = {{"code", -32601}, {"message", "Method not found"}};
      return out;
    }
    out.update(it->second(call.at("params")));
    return out;
  }

  std::map<std::string, Answer> table_;
  LoopbackNode server_;
};

json result(json v) {
  return {{"result", std::move(v)}};
}

struct Fixture {
  Fixture() {
    auto c = connect_http(node.url());
    EXPECT_TRUE(c);
    rpc = std::move(*c);
  }
  ScriptedNode node;
  std::unique_ptr<RpcClient> rpc;
};

TEST(Node, ChainIdAndHead) {
  Fixture f;
  f.node.on("eth_chainId", [](const json&) { return result("0x1"); });
  f.node.on("eth_blockNumber", [](const json&) { return result("0x1312d00"); });
  Node node(*f.rpc);
  EXPECT_EQ(node.chain_id().value(), 1u);
  EXPECT_EQ(node.block_number().value(), 20'000'000u);
}

TEST(Node, QuantitiesMustBeHex) {
  Fixture f;
  f.node.on("eth_chainId", [](const json&) { return result("1"); });
  f.node.on("eth_blockNumber", [](const json&) { return result("0x10000000000000000"); });  // 2^64
  Node node(*f.rpc);
  auto id = node.chain_id();
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, ErrorCode::kCorrupt);
  EXPECT_TRUE(contains(id.error().message, "eth_chainId result is not a 64-bit 0x quantity"))
      << id.error().message;
  EXPECT_FALSE(node.block_number());
}

TEST(Node, BlockHeaderByNumberAndHash) {
  Fixture f;
  f.node.on("eth_getBlockByNumber", [](const json& p) {
    if (p.at(0) == "0x1") return result(block_json(1));
    if (p.at(0) == "0x2") return result(block_json(3));  // a node sending the wrong block
    return result(nullptr);
  });
  f.node.on("eth_getBlockByHash",
            [](const json& p) { return result(p.at(0) == kBlockHash ? block_json(1) : nullptr); });
  Node node(*f.rpc);
  auto h = node.block_header(1);
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->number, 1u);
  EXPECT_EQ(h->hash.to_hex(), kBlockHash);
  EXPECT_EQ(h->parent_hash.to_hex(), kParentHash);
  EXPECT_EQ(h->timestamp, 0x6b0f305cu);
  ASSERT_EQ(h->transactions.size(), 2u);
  EXPECT_EQ(h->transactions[0].to_hex(), kTx1);
  EXPECT_EQ(h->transactions[1].to_hex(), kTx2);
  EXPECT_EQ(f.node.requests().back().at("params"), json::parse(R"(["0x1",false])"));

  auto by_hash = node.block_by_hash(Hash32::parse(kBlockHash).value());
  ASSERT_TRUE(by_hash) << by_hash.error().message;
  EXPECT_EQ(by_hash->number, 1u);

  auto missing = node.block_header(99);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(contains(missing.error().message, "no block 99")) << missing.error().message;
  EXPECT_FALSE(is_method_not_supported(missing.error()));

  auto wrong = node.block_header(2);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kCorrupt);

  auto unknown_hash = node.block_by_hash(Hash32::parse(kTx2).value());
  ASSERT_FALSE(unknown_hash);
  EXPECT_EQ(unknown_hash.error().code, ErrorCode::kNotFound);
}

TEST(Node, MalformedBlockFieldsAreNamed) {
  Fixture f;
  f.node.on("eth_getBlockByNumber", [](const json&) {
    json b = block_json(1);
    b["parentHash"] = "0x1234";
    return result(b);
  });
  Node node(*f.rpc);
  auto h = node.block_header(1);
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, ErrorCode::kCorrupt);
  EXPECT_TRUE(contains(h.error().message, "block.parentHash is not a 32-byte hash")) << h.error().message;
}

TEST(Node, ReceiptWithLogs) {
  Fixture f;
  f.node.on("eth_getTransactionReceipt",
            [](const json& p) { return result(p.at(0) == kTx1 ? receipt_json() : nullptr); });
  Node node(*f.rpc);
  auto r = node.transaction_receipt(Hash32::parse(kTx1).value());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->transaction_hash.to_hex(), kTx1);
  EXPECT_EQ(r->block_number, 1u);
  EXPECT_EQ(r->block_hash.to_hex(), kBlockHash);
  EXPECT_EQ(r->from.to_lower_hex(), kAlice);
  ASSERT_TRUE(r->to);
  EXPECT_EQ(r->to->to_lower_hex(), kBob);
  EXPECT_FALSE(r->contract_address);
  EXPECT_EQ(r->success, std::optional<bool>(true));
  EXPECT_EQ(r->gas_used, U256(21000));
  ASSERT_EQ(r->logs.size(), 1u);
  EXPECT_EQ(r->logs[0].address.to_lower_hex(), kBob);
  ASSERT_EQ(r->logs[0].topics.size(), 2u);
  EXPECT_EQ(r->logs[0].topics[1].to_hex(), kParentHash);
  EXPECT_EQ(r->logs[0].data, (std::vector<std::uint8_t>{0x00, 0xff}));
  EXPECT_EQ(r->logs[0].log_index, 3u);

  auto pending = node.transaction_receipt(Hash32::parse(kTx2).value());
  ASSERT_FALSE(pending);
  EXPECT_EQ(pending.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(contains(pending.error().message, "unknown or pending")) << pending.error().message;
}

TEST(Node, ReceiptsInOneBatch) {
  Fixture f;
  f.node.on("eth_getTransactionReceipt", [](const json& p) {
    if (p.at(0) == kTx1) return result(receipt_json());
    json bad = receipt_json();
    bad["from"] = "0xnothex";
    return result(bad);
  });
  Node node(*f.rpc);
  const std::vector<Hash32> txs = {Hash32::parse(kTx1).value(), Hash32::parse(kTx2).value()};
  auto rs = node.transaction_receipts(txs);
  ASSERT_TRUE(rs) << rs.error().message;
  ASSERT_EQ(rs->size(), 2u);
  ASSERT_TRUE((*rs)[0]);
  EXPECT_EQ((*rs)[0]->transaction_hash.to_hex(), kTx1);
  ASSERT_FALSE((*rs)[1]);
  EXPECT_EQ((*rs)[1].error().code, ErrorCode::kCorrupt);
  EXPECT_TRUE(contains((*rs)[1].error().message, "receipt.from is not an address"))
      << (*rs)[1].error().message;
  EXPECT_EQ(f.node.requests().size(), 1u);
}

TEST(Node, BalanceAndEthCall) {
  Fixture f;
  f.node.on("eth_getBalance", [](const json&) { return result("0x21e19e0c9bab2400000"); });  // 10000 ETH
  f.node.on("eth_call", [](const json& p) {
    if (p.at(0).at("data") == "0xdead")
      return json{{"error", {{"code", 3}, {"message", "execution reverted"}}}};
    return result("0x000000000000000000000000000000000000000000000000000000000000002a");
  });
  Node node(*f.rpc);
  const Address alice = Address::parse(kAlice).value();
  auto balance = node.get_balance(alice, BlockTag::number(5));
  ASSERT_TRUE(balance) << balance.error().message;
  EXPECT_EQ(balance->to_dec(), "10000000000000000000000");
  EXPECT_EQ(f.node.requests().back().at("params"), json::parse("[\"" + kAlice + "\",\"0x5\"]"));

  const std::vector<std::uint8_t> data = {0x12, 0x34};
  auto out = node.eth_call(alice, data);
  ASSERT_TRUE(out) << out.error().message;
  ASSERT_EQ(out->size(), 32u);
  EXPECT_EQ(out->back(), 0x2a);
  EXPECT_EQ(f.node.requests().back().at("params"),
            json::parse("[{\"to\":\"" + kAlice + "\",\"data\":\"0x1234\"},\"latest\"]"));

  const std::vector<std::uint8_t> reverting = {0xde, 0xad};
  auto reverted = node.eth_call(alice, reverting, BlockTag::finalized());
  ASSERT_FALSE(reverted);
  EXPECT_EQ(reverted.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(contains(reverted.error().message, "execution reverted")) << reverted.error().message;
}

TEST(Node, TransactionTracesAskForTheCallTracer) {
  Fixture f;
  f.node.on("debug_traceTransaction", [](const json& p) {
    return result({{"type", "CALL"}, {"config", p.at(1)}});
  });
  f.node.on("trace_transaction", [](const json& p) { return result(json::array({{{"tx", p.at(0)}}})); });
  Node node(*f.rpc);
  const Hash32 tx = Hash32::parse(kTx1).value();
  auto plain = node.trace_transaction_call(tx);
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(json::parse(*plain).at("config"), json::parse(R"({"tracer":"callTracer"})"));
  auto with_log = node.trace_transaction_call(tx, true);
  ASSERT_TRUE(with_log);
  EXPECT_EQ(json::parse(*with_log).at("config"),
            json::parse(R"({"tracer":"callTracer","tracerConfig":{"withLog":true}})"));
  auto parity = node.parity_trace_transaction(tx);
  ASSERT_TRUE(parity);
  EXPECT_EQ(json::parse(*parity).at(0).at("tx"), kTx1);
}

TEST(Node, BlockTraceSplitsIntoTransactions) {
  Fixture f;
  f.node.on("debug_traceBlockByNumber", [](const json&) {
    return result(json::array({{{"txHash", kTx1}, {"result", {{"type", "CALL"}, {"n", 1}}}},
                               {{"txHash", kTx2}, {"result", {{"type", "CREATE"}, {"n", 2}}}}}));
  });
  Node node(*f.rpc);
  auto traces = node.trace_block_calls(1);
  ASSERT_TRUE(traces) << traces.error().message;
  ASSERT_EQ(traces->size(), 2u);
  EXPECT_EQ((*traces)[0].tx_hash->to_hex(), kTx1);
  EXPECT_EQ(json::parse((*traces)[0].trace).at("n"), 1);
  EXPECT_EQ((*traces)[1].tx_hash->to_hex(), kTx2);
  EXPECT_EQ(json::parse((*traces)[1].trace).at("type"), "CREATE");
  EXPECT_EQ(f.node.requests().size(), 1u);
}

TEST(Node, BlockTraceFallsBackToOneTraceperTransaction) {
  Fixture f;  // no debug_traceBlockByNumber: the scripted node answers -32601
  f.node.on("eth_getBlockByNumber", [](const json&) { return result(block_json(7)); });
  f.node.on("debug_traceTransaction", [](const json& p) {
    return result({{"tx", p.at(0)}, {"config", p.at(1)}});
  });
  Node node(*f.rpc);

  auto raw = node.trace_block_call(7);
  ASSERT_FALSE(raw);
  EXPECT_EQ(raw.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(is_method_not_supported(raw.error())) << raw.error().message;
  EXPECT_TRUE(contains(raw.error().message, "debug_traceBlockByNumber")) << raw.error().message;

  auto traces = node.trace_block_calls(7, true);
  ASSERT_TRUE(traces) << traces.error().message;
  ASSERT_EQ(traces->size(), 2u);
  EXPECT_EQ((*traces)[0].tx_hash->to_hex(), kTx1);
  EXPECT_EQ(json::parse((*traces)[0].trace).at("tx"), kTx1);
  EXPECT_EQ(json::parse((*traces)[1].trace).at("tx"), kTx2);
  EXPECT_EQ(json::parse((*traces)[1].trace).at("config").at("tracerConfig").at("withLog"), true);
  // The fallback traced both transactions in one batch request.
  const auto last = f.node.requests().back();
  ASSERT_TRUE(last.is_array());
  EXPECT_EQ(last.size(), 2u);
}

TEST(Node, BlockTraceWithAFailedTransactionIsAnError) {
  Fixture f;
  f.node.on("debug_traceBlockByNumber", [](const json&) {
    return result(json::array({{{"txHash", kTx1}, {"error", "execution timeout"}}}));
  });
  Node node(*f.rpc);
  auto traces = node.trace_block_calls(1);
  ASSERT_FALSE(traces);
  EXPECT_EQ(traces.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(contains(traces.error().message, "execution timeout")) << traces.error().message;
}

}  // namespace
}  // namespace bulwark::chain
