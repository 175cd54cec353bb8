#include "bulwark/chain/rpc.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bulwark/core/strings.hpp"
#include "support/loopback_node.hpp"

namespace bulwark::chain {
namespace {

using bulwark::testing::LoopbackNode;
using nlohmann::json;
using std::chrono::milliseconds;

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

/// Options that keep the fault tests fast: short backoff, few attempts.
HttpOptions quick(int attempts = 3, milliseconds timeout = milliseconds(2000)) {
  HttpOptions o;
  o.max_attempts = attempts;
  o.timeout = timeout;
  o.backoff_base = milliseconds(5);
  o.backoff_max = milliseconds(20);
  return o;
}

std::unique_ptr<RpcClient> client_for(const LoopbackNode& node, HttpOptions o = quick(),
                                      JsonRpcOptions r = {}) {
  auto c = connect_http(node.url(), std::move(o), r);
  EXPECT_TRUE(c) << c.error().message;
  return std::move(*c);
}

/// The reply a correct node gives: the request's id with `result` (raw JSON).
std::string reply(const std::string& request_body, const std::string& result_json) {
  const json req = json::parse(request_body);
  return R"({"jsonrpc":"2.0","id":)" + req.at("id").dump() + R"(,"result":)" + result_json + "}";
}

void send_json(httplib::Response& res, const std::string& body) {
  res.set_content(body, "application/json");
}

TEST(Rpc, CallSendsAWellFormedRequestAndReturnsTheRawResult) {
  LoopbackNode node([](const httplib::Request& req, httplib::Response& res, int) {
    send_json(res, reply(req.body, R"( {"number": "0x10", "list": [1, 2.5e3, "x\"y"]} )"));
  });
  auto rpc = client_for(node);
  auto r = rpc->call("eth_getBlockByNumber", R"(["0x10",false])");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, R"({"number": "0x10", "list": [1, 2.5e3, "x\"y"]})");

  ASSERT_EQ(node.requests(), 1);
  const json sent = json::parse(node.bodies()[0]);
  EXPECT_EQ(sent.at("jsonrpc"), "2.0");
  EXPECT_EQ(sent.at("method"), "eth_getBlockByNumber");
  EXPECT_EQ(sent.at("params"), json::parse(R"(["0x10",false])"));
  EXPECT_TRUE(sent.at("id").is_number_integer());
}

TEST(Rpc, IdsAreFreshForEachCall) {
  LoopbackNode node(
      [](const httplib::Request& req, httplib::Response& res, int) { send_json(res, reply(req.body, "1")); });
  auto rpc = client_for(node);
  ASSERT_TRUE(rpc->call("a", "[]"));
  ASSERT_TRUE(rpc->call("b", "[]"));
  const auto bodies = node.bodies();
  EXPECT_NE(json::parse(bodies[0]).at("id"), json::parse(bodies[1]).at("id"));
}

TEST(Rpc, RefusedConnectionIsUnavailableAfterRetries) {
  // A port that was just free: bind, read the number, close.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  ::close(fd);

  auto rpc = connect_http("http://127.0.0.1:" + std::to_string(port) + "/", quick(3));
  ASSERT_TRUE(rpc);
  auto r = (*rpc)->call("eth_chainId", "[]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(r.error().message, "node unreachable at http://127.0.0.1:" + std::to_string(port)))
      << r.error().message;
  EXPECT_TRUE(contains(r.error().message, "gave up after 3 attempts")) << r.error().message;
  EXPECT_TRUE(contains(r.error().message, "eth_chainId")) << r.error().message;
}

TEST(Rpc, RateLimitHonoursRetryAfterThenSucceeds) {
  LoopbackNode node([](const httplib::Request& req, httplib::Response& res, int index) {
    if (index == 0) {
      res.status = 429;
      res.set_header("Retry-After", "1");
      res.set_content("slow down", "text/plain");
      return;
    }
    send_json(res, reply(req.body, R"("0x7a69")"));
  });
  auto rpc = client_for(node);
  auto r = rpc->call("eth_chainId", "[]");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, R"("0x7a69")");
  const auto at = node.arrivals();
  ASSERT_EQ(at.size(), 2u);
  // The client waited the second the node asked for, not its own (much shorter) backoff.
  EXPECT_GE(std::chrono::duration_cast<milliseconds>(at[1] - at[0]).count(), 950);
}

