#include "bulwark/chain/trace.hpp"

#include <gtest/gtest.h>

#include <optional>

#include "bulwark/core/strings.hpp"
#include "bulwark/detect/test_traces.hpp"

namespace bulwark::chain {
namespace {

using bulwark::testing::addr;
using bulwark::testing::describe;
using bulwark::testing::frame;
using bulwark::testing::parse_outcome;
using nlohmann::json;

json sample() {
  return frame("CALL", 1, 2, "0x12345678",
               {frame("STATICCALL", 2, 3, "0x70a08231"),
                frame("CALL", 2, 4, "0xaabbccdd", {frame("DELEGATECALL", 4, 5, "0xaabbccdd")}),
                frame("CALL", 2, 1, "0x", {}, 7)});
}

TEST(TraceTest, CallTracerIsFlattenedInPreOrderWithSubtreeRanges) {
  auto t = parse_call_trace(sample().dump());
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_EQ(t->frames.size(), 5u);
  EXPECT_EQ(t->frames[0].end, 5u);
  EXPECT_EQ(t->frames[1].kind, CallKind::kStaticCall);
  EXPECT_EQ(t->frames[1].end, 2u);
  EXPECT_EQ(t->frames[2].end, 4u);
  EXPECT_EQ(t->frames[3].kind, CallKind::kDelegateCall);
  EXPECT_EQ(t->frames[3].parent, 2);
  EXPECT_EQ(t->frames[3].depth, 2u);
  EXPECT_EQ(t->frames[4].value, U256(7));
  EXPECT_EQ(t->frames[4].to.to_lower_hex(), addr(1));
  EXPECT_EQ(t->selector(t->frames[0]), 0x12345678u);
  EXPECT_TRUE(t->within(3, 2));
  EXPECT_FALSE(t->within(4, 2));
  EXPECT_FALSE(t->has_logs);
}

TEST(TraceTest, JsonRpcEnvelopeIsUnwrappedAndItsErrorReported) {
  json env{{"jsonrpc", "2.0"}, {"id", 1}, {"result", sample()}};
  auto t = parse_call_trace(env.dump());
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->frames.size(), 5u);
  json err{
      {"jsonrpc", "2.0"}, {"id", 1}, {"error", {{"code", -32000}, {"message", "transaction not found"}}}};
  auto e = parse_call_trace(err.dump());
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(e.error().message.find("transaction not found"), std::string::npos);
}

TEST(TraceTest, RevertedFrameMarksItsWholeSubtreeFailed) {
  json j = sample();
  j["calls"][1]["error"] = "execution reverted";
  auto t = parse_call_trace(j.dump());
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->frames[1].failed);
  EXPECT_TRUE(t->frames[2].reverted);
  EXPECT_TRUE(t->frames[3].failed);
  EXPECT_FALSE(t->frames[3].reverted);
  EXPECT_FALSE(t->frames[4].failed);
}

TEST(TraceTest, QuantitiesAsNumbersOrHexAndLogsAreRead) {
  json j = frame("CALL", 1, 2, "0x");
  j["value"] = 1000;
  j["gasUsed"] = "0x5208";
  j["logs"] =
      json::array({{{"address", addr(9)},
                    {"topics", {"0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"}},
                    {"data", "0x01"}}});
  auto t = parse_call_trace(j.dump());
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->frames[0].value, U256(1000));
  EXPECT_EQ(t->frames[0].gas_used, 21000u);
  ASSERT_TRUE(t->has_logs);
  ASSERT_EQ(t->logs.size(), 1u);
  EXPECT_EQ(t->frames[0].log_count, 1u);
  EXPECT_EQ(t->data(t->logs[0]).size(), 1u);
}

TEST(TraceTest, MalformedInputGivesAnErrorThatSaysWhere) {
  const std::string good = sample().dump();
  EXPECT_FALSE(parse_call_trace(good.substr(0, good.size() / 2)));  // truncated
  EXPECT_FALSE(parse_call_trace("not json"));
  EXPECT_FALSE(parse_call_trace("[1,2]"));
  json j = sample();
  j["calls"][1]["to"] = "0x1234";
  auto e = parse_call_trace(j.dump());
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("frame root.1"), std::string::npos) << e.error().message;
  j = sample();
  j["calls"][0]["type"] = "JUMP";
  EXPECT_FALSE(parse_call_trace(j.dump()));
  j = sample();
  j["input"] = "0x123";
  EXPECT_FALSE(parse_call_trace(j.dump()));
}

