// chain/ against a real local chain: starts anvil on a free loopback port, sends transactions, and
// reads everything back through Node. The anvil binary comes from the environment variable
// BULWARK_ANVIL, else from devnet/node_modules/.bin/anvil (npm @foundry-rs/anvil). Without anvil the
// test fails: it never skips.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "bulwark/chain/node.hpp"
#include "bulwark/core/hex.hpp"
#include "support/anvil.hpp"

namespace bulwark::chain {
namespace {

using nlohmann::json;

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

const std::string kAlice = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";  // anvil's first dev account
const std::string kBob = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";    // its second
const std::string kTopic = "0x00000000000000000000000000000000000000000000000000000000000000aa";

// A contract hand-assembled for the test. Runtime: copy the calldata to memory, emit it as a LOG1 with
// topic 0xaa, then return the word 42:
//   CALLDATASIZE PUSH1 0 PUSH1 0 CALLDATACOPY PUSH32 topic CALLDATASIZE PUSH1 0 LOG1
//   PUSH1 0x2a PUSH1 0 MSTORE PUSH1 0x20 PUSH1 0 RETURN
const std::string kLoggerRuntime =
    "366000600037"
    "7f" +
    kTopic.substr(2) +
    "366000a1"
    "602a60005260206000f3";
// Runtime that always reverts: PUSH1 0 PUSH1 0 REVERT.
const std::string kReverterRuntime = "60006000fd";

/// Init code that deploys `runtime_hex`: PUSH1 len DUP1 PUSH1 11 PUSH1 0 CODECOPY PUSH1 0 RETURN.
std::string deployer(const std::string& runtime_hex) {
  const std::size_t len = runtime_hex.size() / 2;
  char head[64];
  std::snprintf(head, sizeof head, "60%02zx80600b6000396000f3", len);
  return "0x" + std::string(head) + runtime_hex;
}

class AnvilTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(anvil_.error().empty()) << anvil_.error();
    auto c = connect_http(anvil_.url());
    ASSERT_TRUE(c) << c.error().message;
    rpc_ = std::move(*c);
    node_ = std::make_unique<Node>(*rpc_);
  }

  /// eth_sendTransaction from a dev account (anvil signs it and mines it on its own): the hash, once
  /// the receipt is there.
  Hash32 send(const json& tx) {
    auto r = rpc_->call("eth_sendTransaction", json::array({tx}).dump());
    EXPECT_TRUE(r) << r.error().message;
    if (!r) return {};
    const Hash32 hash = Hash32::parse(json::parse(*r).get<std::string>()).value();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      auto receipt = node_->transaction_receipt(hash);
      if (receipt || receipt.error().code != ErrorCode::kNotFound) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return hash;
  }

  Address deploy(const std::string& runtime_hex) {
    const Hash32 tx = send({{"from", kAlice}, {"data", deployer(runtime_hex)}});
    auto receipt = node_->transaction_receipt(tx);
    EXPECT_TRUE(receipt) << receipt.error().message;
    EXPECT_TRUE(receipt && receipt->contract_address);
    return receipt && receipt->contract_address ? *receipt->contract_address : Address();
  }

  testing_support::Anvil anvil_;
  std::unique_ptr<RpcClient> rpc_;
  std::unique_ptr<Node> node_;
};