TEST(Rpc, PersistentRateLimitGivesUpWithARateLimitError) {
  LoopbackNode node([](const httplib::Request&, httplib::Response& res, int) {
    res.status = 429;
    res.set_content("", "text/plain");
  });
  auto rpc = client_for(node, quick(4));
  auto r = rpc->call("eth_blockNumber", "[]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(r.error().message, "rate-limited")) << r.error().message;
  EXPECT_TRUE(contains(r.error().message, "gave up after 4 attempts")) << r.error().message;
  EXPECT_EQ(node.requests(), 4);
}

TEST(Rpc, RetryAfterBeyondTheLimitStopsAtOnce) {
  LoopbackNode node([](const httplib::Request&, httplib::Response& res, int) {
    res.status = 429;
    res.set_header("Retry-After", "120");
    res.set_content("", "text/plain");
  });
  auto rpc = client_for(node, quick(5));
  auto r = rpc->call("eth_blockNumber", "[]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(r.error().message, "retry after 120000 ms")) << r.error().message;
  EXPECT_EQ(node.requests(), 1);
}

TEST(Rpc, ServiceUnavailableTwiceThenSuccess) {
  LoopbackNode node([](const httplib::Request& req, httplib::Response& res, int index) {
    if (index < 2) {
      res.status = index == 0 ? 503 : 502;
      res.set_content("<html>busy</html>", "text/html");
      return;
    }
    send_json(res, reply(req.body, R"("0x1")"));
  });
  auto rpc = client_for(node, quick(3));
  auto r = rpc->call("eth_blockNumber", "[]");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, R"("0x1")");
  EXPECT_EQ(node.requests(), 3);
}

TEST(Rpc, GatewayTimeoutOnEveryAttemptIsUnavailable) {
  LoopbackNode node([](const httplib::Request&, httplib::Response& res, int) {
    res.status = 504;
    res.set_content("", "text/plain");
  });
  auto rpc = client_for(node, quick(2));
  auto r = rpc->call("eth_blockNumber", "[]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(r.error().message, "answered HTTP 504")) << r.error().message;
  EXPECT_EQ(node.requests(), 2);
}

TEST(Rpc, OtherHttpErrorsAreNotRetried) {
  LoopbackNode node([](const httplib::Request&, httplib::Response& res, int) {
    res.status = 401;
    res.set_content("invalid API key", "text/plain");
  });
  auto rpc = client_for(node, quick(5));
  auto r = rpc->call("eth_blockNumber", "[]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(contains(r.error().message, "HTTP 401: invalid API key")) << r.error().message;
  EXPECT_EQ(node.requests(), 1);
}

TEST(Rpc, JsonRpcErrorSentWithAnHttpErrorStatusIsTheNodesError) {
  LoopbackNode node([](const httplib::Request& req, httplib::Response& res, int) {
    res.status = 400;
    const json q = json::parse(req.body);
    send_json(
        res, R"({"jsonrpc":"2.0","id":)" + q.at("id").dump() +
                 R"(,"error":{"code":-32602,"message":"invalid argument 0: hex string without 0x prefix"}})");
  });
  auto rpc = client_for(node);
  auto r = rpc->call("eth_getBalance", R"(["abc","latest"])");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(r.error().message, "hex string without 0x prefix")) << r.error().message;
  EXPECT_EQ(node.requests(), 1);
}

TEST(Rpc, SlowResponsePastTheTimeoutIsUnavailable) {
  LoopbackNode* self = nullptr;
  LoopbackNode node([&self](const httplib::Request& req, httplib::Response& res, int) {
    self->stall(milliseconds(3000));
    send_json(res, reply(req.body, "1"));
  });
  self = &node;
  auto rpc = client_for(node, quick(1, milliseconds(300)));
  const auto start = std::chrono::steady_clock::now();
  auto r = rpc->call("debug_traceTransaction", "[]");
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(r.error().message, "timed out after 300 ms")) << r.error().message;
  // The call returned on its own timeout, not when the node finally answered.
  EXPECT_LT(waited, milliseconds(2500));
}

TEST(Rpc, NodeFallingSilentMidBodyIsATimeoutNotATruncation) {
  LoopbackNode* self = nullptr;
  LoopbackNode node([&self](const httplib::Request&, httplib::Response& res, int) {
    res.set_content_provider(1000, "application/json",
                             [&self](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                               if (offset == 0) return sink.write("{\"jsonrpc\"", 10);
                               self->stall(milliseconds(3000));
                               return false;
                             });
  });
  self = &node;
  auto rpc = client_for(node, quick(1, milliseconds(300)));
  auto r = rpc->call("eth_blockNumber", "[]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(r.error().message, "timed out after 300 ms (10 bytes of the response received)"))
      << r.error().message;
}

TEST(Rpc, TricklingResponseHitsTheWholeRequestDeadline) {
  LoopbackNode* self = nullptr;
  LoopbackNode node([&self](const httplib::Request&, httplib::Response& res, int) {
    res.set_chunked_content_provider("application/json", [&self](std::size_t, httplib::DataSink& sink) {
      self->stall(milliseconds(40));
      return sink.write(" ", 1);
    });
  });
  self = &node;
  auto rpc = client_for(node, quick(1, milliseconds(400)));
  auto r = rpc->call("eth_blockNumber", "[]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(r.error().message, "timed out after 400 ms")) << r.error().message;
  EXPECT_TRUE(contains(r.error().message, "bytes of the response received")) << r.error().message;
}

TEST(Rpc, MalformedJsonIsCorrupt) {
  LoopbackNode node([](const httplib::Request&, httplib::Response& res, int) {
    send_json(res, R"({"jsonrpc":"2.0","id":1,"result":[1,2,}])");
  });
  auto rpc = client_for(node);
  auto r = rpc->call("eth_blockNumber", "[]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCorrupt);
  EXPECT_TRUE(contains(r.error().message, "malformed JSON at byte 38")) << r.error().message;
  EXPECT_TRUE(contains(r.error().message, "eth_blockNumber: bad response from " + node.url()))
      << r.error().message;
}

TEST(Rpc, HtmlInsteadOfJsonIsCorrupt) {
  LoopbackNode node([](const httplib::Request&, httplib::Response& res, int) {
    res.set_content("<html><body>gateway</body></html>", "text/html");
  });
  auto rpc = client_for(node);
  auto r = rpc->call("eth_blockNumber", "[]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCorrupt);
  EXPECT_TRUE(contains(r.error().message, "malformed JSON at byte 0")) << r.error().message;
}

TEST(Rpc, BodyCutShortByTheConnectionIsTruncated) {
  LoopbackNode node([](const httplib::Request& req, httplib::Response& res, int) {
    auto full = std::make_shared<std::string>(reply(req.body, "\"" + std::string(5000, 'a') + "\""));
    // Declare the whole length, send a tenth of it, then drop the connection.
    res.set_content_provider(full->size(), "application/json",
                             [full](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                               if (offset > 0) return false;
                               sink.write(full->data(), full->size() / 10);
                               return false;
                             });
  });
  auto rpc = client_for(node, quick(2));
  auto r = rpc->call("eth_getCode", "[]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kIo);
  EXPECT_TRUE(contains(r.error().message, "truncated body from " + node.url())) << r.error().message;
  EXPECT_TRUE(contains(r.error().message, "gave up after 2 attempts")) << r.error().message;
  EXPECT_EQ(node.requests(), 2);
}

TEST(Rpc, CompleteHttpBodyWithCutJsonIsTruncatedJson) {
  LoopbackNode node([](const httplib::Request& req, httplib::Response& res, int) {
    const std::string full = reply(req.body, R"({"calls":[{"to":"0x1"}]})");
    send_json(res, full.substr(0, full.size() - 6));
  });
  auto rpc = client_for(node);
  auto r = rpc->call("debug_traceTransaction", "[]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCorrupt);
  EXPECT_TRUE(contains(r.error().message, "truncated JSON")) << r.error().message;
}

TEST(Rpc, ErrorObjectKeepsCodeMessageAndData) {
  LoopbackNode node([](const httplib::Request& req, httplib::Response& res, int) {
    const json q = json::parse(req.body);
    send_json(
        res, R"({"jsonrpc":"2.0","id":)" + q.at("id").dump() +
                 R"(,"error":{"code":3,"message":"execution reverted: not \"owner\"","data":"0x08c379a0"}})");
  });
  auto rpc = client_for(node);
  auto r = rpc->call("eth_call", "[]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(r.error().message,
            R"(eth_call: node error (JSON-RPC 3: execution reverted: not "owner" (data: "0x08c379a0")))");
  EXPECT_FALSE(is_method_not_supported(r.error()));
}

TEST(Rpc, MethodNotFoundNamesTheMethod) {
  LoopbackNode node([](const httplib::Request& req, httplib::Response& res, int) {
    const json q = json::parse(req.body);
    send_json(
        res,
        R"({"jsonrpc":"2.0","id":)" + q.at("id").dump() +
            R"(,"error":{"code":-32601,"message":"the method debug_traceBlockByNumber does not exist/is not available"}})");
  });
  auto rpc = client_for(node);
  auto r = rpc->call("debug_traceBlockByNumber", R"(["0x1",{"tracer":"callTracer"}])");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(contains(r.error().message, "the node does not support method 'debug_traceBlockByNumber'"))
      << r.error().message;
  EXPECT_TRUE(is_method_not_supported(r.error()));
}

TEST(Rpc, WrongIdIsAnIdMismatch) {
  LoopbackNode node([](const httplib::Request& req, httplib::Response& res, int) {
    const json q = json::parse(req.body);
    send_json(res, R"({"jsonrpc":"2.0","id":)" + std::to_string(q.at("id").get<long>() + 1000) +
                       R"(,"result":"0x1"})");
  });
  auto rpc = client_for(node);
  auto r = rpc->call("eth_blockNumber", "[]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCorrupt);
  EXPECT_TRUE(contains(r.error().message, "id mismatch: sent id ")) << r.error().message;
}

TEST(Rpc, MultiMegabyteResultComesBackIntact) {
  // An 8 MB trace-like result: nested frames with long input strings.
  std::string big = R"({"type":"CALL","calls":[)";
  for (int i = 0; i < 2000; ++i) {
    if (i > 0) big += ',';
    big += R"({"type":"CALL","to":"0x)" + std::string(40, static_cast<char>('a' + i % 6)) +
           R"(","input":"0x)" + std::string(4000, static_cast<char>('0' + i % 10)) + R"(","calls":[]})";
  }
  big += "]}";
  ASSERT_GT(big.size(), 8'000'000u);
  LoopbackNode node([&big](const httplib::Request& req, httplib::Response& res, int) {
    send_json(res, reply(req.body, big));
  });
  auto rpc = client_for(node);
  auto r = rpc->call("debug_traceTransaction", "[]");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->size(), big.size());
  EXPECT_TRUE(*r == big);
}

TEST(Rpc, ResponseOverTheSizeLimitIsRefused) {
  LoopbackNode node([](const httplib::Request& req, httplib::Response& res, int) {
    send_json(res, reply(req.body, "\"" + std::string(100'000, 'f') + "\""));
  });
  HttpOptions o = quick();
  o.max_response_bytes = 10'000;
  auto rpc = client_for(node, o);
  auto r = rpc->call("eth_getCode", "[]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(contains(r.error().message, "exceeds the limit of 10000 bytes")) << r.error().message;
  EXPECT_EQ(node.requests(), 1);
}

/// A node that answers a batch correctly but in reverse order, an error for method "fail", and
/// nothing at all for method "drop".
void answer_batch_reversed(const httplib::Request& req, httplib::Response& res, int) {
  const json q = json::parse(req.body);
  json out = json::array();
  for (auto it = q.rbegin(); it != q.rend(); ++it) {
    const std::string method = it->at("method");
    if (method == "drop") continue;
    if (method == "fail") {
      out.push_back(
          {{"jsonrpc", "2.0"}, {"id", it->at("id")}, {"error", {{"code", -32000}, {"message", "boom"}}}});
    } else {
      out.push_back(
          {{"jsonrpc", "2.0"}, {"id", it->at("id")}, {"result", method + ":" + it->at("params").dump()}});
    }
  }
  send_json(res, out.dump());
}

TEST(RpcBatch, OutOfOrderAnswersComeBackInRequestOrder) {
  LoopbackNode node(answer_batch_reversed);
  auto rpc = client_for(node);
  const std::vector<RpcRequest> calls = {{"a", "[1]"}, {"b", "[2]"}, {"c", "[3]"}, {"d", "[4]"}};
  auto r = rpc->batch(calls);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].value(), R"("a:[1]")");
  EXPECT_EQ((*r)[1].value(), R"("b:[2]")");
  EXPECT_EQ((*r)[2].value(), R"("c:[3]")");
  EXPECT_EQ((*r)[3].value(), R"("d:[4]")");
  EXPECT_EQ(node.requests(), 1);  // one HTTP request for the whole batch
  EXPECT_TRUE(json::parse(node.bodies()[0]).is_array());
}

TEST(RpcBatch, OneFailedAndOneUnansweredCallErrOnTheirOwn) {
  LoopbackNode node(answer_batch_reversed);
  auto rpc = client_for(node);
  const std::vector<RpcRequest> calls = {{"a", "[]"}, {"fail", "[]"}, {"drop", "[]"}, {"d", "[]"}};
  auto r = rpc->batch(calls);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].value(), R"("a:[]")");
  ASSERT_FALSE((*r)[1]);
  EXPECT_EQ((*r)[1].error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(contains((*r)[1].error().message, "fail: node error (JSON-RPC -32000: boom)"))
      << (*r)[1].error().message;
  ASSERT_FALSE((*r)[2]);
  EXPECT_EQ((*r)[2].error().code, ErrorCode::kCorrupt);
  EXPECT_TRUE(contains((*r)[2].error().message, "unanswered")) << (*r)[2].error().message;
  EXPECT_EQ((*r)[3].value(), R"("d:[]")");
}

TEST(RpcBatch, LongBatchesAreSplitAtTheConfiguredSize) {
  LoopbackNode node(answer_batch_reversed);
  JsonRpcOptions small;
  small.max_batch_size = 2;
  auto rpc = client_for(node, quick(), small);
  std::vector<RpcRequest> calls;
  for (int i = 0; i < 5; ++i) calls.push_back({concat("m", std::to_string(i)), "[]"});
  auto r = rpc->batch(calls);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ((*r)[i].value(), concat("\"m", std::to_string(i), ":[]\""));
  EXPECT_EQ(node.requests(), 3);
}

TEST(RpcBatch, UnknownIdsFailTheBatch) {
  LoopbackNode node([](const httplib::Request& req, httplib::Response& res, int) {
    const json q = json::parse(req.body);
    json out = json::array();
    for (const auto& call : q)
      out.push_back({{"jsonrpc", "2.0"}, {"id", call.at("id").get<long>() + 7}, {"result", 1}});
    send_json(res, out.dump());
  });
  auto rpc = client_for(node);
  const std::vector<RpcRequest> calls = {{"a", "[]"}, {"b", "[]"}};
  auto r = rpc->batch(calls);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCorrupt);
  EXPECT_TRUE(contains(r.error().message, "id mismatch")) << r.error().message;
}

TEST(RpcBatch, DuplicateIdsFailTheBatch) {
  LoopbackNode node([](const httplib::Request& req, httplib::Response& res, int) {
    const json q = json::parse(req.body);
    json out = json::array();
    for (std::size_t i = 0; i < q.size(); ++i)
      out.push_back({{"jsonrpc", "2.0"}, {"id", q[0].at("id")}, {"result", 1}});
    send_json(res, out.dump());
  });
  auto rpc = client_for(node);
  const std::vector<RpcRequest> calls = {{"a", "[]"}, {"b", "[]"}};
  auto r = rpc->batch(calls);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCorrupt);
  EXPECT_TRUE(contains(r.error().message, "twice")) << r.error().message;
}

TEST(RpcBatch, NodeThatRefusesBatchesFailsTheBatchWithItsError) {
  LoopbackNode node([](const httplib::Request&, httplib::Response& res, int) {
    send_json(res, R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch too large"}})");
  });
  auto rpc = client_for(node);
  const std::vector<RpcRequest> calls = {{"a", "[]"}, {"b", "[]"}};
  auto r = rpc->batch(calls);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(r.error().message, "batch too large")) << r.error().message;
}