TEST(TraceTest, EveryNonHexByteInCalldataIsRejectedWhereverItStands) {
  // Inputs are validated 64, 32, 16 and eight characters at a time (with AVX2, 64 and 32 and an
  // overlapping last 32; with AVX-512BW, 128 and 64 and a masked last load): try every byte value at
  // every position of each block (120 digits: one block of each size), with every kernel the CPU has.
  for (const Kernels k : {Kernels::kAvx512, Kernels::kAvx2, Kernels::kPortable}) {
    if (use_kernels(k) != k) continue;
    for (int pos = 0; pos < 120; ++pos)
      for (int c = 1; c < 256; ++c) {
        std::string input = "0x" + std::string(120, 'a');
        input[2 + static_cast<std::size_t>(pos)] = static_cast<char>(c);
        const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        json j = frame("CALL", 1, 2, "0x");
        j["input"] = input;
        std::string text;
        try {
          text = j.dump();
        } catch (const json::exception&) {
          continue;  // not valid UTF-8: cannot be written as JSON at all
        }
        EXPECT_EQ(static_cast<bool>(parse_call_trace(text)), hex)
            << "byte " << c << " at " << pos << " with kernels " << static_cast<int>(k);
      }
  }
  use_kernels(Kernels::kAvx512);
}

TEST(TraceTest, EveryNonHexByteIsRejectedByEveryKernel) {
  // Lengths around the kernels' block sizes (the AVX2 one reads an overlapping last block, the AVX-512
  // one a masked last block), with every kernel the CPU has.
  for (const Kernels k : {Kernels::kAvx512, Kernels::kAvx2, Kernels::kPortable}) {
    if (use_kernels(k) != k) continue;
    const char* kernel = k == Kernels::kAvx512 ? " (AVX-512)"
                         : k == Kernels::kAvx2 ? " (AVX2)"
                                               : " (portable)";
    for (const std::size_t len : {32u, 40u, 62u, 64u, 66u, 96u, 100u, 126u, 128u, 130u, 190u, 192u, 200u})
      for (std::size_t pos = 0; pos < len; ++pos)
        for (const int c : {0x01, int{'/'}, int{':'}, int{'@'}, int{'G'}, int{'`'}, int{'g'}, 0x7f, int{' '},
                            int{'F'}, int{'f'}, int{'0'}, int{'9'}}) {
          std::string input = "0x" + std::string(len, 'a');
          input[2 + pos] = static_cast<char>(c);
          const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
          json j = frame("CALL", 1, 2, "0x");
          j["input"] = input;
          EXPECT_EQ(static_cast<bool>(parse_call_trace(j.dump())), hex)
              << "byte " << c << " at " << pos << " of " << len << kernel;
          if (len != 40) continue;
          j = frame("CALL", 1, 2, "0x");
          j["from"] = input;  // an address: 40 digits
          EXPECT_EQ(static_cast<bool>(parse_call_trace(j.dump())), hex)
              << "address byte " << c << " at " << pos << kernel;
        }
  }
  use_kernels(Kernels::kAvx512);
}

TEST(TraceTest, EscapesInKeysAndValuesAreReadAsTheirMeaning) {
  // Keys and hex are read in place when they hold no escape; with one they take the unescaping path and
  // mean the same.
  const std::string a1 = addr(1), a2 = addr(2);
  const std::string text =
      R"({"typ\u0065": "CA\u004cL", "from": ")" + a1 + R"(", "t\u006f": ")" + a2 +
      R"(", "value": "0X1F", "gasUsed": "0x10000000000000000", "input": "0x\u0061\u0061bbccdd00", )"
      R"("output": "0xABCDEF01"})";
  auto t = parse_call_trace(text);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->frames[0].kind, CallKind::kCall);
  EXPECT_EQ(t->frames[0].to.to_lower_hex(), a2);
  EXPECT_EQ(t->frames[0].value, U256(31));
  EXPECT_EQ(t->frames[0].gas_used, 0u);  // 2^64: the low 64 bits
  EXPECT_EQ(t->selector(t->frames[0]), 0xaabbccddu);
  EXPECT_EQ(t->input(t->frames[0]).size(), 5u);
  EXPECT_EQ(t->output(t->frames[0]), (std::vector<std::uint8_t>{0xab, 0xcd, 0xef, 0x01}));
  U256 w;
  EXPECT_FALSE(t->output_word(t->frames[0], 0, w));
  // A word of mixed-case digits decodes as the bytes it spells.
  json j = frame("CALL", 1, 2, "0x");
  j["output"] = "0x" + std::string(56, '0') + "DeadBeef";
  t = parse_call_trace(j.dump());
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_TRUE(t->output_word(t->frames[0], 0, w));
  EXPECT_EQ(w, U256(0xdeadbeefu));
}

