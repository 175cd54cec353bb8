#include "bulwark/chain/json_scan.hpp"

#include <gtest/gtest.h>

#include <string>

#include "bulwark/chain/rpc.hpp"

namespace bulwark::chain {
namespace {

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(JsonScan, AcceptsEveryKindOfValue) {
  for (const char* ok :
       {"0", "-0", "12", "-1.5e+10", "0.25E-3", "true", "false", "null", "\"\"", "\"a\\u00e9\\n\"", "[]",
        "{}", " [1, [2, [3]], {\"a\": {\"b\": []}}] ", "{\"k\":\"v\",\"k\":1}"}) {
    EXPECT_TRUE(json_validate(ok)) << ok << ": " << json_validate(ok).error().message;
  }
}

TEST(JsonScan, RejectsMalformedValues) {
  for (const char* bad : {"01",    "1.",      "-",           "1e",   ".5",   "+1",      "tru",
                          "nul",   "\"\\x\"", "\"\\u12g4\"", "[1,]", "{,}",  "{\"a\"}", "{\"a\":1,}",
                          "{1:2}", "[1 2]",   "\"a\nb\"",    "1 2",  "{}{}", "'a'",     "[}"}) {
    auto r = json_validate(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kCorrupt) << bad;
  }
}

TEST(JsonScan, SaysWhenTextIsTruncated) {
  for (const char* cut :
       {"", "[", "[1,", "{\"a\"", "{\"a\":", "{\"a\":1", "\"abc", "\"ab\\", "-", "1.", "tr", "[\"\\u12"}) {
    auto r = json_validate(cut);
    ASSERT_FALSE(r) << cut;
    EXPECT_TRUE(contains(r.error().message, "truncated JSON")) << cut << ": " << r.error().message;
  }
}

TEST(JsonScan, EveryPrefixOfAResponseIsRejected) {
  const std::string full =
      R"({"jsonrpc":"2.0","id":42,"result":{"type":"CALL","gas":"0x1","calls":[{"to":"0xab","value":-1.5e3,"ok":true,"x":null,"s":"q\"\u00e9"}]}})";
  ASSERT_TRUE(parse_rpc_response(full));
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto r = parse_rpc_response(full.substr(0, n));
    ASSERT_FALSE(r) << "prefix of " << n << " bytes was accepted";
    EXPECT_EQ(r.error().code, ErrorCode::kCorrupt);
  }
}