TEST(RpcBatch, EmptyBatchContactsNobody) {
  LoopbackNode node(answer_batch_reversed);
  auto rpc = client_for(node);
  auto r = rpc->batch({});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(node.requests(), 0);
}

TEST(Rpc, BadParamsAreRejectedBeforeSending) {
  LoopbackNode node(answer_batch_reversed);
  auto rpc = client_for(node);
  for (const char* params : {"", "1", "\"x\"", "[1,", "{\"a\":}", "[] []"}) {
    auto r = rpc->call("eth_call", params);
    ASSERT_FALSE(r) << params;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << params;
  }
  auto empty_method = rpc->call("", "[]");
  ASSERT_FALSE(empty_method);
  EXPECT_EQ(empty_method.error().code, ErrorCode::kInvalidArgument);
  const std::vector<RpcRequest> calls = {{"a", "[]"}, {"b", "nope"}};
  auto b = rpc->batch(calls);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(node.requests(), 0);
}

TEST(Rpc, MethodNamesAreEscapedInTheRequest) {
  LoopbackNode node([](const httplib::Request& req, httplib::Response& res, int) {
    send_json(res, reply(req.body, json(json::parse(req.body).at("method")).dump()));
  });
  auto rpc = client_for(node);
  auto r = rpc->call("we\"ird\\name", "[]");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(json::parse(*r), "we\"ird\\name");
}