TEST(TraceTest, TheDirectWalkAndOnDemandReadTheSameTree) {
  // The common shape is read straight from the text; a key with an escape sends the same text to the
  // On-Demand parse instead, as turning the direct walk off does. All must give the same tree, whatever
  // the members' order, spacing, duplicates, unknown members or envelope, with every hex kernel.
  const std::string a1 = addr(1), a2 = addr(2), a3 = addr(3);
  const std::string topic = "0x" + std::string(63, '0') + "7";
  const std::vector<std::string> texts = {
      sample().dump(),
      sample().dump(2),
      json{{"jsonrpc", "2.0"}, {"id", 7}, {"result", sample()}}.dump(),
      R"({"id": 7, "result": )" + sample().dump() + R"(, "jsonrpc": "2.0", "error": null})",
      // A frame whose first member is its error (a string; an error response's is an object).
      R"({"error": "invalid jump destination", "from": ")" + a1 + R"(", "to": ")" + a2 +
          R"(", "input": "0x51a34eb8", "type": "CALL", "value": "0x0"})",
      R"({"type": "CREATE2", "from": ")" + a1 +
          R"(", "to": "", "value": "12345678901234567890123", )"
          R"("gas": 21000, "gasUsed": "0x5208", "input": "0x6080", "output": null, "error": "out of gas", )"
          R"("calls": null, "weird": {"a": [1, -2.5e3, true, false, null, {"b": "c\"d"}], "e": []}})",
      R"({"from":")" + a1 +
          R"(","type":"call","to":"0x","input":"0x","error":{"why":1},"calls":[],)"
          R"("logs":[],"value":"0x0","type":"STATICCALL","revertReason":"nope"})",
      R"({ "type" : "CALL" , "from" : ")" + a1 + R"(" , "to" : ")" + a2 +
          R"(" , "input" : "0xa9059cbb00" ,)"
          R"( "logs" : [ { "address" : ")" +
          a3 + R"(" , "topics" : [ ")" + topic + R"(" , ")" + topic +
          R"(" ] , "data" : "0x00ff" } , { "topics" : [ ] , "data" : "0x" } , { } ] ,)"
          R"( "calls" : [ { "type" : "DELEGATECALL" , "from" : ")" +
          a2 + R"(" , "to" : ")" + a3 +
          R"(" , "input" : "0x12345678" , "output" : "0xAbCd" , "value" : "0x10" } ] , "gasUsed" : "77" } )",
  };
  for (const Kernels k : {Kernels::kPortable, Kernels::kAvx2, Kernels::kAvx512}) {
    if (use_kernels(k) != k) continue;  // not on this CPU
    for (const std::string& text : texts) {
      const std::size_t close = text.rfind('}');
      const std::string escaped = text.substr(0, close) + R"(, "\u0078": 0)" + text.substr(close);
      const auto reads = direct_walk_reads();
      auto walked = parse_call_trace(text);
      EXPECT_EQ(direct_walk_reads(), reads + 1) << "not read by the direct walk: " << text;
      auto on_demand = parse_call_trace(escaped);
      EXPECT_EQ(direct_walk_reads(), reads + 1) << "an escape left to On-Demand: " << escaped;
      ASSERT_TRUE(walked) << walked.error().message << "\n" << text;
      ASSERT_TRUE(on_demand) << on_demand.error().message << "\n" << escaped;
      EXPECT_EQ(describe(*walked), describe(*on_demand)) << text;
      EXPECT_EQ(parse_outcome(text, true), parse_outcome(text, false)) << text;
    }
  }
  use_kernels(Kernels::kAvx512);
}

