#pragma once
/// The JSON-RPC 2.0 client Bulwark reads a chain with: an abstract RpcClient (what callers use, so a
/// recorded chain can stand in for a node), a JsonRpcClient that frames requests and checks responses
/// over an abstract RpcTransport, and an HttpTransport that speaks HTTP/HTTPS to a node with
/// timeouts, retries and backoff.
///
/// Errors of a node, as this layer reports them (each message names the method and the node):
///   kInvalidArgument    bad URL, bad params JSON; or the node rejected the request (-32600, -32602)
///   kUnavailable        node unreachable, timed out, rate-limited (HTTP 429 / -32005) or failing
///                       (HTTP 502/503/504) after every retry; TLS handshake failure
///   kIo                 the connection dropped mid-response (truncated body) after every retry
///   kCorrupt            the answer is not valid JSON-RPC: malformed or truncated JSON, ids that
///                       match no request, neither or both of "result" and "error"
///   kNotFound           the node does not support the method (-32601, -32004): see
///                       is_method_not_supported()
///   kFailedPrecondition any other JSON-RPC error object (execution reverted, unknown block, ...)
///                       and HTTP statuses that retrying cannot fix (401, 403, 404, ...)

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bulwark/core/error.hpp"

namespace httplib {
class Client;
}

namespace bulwark::chain {

/// One call of a batch: a method name and its params as JSON text (an array or an object).
struct RpcRequest {
  std::string method;         ///< e.g. "eth_getBlockByNumber".
  std::string params = "[]";  ///< JSON text, e.g. R"(["0x10", false])".
};

/// What Bulwark asks of a node. Implementations say whether they are thread-safe.
class RpcClient {
 public:
  virtual ~RpcClient() = default;

  /// Calls `method` with `params_json` (a JSON array or object) and returns the raw JSON text of the
  /// response's "result" (e.g. "\"0x1\"", "null", or a multi-MB trace object), ready for any parser.
  /// Errors: see the table at the top of this file.
  virtual Result<std::string> call(std::string_view method, std::string_view params_json) = 0;

  /// Sends `requests` as JSON-RPC batches and returns one result per request, in the order given,
  /// whatever order the node answered in. The outer error is for a fault that loses the whole batch
  /// (node unreachable, malformed body, ids that match no request, the node rejecting batches); a
  /// JSON-RPC error for one call, or a call the node did not answer, is that call's inner error.
  /// An empty `requests` gives an empty vector without contacting the node.
  virtual Result<std::vector<Result<std::string>>> batch(std::span<const RpcRequest> requests) = 0;
};

/// True when `e` is this layer's report that a node does not support a method (JSON-RPC -32601
/// "method not found" or -32004 "method not supported"), so a caller can fall back to another method.
bool is_method_not_supported(const Error& e);

/// Moves request bodies to a node and response bodies back. Implementations say whether they are
/// thread-safe.
class RpcTransport {
 public:
  virtual ~RpcTransport() = default;

  /// Sends one JSON-RPC request body (an object, or an array for a batch) and returns the node's
  /// response body. A non-2xx HTTP reply whose body is a JSON-RPC error is returned as a body so the
  /// caller sees the node's own error. Errors: kUnavailable, kIo, kFailedPrecondition (see the table).
  virtual Result<std::string> exchange(std::string_view request_body) = 0;

  /// A short description of the peer for error messages ("http://127.0.0.1:8545/").
  virtual std::string describe() const = 0;
};

/// A node's URL, split: http://host[:port][/path][?query] or https://...; IPv6 hosts in brackets;
/// optional "user:password@" for HTTP basic authentication.
struct Endpoint {
  bool tls = false;        ///< https
  std::string host;        ///< without brackets for IPv6
  int port = 0;            ///< 80/443 when the URL names none
  std::string path = "/";  ///< path and query, starting with '/'
  std::string user;        ///< basic-auth user, empty for none
  std::string password;    ///< basic-auth password

  /// Parses `url`. Errors: kInvalidArgument for another scheme, an empty host, a port that is not a
  /// number in 1..65535, or characters that cannot be in a URL (spaces, control characters).
  static Result<Endpoint> parse(std::string_view url);