TEST(Rpc, ExtraHeadersAndBasicAuthAreSent) {
  std::string auth;
  std::string key;
  LoopbackNode node([&](const httplib::Request& req, httplib::Response& res, int) {
    auth = req.get_header_value("Authorization");
    key = req.get_header_value("X-Api-Key");
    send_json(res, reply(req.body, "true"));
  });
  HttpOptions o = quick();
  o.headers = {{"X-Api-Key", "k123"}};
  auto rpc = connect_http("http://alice:s3cret@127.0.0.1:" + std::to_string(node.port()) + "/rpc", o);
  ASSERT_TRUE(rpc);
  ASSERT_TRUE((*rpc)->call("net_listening", "[]"));
  EXPECT_EQ(auth, "Basic YWxpY2U6czNjcmV0");  // base64("alice:s3cret")
  EXPECT_EQ(key, "k123");
}

TEST(Endpoint, ParsesHostPortPathAndCredentials) {
  auto a = Endpoint::parse("http://127.0.0.1:8545");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->tls);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8545);
  EXPECT_EQ(a->path, "/");

  auto b = Endpoint::parse("HTTPS://node.example.org/v3/abc?x=1#frag");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->tls);
  EXPECT_EQ(b->host, "node.example.org");
  EXPECT_EQ(b->port, 443);
  EXPECT_EQ(b->path, "/v3/abc?x=1");
  EXPECT_EQ(b->to_string(), "https://node.example.org:443/v3/abc?x=1");

  auto c = Endpoint::parse("http://[::1]:9000/rpc");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, 9000);
  EXPECT_EQ(c->to_string(), "http://[::1]:9000/rpc");

  auto d = Endpoint::parse("http://u:p@h?q");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->user, "u");
  EXPECT_EQ(d->password, "p");
  EXPECT_EQ(d->host, "h");
  EXPECT_EQ(d->port, 80);
  EXPECT_EQ(d->path, "/?q");
  EXPECT_EQ(d->to_string(), "http://h:80/?q");  // never the password
}