/// Texts near a well-formed trace: every prefix (bare and followed by blanks), and the trace with each
/// character replaced by one of a few that matter to a JSON reader.
std::vector<std::string> neighbours(const std::string& text) {
  std::vector<std::string> out;
  // A prefix, and a prefix ended by blanks (which the walk skips into the padding after the text).
  for (std::size_t n = 0; n < text.size(); ++n) {
    out.push_back(text.substr(0, n));
    out.push_back(text.substr(0, n) + " \t");
  }
  for (std::size_t i = 0; i < text.size(); ++i)
    for (const char c : {'"', '\\', ',', ':', '}', ']', ' ', '\n', 'x', 'F', '0', '\0', '\x7f', '\xc3'}) {
      if (text[i] == c) continue;
      std::string t = text;
      t[i] = c;
      out.push_back(std::move(t));
    }
  return out;
}

TEST(TraceTest, NearAWellFormedTraceTheDirectWalkAgreesWithOnDemand) {
  // The direct walk reads the text itself, without a parser's index: on every truncation of a trace and on
  // every one-character change to it, it must give what On-Demand alone gives (the same tree, or an error
  // with the same message), with every hex kernel. Under the address sanitizer (PRESET=dev make test)
  // this also shows it reads nothing outside the text and its padding.
  json j = sample();
  j["calls"][0]["logs"] = json::array({{{"address", addr(3)},
                                        {"topics", {"0x" + std::string(64, 'a')}},
                                        {"data", "0x" + std::string(70, 'b')}}});
  j["error"] = nullptr;
  j["weird"] = {{"n", -1.5e3}, {"l", {true, false, nullptr}}};
  const std::vector<std::string> bases = {j.dump(), j.dump(1),
                                          json{{"jsonrpc", "2.0"}, {"id", 1}, {"result", j}}.dump()};
  std::size_t accepted = 0, total = 0, direct_reads = 0;
  for (const Kernels k : {Kernels::kPortable, Kernels::kAvx2, Kernels::kAvx512}) {
    if (use_kernels(k) != k) continue;
    for (const std::string& base : bases)
      for (const std::string& text : neighbours(base)) {
        const auto reads = direct_walk_reads();
        const std::string direct = parse_outcome(text, true);
        direct_reads += direct_walk_reads() - reads;
        ASSERT_EQ(direct, parse_outcome(text, false)) << "kernels " << static_cast<int>(k) << ": " << text;
        accepted += direct.rfind("error: ", 0) != 0;
        ++total;
      }
  }
  use_kernels(Kernels::kAvx512);
  // Both outcomes occur: some changes leave a valid trace (a digit for a digit), most do not.
  EXPECT_GT(accepted, 0u);
  EXPECT_LT(accepted, total);
  EXPECT_GT(direct_reads, 0u);  // of the accepted ones, those the direct walk read itself
}

TEST(TraceTest, TheDirectWalkReadsIndentedTextAndEveryHexLength) {
  // Pretty-printed traces are a third whitespace, in long runs; hex strings of every length up to a few
  // blocks of the widest kernel, in either case, end where their closing quote is.
  for (const Kernels k : {Kernels::kPortable, Kernels::kAvx2, Kernels::kAvx512}) {
    if (use_kernels(k) != k) continue;
    for (std::size_t n = 0; n <= 300; n += (n < 70 ? 1 : 37)) {
      json j = sample();
      std::string digits;
      for (std::size_t i = 0; i < 2 * n; ++i) digits += "0123456789abcdefABCDEF"[(i * 7 + n) % 22];
      j["calls"][1]["input"] = "0x" + digits;
      j["output"] = "0x" + digits;
      for (const int indent : {-1, 0, 4, 40}) {
        std::string text = j.dump(indent);
        if (indent == 40)  // tabs and CRLF line ends too
          for (std::size_t at = 0; (at = text.find("\n", at)) != std::string::npos; at += 3)
            text.replace(at, 1, "\r\n\t");
        const auto reads = direct_walk_reads();
        const auto t = parse_call_trace(text);
        ASSERT_TRUE(t) << t.error().message;
        EXPECT_EQ(direct_walk_reads(), reads + 1) << n << " " << indent;
        EXPECT_EQ(t->input_hex(t->frames[2]).size(), 2 * n);
        EXPECT_EQ(t->output_hex(t->frames[0]), digits);
        EXPECT_EQ(parse_outcome(text, true), parse_outcome(text, false)) << n << " " << indent;
      }
    }
  }
  use_kernels(Kernels::kAvx512);
}