TEST(JsonScan, DeepNestingIsAnErrorNotACrash) {
  const std::string deep = std::string(10'000, '[') + std::string(10'000, ']');
  auto r = json_validate(deep);
  ASSERT_FALSE(r);
  EXPECT_TRUE(contains(r.error().message, "nested deeper than 4096")) << r.error().message;
  const std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(json_validate(ok));
  auto in_result = parse_rpc_response(R"({"id":1,"result":)" + std::string(10'000, '[') + "}");
  ASSERT_FALSE(in_result);
  EXPECT_TRUE(contains(in_result.error().message, "nested deeper")) << in_result.error().message;
}

TEST(JsonScan, ObjectMembersAreRawViews) {
  const std::string text = R"( { "a" : [1, {"x": 2}] , "b\"c":"d", "e":{} } )";
  auto m = json_object_members(text);
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(m->size(), 3u);
  EXPECT_EQ((*m)[0].key, "a");
  EXPECT_EQ((*m)[0].value, R"([1, {"x": 2}])");
  EXPECT_EQ((*m)[1].key, "b\"c");
  EXPECT_EQ((*m)[1].value, R"("d")");
  EXPECT_EQ((*m)[2].value, "{}");
  EXPECT_FALSE(json_object_members("[1]"));
  EXPECT_FALSE(json_object_members("{} x"));
  auto e = json_array_elements(R"([ 1 , "two" , [3] ])");
  ASSERT_TRUE(e);
  ASSERT_EQ(e->size(), 3u);
  EXPECT_EQ((*e)[1], R"("two")");
  EXPECT_EQ((*e)[2], "[3]");
}

TEST(JsonScan, UnescapesStringsToUtf8) {
  EXPECT_EQ(json_unescape_string(R"("a\"b\\c\/d\n\t")").value(), "a\"b\\c/d\n\t");
  EXPECT_EQ(json_unescape_string(R"("\u00e9")").value(), "\xc3\xa9");
  EXPECT_EQ(json_unescape_string(R"("\ud83d\ude00")").value(), "\xf0\x9f\x98\x80");  // U+1F600
  EXPECT_EQ(json_unescape_string(R"("\ud83d")").value(), "\xef\xbf\xbd");            // lone surrogate: U+FFFD
  EXPECT_FALSE(json_unescape_string(R"("abc)"));
  EXPECT_FALSE(json_unescape_string(R"("a" )"));
  EXPECT_EQ(json_quote("a\"b\\\n\x01"), R"("a\"b\\\u000a\u0001")");
  EXPECT_EQ(json_unescape_string(json_quote("x\"\\\t\x1f")).value(), "x\"\\\t\x1f");
}

TEST(RpcResponseParse, ResultAndErrorShapes) {
  auto ok = parse_rpc_response(R"({"jsonrpc":"2.0","id":7,"result":null})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->id, "7");
  EXPECT_FALSE(ok->is_error);
  EXPECT_EQ(ok->result, "null");

  auto err =
      parse_rpc_response(R"({"id":"x","error":{"code":-32000,"message":"nonce too low","data":{"k":1}}})");
  ASSERT_TRUE(err);
  EXPECT_TRUE(err->is_error);
  EXPECT_EQ(err->id, "\"x\"");
  EXPECT_EQ(err->error_code, -32000);
  EXPECT_EQ(err->error_message, "nonce too low");
  EXPECT_EQ(err->error_data, R"({"k":1})");

  for (const char* bad :
       {R"({"id":1})", R"({"id":1,"result":1,"error":{"code":1}})", R"({"id":1,"error":"x"})",
        R"({"id":1,"error":{"message":"no code"}})", R"({"id":1,"error":{"code":1.5}})", "[]", "1", "   "}) {
    auto r = parse_rpc_response(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kCorrupt) << bad;
  }
  auto batch = parse_rpc_batch_response(R"([{"id":1,"result":1},{"id":2,"result":[2]}])");
  ASSERT_TRUE(batch);
  ASSERT_EQ(batch->size(), 2u);
  EXPECT_EQ((*batch)[1].result, "[2]");
  auto bad_element = parse_rpc_batch_response(R"([{"id":1,"result":1},{"id":2}])");
  ASSERT_FALSE(bad_element);
  EXPECT_TRUE(contains(bad_element.error().message, "batch element 1")) << bad_element.error().message;
}

TEST(RpcResponseParse, ErrorCodesMapToErrorKinds) {
  RpcResponse r;
  r.is_error = true;
  r.error_message = "m";
  r.error_code = -32601;
  EXPECT_EQ(rpc_error_to_error(r, "x").code, ErrorCode::kNotFound);
  EXPECT_TRUE(is_method_not_supported(rpc_error_to_error(r, "x")));
  r.error_code = -32004;
  EXPECT_TRUE(is_method_not_supported(rpc_error_to_error(r, "x")));
  r.error_code = -32005;
  EXPECT_EQ(rpc_error_to_error(r, "x").code, ErrorCode::kUnavailable);
  r.error_code = -32602;
  EXPECT_EQ(rpc_error_to_error(r, "x").code, ErrorCode::kInvalidArgument);
  r.error_code = -32000;
  EXPECT_EQ(rpc_error_to_error(r, "x").code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(is_method_not_supported(rpc_error_to_error(r, "x")));
  EXPECT_FALSE(is_method_not_supported(Error{ErrorCode::kNotFound, "the node has no block 5"}));
}

}  // namespace
}  // namespace bulwark::chain