TEST(Endpoint, RejectsBadUrls) {
  for (const char* url : {"", "127.0.0.1:8545", "ftp://host/", "ws://host:8546", "http://", "http://:8545/",
                          "http://host:/", "http://host:0/", "http://host:65536/", "http://host:80x/",
                          "http://ho st/", "http://[::1/", "http://::1/", "http://[::1]x/"}) {
    auto e = Endpoint::parse(url);
    ASSERT_FALSE(e) << url;
    EXPECT_EQ(e.error().code, ErrorCode::kInvalidArgument) << url;
    EXPECT_TRUE(contains(e.error().message, "bad node URL")) << e.error().message;
  }
  auto rpc = connect_http("ftp://host/");
  ASSERT_FALSE(rpc);
  EXPECT_EQ(rpc.error().code, ErrorCode::kInvalidArgument);
  HttpOptions none;
  none.max_attempts = 0;
  EXPECT_FALSE(connect_http("http://127.0.0.1:1/", none));
}

// ---------------------------------------------------------------------------------------------
// HTTPS on loopback with a certificate made for the test.

struct TestCert {
  std::filesystem::path dir;
  std::filesystem::path cert;
  std::filesystem::path key;
};

/// A self-signed P-256 certificate for 127.0.0.1 (subjectAltName IP), written as PEM files.
TestCert make_cert() {
  TestCert t;
  t.dir = std::filesystem::temp_directory_path() / ("bulwark-tls-" + std::to_string(::getpid()));
  std::filesystem::create_directories(t.dir);
  t.cert = t.dir / "cert.pem";
  t.key = t.dir / "key.pem";
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, pkey);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"),
                             -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                                   std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, pkey, EVP_sha256());
  std::FILE* f = std::fopen(t.cert.c_str(), "wb");
  PEM_write_X509(f, x);
  std::fclose(f);
  f = std::fopen(t.key.c_str(), "wb");
  PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(x);
  EVP_PKEY_free(pkey);
  return t;
}