TEST(TraceTest, HeldTextIsSharedNotCopiedAndOutlivedByItsTraces) {
  // Calldata without escapes is kept where the held text has it; an escaped input is copied into the
  // arena; both read the same as from a plain string, and the trace keeps the text alive.
  json j = sample();
  j["calls"][1]["input"] = "0xZZbbccdd";
  std::string text = j.dump();
  const std::size_t at = text.find("ZZ");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 2, R"(\u0061a)");  // a JSON escape: the input reads 0xaabbccdd
  const auto plain = parse_call_trace(text);
  ASSERT_TRUE(plain) << plain.error().message;
  std::optional<Trace> held;
  {
    const TraceText t(text);
    auto r = parse_call_trace(t);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->source, t.buffer());
    held = std::move(*r);
    EXPECT_EQ(t.view(), text);
    EXPECT_GE(t.buffer()->size(), text.size() + TraceText::kPadding);
  }
  ASSERT_EQ(held->frames.size(), plain->frames.size());
  for (std::size_t i = 0; i < held->frames.size(); ++i) {
    EXPECT_EQ(held->input(held->frames[i]), plain->input(plain->frames[i])) << i;
    EXPECT_EQ(held->selector(held->frames[i]), plain->selector(plain->frames[i])) << i;
  }
  EXPECT_EQ(held->selector(held->frames[2]), 0xaabbccddu);
  EXPECT_TRUE(held->frames[2].input_offset & Trace::kArenaBit);  // unescaped, so copied
  EXPECT_FALSE(held->frames[0].input_offset & Trace::kArenaBit);
  // A copy of the trace reads the same bytes.
  const Trace copy = *held;
  EXPECT_EQ(copy.input_hex(copy.frames[0]), held->input_hex(held->frames[0]));
  EXPECT_TRUE(parse_any_trace(TraceText(std::string(text))));
}

TEST(TraceTest, TenThousandLevelsDeepIsAnErrorNotACrash) {
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += R"({"type":"CALL","from":"0x01","to":"0x02","calls":[)";
  for (int i = 0; i < 10000; ++i) deep += "]}";
  auto e = parse_call_trace(deep);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ErrorCode::kInvalidArgument);
}

/// One struct-log step: op, depth, stack (bottom first), memory words.
json step(std::string op, int depth, std::vector<std::string> stack, std::vector<std::string> memory = {}) {
  json j{{"pc", 0},      {"op", std::move(op)}, {"gas", 100000},
         {"gasCost", 3}, {"depth", depth},      {"stack", stack}};
  j["memory"] = memory;
  return j;
}