  /// The URL without credentials, for messages.
  std::string to_string() const;
};

/// How an HttpTransport talks to its node.
struct HttpOptions {
  /// Limit for one attempt: connecting, sending and receiving the whole response.
  std::chrono::milliseconds timeout{30'000};
  /// Attempts per request, counting the first; transient faults (connection refused or reset,
  /// timeout, truncated body, HTTP 429/502/503/504) are retried until they are used up. At least 1.
  int max_attempts = 5;
  /// The delay before the second attempt; it doubles for each further attempt, capped at
  /// backoff_max, and each delay is drawn uniformly from [d/2, d] ("equal jitter", M. Brooker,
  /// "Exponential Backoff And Jitter", AWS Architecture Blog, 2015).
  std::chrono::milliseconds backoff_base{250};
  /// The longest delay between two attempts chosen by backoff.
  std::chrono::milliseconds backoff_max{8'000};
  /// A Retry-After (HTTP 429/503) up to this long is waited out exactly; a longer one ends the
  /// retries at once with a kUnavailable error saying how long the node asked to wait.
  std::chrono::milliseconds retry_after_max{30'000};
  /// Responses larger than this are abandoned with kFailedPrecondition (bounds memory). Bytes.
  std::size_t max_response_bytes = std::size_t{1} << 30;
  /// PEM file of extra trusted certificate authorities for https; empty uses the system store.
  std::string ca_cert_path;
  /// Extra headers sent with every request (an API key, say).
  std::vector<std::pair<std::string, std::string>> headers;
};

/// An RpcTransport over HTTP/1.1 or HTTPS (cpp-httplib) with a kept-alive connection. Thread-safe:
/// concurrent exchanges are serialised on one connection (use one transport per thread to overlap).
class HttpTransport final : public RpcTransport {
 public:
  /// A transport to `url` (see Endpoint::parse). Connects lazily: an unreachable node is reported by
  /// the first exchange. Errors: kInvalidArgument for a bad URL or options (max_attempts < 1, a
  /// timeout that is not positive).
  static Result<std::unique_ptr<HttpTransport>> open(std::string_view url, HttpOptions options = {});

  ~HttpTransport() override;
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  /// See RpcTransport::exchange; retries transient faults as HttpOptions says.
  Result<std::string> exchange(std::string_view request_body) override;
  /// The URL without credentials.
  std::string describe() const override;

 private:
  struct Attempt;
  HttpTransport(Endpoint endpoint, HttpOptions options);
  Attempt attempt_once(std::string_view request_body);
  std::chrono::milliseconds backoff_delay(int retry_index);

  Endpoint endpoint_;
  HttpOptions options_;
  std::mutex mutex_;
  std::unique_ptr<httplib::Client> client_;
  std::minstd_rand jitter_;
};

/// How a JsonRpcClient frames its requests.
struct JsonRpcOptions {
  /// The most calls put in one HTTP request; a longer batch() is sent as several. Many hosted nodes
  /// cap batches (100 to 1000 calls). At least 1.
  std::size_t max_batch_size = 100;
};

/// An RpcClient over any RpcTransport: builds JSON-RPC 2.0 requests with fresh integer ids, checks
/// the response (id, "result" xor "error"), and returns "result" as raw JSON text located by a
/// validating scan, without parsing it into a document. Thread-safe when its transport is.
class JsonRpcClient final : public RpcClient {
 public:
  /// A client that owns `transport` (not null).
  explicit JsonRpcClient(std::unique_ptr<RpcTransport> transport, JsonRpcOptions options = {});

  /// See RpcClient::call. Errors additionally: kInvalidArgument when `method` is empty or
  /// `params_json` is not a JSON array or object (nothing is sent).
  Result<std::string> call(std::string_view method, std::string_view params_json) override;
  /// See RpcClient::batch. Errors additionally: kInvalidArgument as for call (nothing is sent).
  Result<std::vector<Result<std::string>>> batch(std::span<const RpcRequest> requests) override;

 private:
  Result<std::vector<Result<std::string>>> batch_chunk(std::span<const RpcRequest> requests);

  std::unique_ptr<RpcTransport> transport_;
  JsonRpcOptions options_;
  std::atomic<std::int64_t> next_id_{1};
};

/// A JsonRpcClient over an HttpTransport to `url`: what a front end uses to reach a node.
/// Errors: those of HttpTransport::open.
Result<std::unique_ptr<RpcClient>> connect_http(std::string_view url, HttpOptions http = {},
                                                JsonRpcOptions rpc = {});

/// One parsed JSON-RPC 2.0 response object; the views point into the body it was parsed from.
struct RpcResponse {
  std::string_view id;          ///< The raw JSON of "id" ("7", "\"a\"", "null"); empty when absent.
  bool is_error = false;        ///< True for an "error" member, false for a "result" member.
  std::string_view result;      ///< The raw JSON text of "result" when !is_error.
  std::int64_t error_code = 0;  ///< error.code when is_error.
  std::string error_message;    ///< error.message, unescaped, when is_error.
  std::string_view error_data;  ///< The raw JSON of error.data; empty when absent.
};

/// Parses one response object. Errors: kCorrupt for malformed or truncated JSON, a body that is not
/// an object, neither or both of "result" and "error", or an error object without an integer code.
Result<RpcResponse> parse_rpc_response(std::string_view body);

/// Parses a batch response: an array of response objects; a single object (a node refusing the whole
/// batch) gives a one-element vector. Errors: as parse_rpc_response, for any element.
Result<std::vector<RpcResponse>> parse_rpc_batch_response(std::string_view body);

/// The error a JSON-RPC error object stands for, per the table at the top of this file; `method`
/// names the call in the message.
Error rpc_error_to_error(const RpcResponse& response, std::string_view method);

}  // namespace bulwark::chain