TEST(RpcTls, HttpsWithATrustedCertificateWorks) {
  const TestCert cert = make_cert();
  LoopbackNode node([](const httplib::Request& req, httplib::Response& res,
                       int) { send_json(res, reply(req.body, R"("0x5")")); },
                    cert.cert.string(), cert.key.string());
  HttpOptions o = quick();
  o.ca_cert_path = cert.cert.string();
  auto rpc = connect_http(node.url(), o);
  ASSERT_TRUE(rpc) << rpc.error().message;
  auto r = (*rpc)->call("eth_blockNumber", "[]");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, R"("0x5")");
  std::filesystem::remove_all(cert.dir);
}

TEST(RpcTls, UntrustedCertificateIsRefusedWithoutRetry) {
  const TestCert cert = make_cert();
  LoopbackNode node(
      [](const httplib::Request& req, httplib::Response& res, int) { send_json(res, reply(req.body, "1")); },
      cert.cert.string(), cert.key.string());
  auto rpc = connect_http(node.url(), quick(3));  // the system store does not know the test's certificate
  ASSERT_TRUE(rpc);
  auto r = (*rpc)->call("eth_blockNumber", "[]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(contains(r.error().message, "TLS certificate of " + node.url() + " failed verification"))
      << r.error().message;
  EXPECT_EQ(node.requests(), 0);
  std::filesystem::remove_all(cert.dir);
}

}  // namespace
}  // namespace bulwark::chain