TEST_F(AnvilTest, ReadsBlocksReceiptsBalancesCallsAndTraces) {
  EXPECT_EQ(node_->chain_id().value(), 31337u);
  EXPECT_EQ(node_->block_number().value(), 0u);
  const Address alice = Address::parse(kAlice).value();
  const Address bob = Address::parse(kBob).value();
  const U256 bob_before = node_->get_balance(bob).value();
  EXPECT_EQ(bob_before.to_dec(), "10000000000000000000000");  // anvil's 10,000 ETH per dev account

  // A plain transfer.
  const Hash32 transfer = send({{"from", kAlice}, {"to", kBob}, {"value", "0x1000"}});
  auto r1 = node_->transaction_receipt(transfer);
  ASSERT_TRUE(r1) << r1.error().message;
  EXPECT_EQ(r1->success, std::optional<bool>(true));
  EXPECT_EQ(r1->from, alice);
  EXPECT_EQ(r1->to, std::optional<Address>(bob));
  EXPECT_EQ(r1->gas_used, U256(21000));
  EXPECT_TRUE(r1->logs.empty());
  EXPECT_EQ(node_->get_balance(bob).value(), bob_before.checked_add(U256(0x1000)).value());
  EXPECT_EQ(node_->get_balance(bob, BlockTag::number(0)).value(), bob_before);

  // Headers link up.
  auto b1 = node_->block_header(r1->block_number);
  ASSERT_TRUE(b1) << b1.error().message;
  EXPECT_EQ(b1->hash, r1->block_hash);
  ASSERT_EQ(b1->transactions.size(), 1u);
  EXPECT_EQ(b1->transactions[0], transfer);
  auto b0 = node_->block_header(r1->block_number - 1);
  ASSERT_TRUE(b0);
  EXPECT_EQ(b1->parent_hash, b0->hash);
  EXPECT_GE(b1->timestamp, b0->timestamp);
  auto by_hash = node_->block_by_hash(b1->hash);
  ASSERT_TRUE(by_hash) << by_hash.error().message;
  EXPECT_EQ(by_hash->number, b1->number);

  // A contract call that logs.
  const Address logger = deploy(kLoggerRuntime);
  ASSERT_FALSE(logger.is_zero());
  const Hash32 logged = send({{"from", kAlice}, {"to", logger.to_lower_hex()}, {"data", "0xc0ffee"}});
  auto r2 = node_->transaction_receipt(logged);
  ASSERT_TRUE(r2) << r2.error().message;
  EXPECT_EQ(r2->success, std::optional<bool>(true));
  ASSERT_EQ(r2->logs.size(), 1u);
  EXPECT_EQ(r2->logs[0].address, logger);
  ASSERT_EQ(r2->logs[0].topics.size(), 1u);
  EXPECT_EQ(r2->logs[0].topics[0].to_hex(), kTopic);
  EXPECT_EQ(r2->logs[0].data, (std::vector<std::uint8_t>{0xc0, 0xff, 0xee}));

  // eth_call returns the word 42; a reverting contract gives the node's revert error.
  const std::vector<std::uint8_t> input = {0x01};
  auto called = node_->eth_call(logger, input);
  ASSERT_TRUE(called) << called.error().message;
  ASSERT_EQ(called->size(), 32u);
  EXPECT_EQ(called->back(), 42);
  const Address reverter = deploy(kReverterRuntime);
  auto reverted = node_->eth_call(reverter, input);
  ASSERT_FALSE(reverted);
  EXPECT_EQ(reverted.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(contains(reverted.error().message, "revert")) << reverted.error().message;

  // callTracer, with and without logs.
  auto trace = node_->trace_transaction_call(logged, true);
  ASSERT_TRUE(trace) << trace.error().message;
  const json frame = json::parse(*trace);
  EXPECT_EQ(frame.at("type"), "CALL");
  EXPECT_EQ(frame.at("from"), kAlice);
  EXPECT_EQ(frame.at("to"), logger.to_lower_hex());
  EXPECT_EQ(frame.at("input"), "0xc0ffee");
  EXPECT_EQ(frame.at("output"), "0x000000000000000000000000000000000000000000000000000000000000002a");
  ASSERT_EQ(frame.at("logs").size(), 1u);
  EXPECT_EQ(frame.at("logs").at(0).at("topics").at(0), kTopic);
  auto bare = node_->trace_transaction_call(logged, false);
  ASSERT_TRUE(bare);
  EXPECT_FALSE(json::parse(*bare).contains("logs"));

  // A whole block's traces, and parity-style traces.
  auto block_traces = node_->trace_block_calls(r2->block_number, true);
  ASSERT_TRUE(block_traces) << block_traces.error().message;
  ASSERT_EQ(block_traces->size(), 1u);
  ASSERT_TRUE((*block_traces)[0].tx_hash);
  EXPECT_EQ(*(*block_traces)[0].tx_hash, logged);
  EXPECT_EQ(json::parse((*block_traces)[0].trace), frame);
  auto parity = node_->parity_trace_transaction(logged);
  ASSERT_TRUE(parity) << parity.error().message;
  const json flat = json::parse(*parity);
  ASSERT_EQ(flat.size(), 1u);
  EXPECT_EQ(flat.at(0).at("action").at("to"), logger.to_lower_hex());
  EXPECT_EQ(flat.at(0).at("transactionHash"), logged.to_hex());

  // Receipts in one batch, in the order asked.
  const std::vector<Hash32> txs = {logged, transfer};
  auto receipts = node_->transaction_receipts(txs);
  ASSERT_TRUE(receipts) << receipts.error().message;
  ASSERT_EQ(receipts->size(), 2u);
  EXPECT_EQ((*receipts)[0]->transaction_hash, logged);
  EXPECT_EQ((*receipts)[1]->transaction_hash, transfer);
}

TEST_F(AnvilTest, MissingThingsAndUnsupportedMethods) {
  auto future = node_->block_header(1000);
  ASSERT_FALSE(future);
  EXPECT_EQ(future.error().code, ErrorCode::kNotFound);
  auto unknown = node_->transaction_receipt(Hash32::parse("0x" + std::string(64, '1')).value());
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  auto unsupported = rpc_->call("bulwark_noSuchMethod", "[]");
  ASSERT_FALSE(unsupported);
  EXPECT_TRUE(is_method_not_supported(unsupported.error())) << unsupported.error().message;
  EXPECT_TRUE(contains(unsupported.error().message, "bulwark_noSuchMethod")) << unsupported.error().message;
  // A real batch with one bad call: the others still answer.
  const std::vector<RpcRequest> calls = {
      {"eth_chainId", "[]"}, {"eth_getBalance", R"(["nothex","latest"])"}, {"eth_blockNumber", "[]"}};
  auto batch = rpc_->batch(calls);
  ASSERT_TRUE(batch) << batch.error().message;
  ASSERT_EQ(batch->size(), 3u);
  EXPECT_EQ((*batch)[0].value(), R"("0x7a69")");
  EXPECT_FALSE((*batch)[1]);
  EXPECT_EQ((*batch)[2].value(), R"("0x0")");
}

}  // namespace
}  // namespace bulwark::chain