TEST(TraceTest, StructLogsRebuildCallsCreatesLogsAndReverts) {
  using bulwark::testing::word_addr;
  using bulwark::testing::word_num;
  const std::string calldata = "a9059cbb" + word_addr(6) + word_num(20);  // transfer(6, 20): 68 bytes
  std::vector<std::string> mem{calldata.substr(0, 64), calldata.substr(64, 64),
                               calldata.substr(128) + std::string(56, '0')};
  const std::string transfer_topic = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";
  json logs = json::array({
      step("PUSH1", 1, {}),
      // CALL(gas, to=4, value=0, argsOffset=0, argsLength=68, ret...) into a token that logs Transfer
      step("CALL", 1, {"0x0", "0x0", "0x0", "0x44", "0x0", "0x0", addr(4), "0xffff"}, mem),
      step("PUSH1", 2, {}),
      step("LOG3", 2, {addr(6), addr(2), transfer_topic, "0x20", "0x0"}, {word_num(20)}),
      step("STOP", 2, {}),
      step("SWAP1", 1, {"0x1"}),  // success
      // A value call to an account without code: the next step is at the same depth.
      step("CALL", 1, {"0x0", "0x0", "0x0", "0x0", "0x7", addr(9), "0x0"}),
      step("POP", 1, {"0x1"}),
      // A call that reverts: the flag comes back 0.
      step("CALL", 1, {"0x0", "0x0", "0x0", "0x0", "0x0", addr(5), "0x0"}),
      step("REVERT", 2, {"0x0", "0x0"}),
      step("POP", 1, {"0x0"}),
      // CREATE(value=0, offset=0, length=0): the new address comes back on the stack.
      step("CREATE", 1, {"0x0", "0x0", "0x0"}),
      step("STOP", 2, {}),
      step("POP", 1, {addr(12)}),
      step("STOP", 1, {}),
  });
  json result{{"failed", false}, {"gas", 50000}, {"returnValue", ""}, {"structLogs", logs}};
  TxCall tx{*Address::parse(addr(1)), *Address::parse(addr(2)), false, U256(0), "0x12345678"};
  auto t = parse_struct_logs(json{{"jsonrpc", "2.0"}, {"id", 1}, {"result", result}}.dump(), tx);
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_EQ(t->frames.size(), 5u);
  EXPECT_EQ(t->frames[0].end, 5u);
  EXPECT_EQ(t->selector(t->frames[0]), 0x12345678u);
  EXPECT_EQ(t->frames[1].to.to_lower_hex(), addr(4));
  EXPECT_EQ(t->frames[1].from.to_lower_hex(), addr(2));
  EXPECT_EQ(t->selector(t->frames[1]), 0xa9059cbbu);
  EXPECT_EQ(t->frames[1].input_size, 68u);
  ASSERT_EQ(t->frames[1].log_count, 1u);
  U256 amount;
  ASSERT_TRUE(t->data_word(t->logs[t->frames[1].log_begin], 0, amount));
  EXPECT_EQ(amount, U256(20));
  EXPECT_EQ(t->logs[t->frames[1].log_begin].address.to_lower_hex(), addr(4));
  EXPECT_EQ(t->frames[2].to.to_lower_hex(), addr(9));
  EXPECT_EQ(t->frames[2].value, U256(7));
  EXPECT_EQ(t->frames[2].end, 3u);
  EXPECT_FALSE(t->frames[2].reverted);
  EXPECT_TRUE(t->frames[3].reverted);
  EXPECT_EQ(t->frames[4].kind, CallKind::kCreate);
  EXPECT_EQ(t->frames[4].to.to_lower_hex(), addr(12));
  EXPECT_TRUE(t->has_logs);
  // A step that jumps two levels deeper is malformed.
  json broken = result;
  broken["structLogs"] = json::array({step("PUSH1", 1, {}), step("PUSH1", 3, {})});
  EXPECT_FALSE(parse_struct_logs(broken.dump(), tx));
  EXPECT_FALSE(parse_struct_logs("{\"structLogs\": 3}", tx));
}

TEST(TraceTest, ParityFlatTraceGivesTheSameTree) {
  auto entry = [](std::vector<int> path, std::string ctype, unsigned from, unsigned to, std::string input,
                  int subtraces) {
    return json{{"type", "call"},
                {"action",
                 {{"callType", ctype},
                  {"from", addr(from)},
                  {"to", addr(to)},
                  {"value", "0x0"},
                  {"input", input},
                  {"gas", "0x1"}}},
                {"result", {{"output", "0x"}, {"gasUsed", "0x1"}}},
                {"subtraces", subtraces},
                {"traceAddress", path}};
  };
  json flat =
      json::array({entry({}, "call", 1, 2, "0x12345678", 2), entry({1}, "call", 2, 4, "0xaabbccdd", 1),
                   entry({0}, "staticcall", 2, 3, "0x70a08231", 0),
                   entry({1, 0}, "delegatecall", 4, 5, "0xaabbccdd", 0)});
  auto t = parse_any_trace(json{{"jsonrpc", "2.0"}, {"id", 3}, {"result", flat}}.dump());
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_EQ(t->frames.size(), 4u);
  EXPECT_EQ(t->frames[1].kind, CallKind::kStaticCall);
  EXPECT_EQ(t->frames[2].to.to_lower_hex(), addr(4));
  EXPECT_EQ(t->frames[3].kind, CallKind::kDelegateCall);
  EXPECT_EQ(t->frames[3].parent, 2);
  EXPECT_EQ(t->frames[0].end, 4u);
  json orphan = json::array({entry({}, "call", 1, 2, "0x", 1), entry({0, 0}, "call", 2, 3, "0x", 0)});
  EXPECT_FALSE(parse_parity_trace(orphan.dump()));
}

}  // namespace
}  // namespace bulwark::chain
