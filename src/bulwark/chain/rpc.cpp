#include "bulwark/chain/rpc.hpp"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <thread>

#include "bulwark/chain/json_scan.hpp"
#include "bulwark/core/hex.hpp"

namespace bulwark::chain {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr std::string_view kUnsupportedMarker = "does not support method '";

std::string ms_text(milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

/// An integer id as the raw JSON token "7"; nullopt for anything else (strings, null, fractions).
std::optional<std::int64_t> parse_int_token(std::string_view raw) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), v);
  if (ec != std::errc() || end != raw.data() + raw.size()) return std::nullopt;
  return v;
}

Status check_request(std::string_view method, std::string_view params_json) {
  if (method.empty()) return fail(ErrorCode::kInvalidArgument, "JSON-RPC method name is empty");
  const char first = json_first_char(params_json);
  if (first != '[' && first != '{') {
    return fail(ErrorCode::kInvalidArgument, std::string(method) +
                                                 ": params must be a JSON array or object, got '" +
                                                 printable_excerpt(params_json, 40) + "'");
  }
  if (auto ok = json_validate(params_json); !ok) {
    return fail(ErrorCode::kInvalidArgument,
                std::string(method) + ": params are not valid JSON: " + ok.error().message);
  }
  return {};
}

void append_request(std::string& out, std::int64_t id, std::string_view method, std::string_view params) {
  out += R"({"jsonrpc":"2.0","id":)";
  out += std::to_string(id);
  out += R"(,"method":)";
  out += json_quote(method);
  out += R"(,"params":)";
  out += params;
  out += '}';
}

bool is_ws_or_end(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

}  // namespace

bool is_method_not_supported(const Error& e) {
  return e.code == ErrorCode::kNotFound && e.message.find(kUnsupportedMarker) != std::string::npos;
}

// ---------------------------------------------------------------------------------------------
// Response parsing

Result<RpcResponse> parse_rpc_response(std::string_view body) {
  if (is_ws_or_end(body)) return fail(ErrorCode::kCorrupt, "empty response body");
  if (json_first_char(body) != '{') {
    if (auto valid = json_validate(body); !valid) return std::unexpected(valid.error());
    return fail(ErrorCode::kCorrupt,
                "a JSON-RPC response must be a JSON object, got '" + printable_excerpt(body, 40) + "'");
  }
  BULWARK_TRY(members, json_object_members(body));
  RpcResponse r;
  bool has_result = false;
  bool has_error = false;
  std::string_view error_raw;
  for (const JsonMember& m : members) {
    if (m.key == "id") {
      r.id = m.value;
    } else if (m.key == "result") {
      has_result = true;
      r.result = m.value;
    } else if (m.key == "error") {
      has_error = true;
      error_raw = m.value;
    }
  }
  if (has_result && has_error)
    return fail(ErrorCode::kCorrupt, "a JSON-RPC response has both result and error");
  if (!has_result && !has_error) {
    return fail(ErrorCode::kCorrupt,
                "a JSON-RPC response has neither result nor error: '" + printable_excerpt(body, 60) + "'");
  }
  if (has_result) return r;
  r.is_error = true;
  if (json_first_char(error_raw) != '{') {
    return fail(ErrorCode::kCorrupt,
                "JSON-RPC error is not an object: '" + printable_excerpt(error_raw, 60) + "'");
  }
  BULWARK_TRY(error_members, json_object_members(error_raw));
  bool has_code = false;
  for (const JsonMember& m : error_members) {
    if (m.key == "code") {
      const auto code = parse_int_token(m.value);
      if (!code) {
        return fail(ErrorCode::kCorrupt,
                    "JSON-RPC error code is not an integer: '" + printable_excerpt(m.value, 30) + "'");
      }
      r.error_code = *code;
      has_code = true;
    } else if (m.key == "message") {
      if (json_first_char(m.value) == '"') {
        BULWARK_TRY(text, json_unescape_string(m.value));
        r.error_message = std::move(text);
      } else {
        r.error_message = std::string(m.value);
      }
    } else if (m.key == "data") {
      r.error_data = m.value;
    }
  }
  if (!has_code) return fail(ErrorCode::kCorrupt, "JSON-RPC error object has no code");
  return r;
}

Result<std::vector<RpcResponse>> parse_rpc_batch_response(std::string_view body) {
  const char first = json_first_char(body);
  std::vector<RpcResponse> out;
  if (first == '{') {
    BULWARK_TRY(one, parse_rpc_response(body));
    out.push_back(std::move(one));
    return out;
  }
  if (first != '[') {
    if (first == '\0') return fail(ErrorCode::kCorrupt, "empty response body");
    if (auto valid = json_validate(body); !valid) return std::unexpected(valid.error());
    return fail(ErrorCode::kCorrupt,
                "a JSON-RPC batch response must be a JSON array, got '" + printable_excerpt(body, 40) + "'");
  }
  BULWARK_TRY(elements, json_array_elements(body));
  out.reserve(elements.size());
  for (std::size_t i = 0; i < elements.size(); ++i) {
    auto one = parse_rpc_response(elements[i]);
    if (!one) return std::unexpected(with_context(one.error(), "batch element " + std::to_string(i)));
    out.push_back(std::move(*one));
  }
  return out;
}

Error rpc_error_to_error(const RpcResponse& response, std::string_view method) {
  const std::string m(method);
  std::string detail = "JSON-RPC " + std::to_string(response.error_code) + ": " +
                       printable_excerpt(response.error_message, 300);
  if (!response.error_data.empty() && response.error_data != "null") {
    detail += " (data: " + printable_excerpt(response.error_data, 200) + ")";
  }
  switch (response.error_code) {
    case -32601:
    case -32004:
      return Error{ErrorCode::kNotFound,
                   "the node " + std::string(kUnsupportedMarker) + m + "' (" + detail + ")"};
    case -32005: return Error{ErrorCode::kUnavailable, m + ": rate-limited by the node (" + detail + ")"};
    case -32600:
    case -32602:
      return Error{ErrorCode::kInvalidArgument, m + ": the node rejected the request (" + detail + ")"};
    case -32700:
      return Error{ErrorCode::kInternal, m + ": the node could not parse the request (" + detail + ")"};
    default: return Error{ErrorCode::kFailedPrecondition, m + ": node error (" + detail + ")"};
  }
}

// ---------------------------------------------------------------------------------------------
// Endpoint

Result<Endpoint> Endpoint::parse(std::string_view url) {
  const auto bad = [&](std::string_view why) {
    return fail(ErrorCode::kInvalidArgument,
                "bad node URL '" + printable_excerpt(url) + "': " + std::string(why));
  };
  for (const char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return bad("it contains a space or a control character");
  }
  Endpoint e;
  std::string_view rest;
  const auto lower_starts = [&](std::string_view prefix) {
    if (url.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(url[i])) != prefix[i]) return false;
    }
    return true;
  };
  if (lower_starts("http://")) {
    rest = url.substr(7);
  } else if (lower_starts("https://")) {
    e.tls = true;
    rest = url.substr(8);
  } else {
    return bad("the scheme must be http:// or https://");
  }
  const std::size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail = rest.substr(authority_end);
  if (const std::size_t hash = tail.find('#'); hash != std::string_view::npos) tail = tail.substr(0, hash);
  if (tail.empty()) {
    e.path = "/";
  } else if (tail.front() == '?') {
    e.path = "/" + std::string(tail);
  } else {
    e.path = std::string(tail);
  }
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const std::size_t colon = userinfo.find(':');
    e.user = std::string(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) e.password = std::string(userinfo.substr(colon + 1));
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("an IPv6 host must be closed with ']'");
    e.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("unexpected text after the IPv6 host");
      port_text = after.substr(1);
      if (port_text.empty()) return bad("empty port");
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    e.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return bad("empty port");
    }
  }
  if (e.host.empty()) return bad("no host");
  if (e.host.find_first_of(":[]") != std::string::npos && authority.front() != '[') {
    return bad("an IPv6 host must be written in brackets");
  }
  if (port_text.empty()) {
    e.port = e.tls ? 443 : 80;
  } else {
    int port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      return bad("the port must be a number from 1 to 65535");
    }
    e.port = port;
  }
  return e;
}

std::string Endpoint::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return std::string(tls ? "https://" : "http://") + (v6 ? "[" + host + "]" : host) + ":" +
         std::to_string(port) + path;
}

// ---------------------------------------------------------------------------------------------
// HttpTransport

struct HttpTransport::Attempt {
  enum class Kind { kOk, kRetry, kFatal };
  Kind kind = Kind::kFatal;
  std::string body;
  Error error;
  std::optional<milliseconds> retry_after;
};

Result<std::unique_ptr<HttpTransport>> HttpTransport::open(std::string_view url, HttpOptions options) {
  BULWARK_TRY(endpoint, Endpoint::parse(url));
  if (options.max_attempts < 1) return fail(ErrorCode::kInvalidArgument, "max_attempts must be at least 1");
  if (options.timeout.count() <= 0)
    return fail(ErrorCode::kInvalidArgument, "the request timeout must be positive");
  if (options.backoff_base.count() < 0 || options.backoff_max.count() < 0 ||
      options.retry_after_max.count() < 0) {
    return fail(ErrorCode::kInvalidArgument, "backoff and Retry-After limits must not be negative");
  }
  if (endpoint.tls && !options.ca_cert_path.empty()) {
    if (std::FILE* f = std::fopen(options.ca_cert_path.c_str(), "rb")) {
      std::fclose(f);
    } else {
      return fail(ErrorCode::kInvalidArgument,
                  "cannot read the CA certificate file '" + options.ca_cert_path + "'");
    }
  }
  return std::unique_ptr<HttpTransport>(new HttpTransport(std::move(endpoint), std::move(options)));
}

HttpTransport::HttpTransport(Endpoint endpoint, HttpOptions options)
    : endpoint_(std::move(endpoint)), options_(std::move(options)), jitter_(std::random_device{}()) {
  const bool v6 = endpoint_.host.find(':') != std::string::npos;
  const std::string host = v6 ? "[" + endpoint_.host + "]" : endpoint_.host;
  client_ = std::make_unique<httplib::Client>(std::string(endpoint_.tls ? "https://" : "http://") + host +
                                              ":" + std::to_string(endpoint_.port));
  const auto t = options_.timeout;
  const auto sec = static_cast<time_t>(t.count() / 1000);
  const auto usec = static_cast<time_t>((t.count() % 1000) * 1000);
  client_->set_connection_timeout(sec, usec);
  client_->set_read_timeout(sec, usec);
  client_->set_write_timeout(sec, usec);
  client_->set_keep_alive(true);
  // Requests are small writes on a kept-alive connection: without TCP_NODELAY, Nagle's algorithm and
  // the peer's delayed ACK add tens of milliseconds to every call after the first.
  client_->set_tcp_nodelay(true);
  client_->set_follow_location(false);
  if (!endpoint_.user.empty()) client_->set_basic_auth(endpoint_.user.c_str(), endpoint_.password.c_str());
  httplib::Headers headers;
  for (const auto& [k, v] : options_.headers) headers.emplace(k, v);
  client_->set_default_headers(std::move(headers));
  if (endpoint_.tls) {
    client_->enable_server_certificate_verification(true);
    if (!options_.ca_cert_path.empty()) client_->set_ca_cert_path(options_.ca_cert_path.c_str());
  }
}

HttpTransport::~HttpTransport() = default;

std::string HttpTransport::describe() const {
  return endpoint_.to_string();
}

milliseconds HttpTransport::backoff_delay(int retry_index) {
  const auto base = options_.backoff_base.count();
  const auto cap = options_.backoff_max.count();
  long long d = base;
  for (int i = 0; i < retry_index && d < cap; ++i) d *= 2;
  d = std::min<long long>(d, cap);
  if (d <= 1) return milliseconds(d);
  std::uniform_int_distribution<long long> pick(d / 2, d);
  return milliseconds(pick(jitter_));
}

HttpTransport::Attempt HttpTransport::attempt_once(std::string_view request_body) {
  const std::string where = endpoint_.to_string();
  const auto start = steady_clock::now();
  const auto deadline = start + options_.timeout;

  int status = 0;
  bool got_headers = false;
  bool encoded = false;
  bool too_big = false;
  bool deadline_hit = false;
  std::optional<std::size_t> declared;
  std::string retry_after_header;
  std::string body;

  httplib::Request req;
  req.method = "POST";
  req.path = endpoint_.path;
  req.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  req.body = std::string(request_body);
  req.response_handler = [&](const httplib::Response& r) {
    got_headers = true;
    status = r.status;
    encoded = r.has_header("Content-Encoding");
    retry_after_header = r.get_header_value("Retry-After");
    if (r.has_header("Content-Length")) {
      const std::string v = r.get_header_value("Content-Length");
      std::size_t n = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec == std::errc() && end == v.data() + v.size()) declared = n;
    }
    if (declared && !encoded) {
      if (*declared > options_.max_response_bytes) {
        too_big = true;
        return false;
      }
      body.reserve(*declared);
    }
    return true;
  };
  req.content_receiver = [&](const char* data, std::size_t len, std::uint64_t, std::uint64_t) {
    if (body.size() + len > options_.max_response_bytes) {
      too_big = true;
      return false;
    }
    body.append(data, len);
    if (steady_clock::now() > deadline) {
      deadline_hit = true;
      return false;
    }
    return true;
  };

  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  const bool sent = client_->send(req, res, err);
  const auto elapsed = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);

  Attempt a;
  const auto retry = [&](ErrorCode code, std::string message) {
    a.kind = Attempt::Kind::kRetry;
    a.error = Error{code, std::move(message)};
    return std::move(a);
  };
  const auto fatal = [&](ErrorCode code, std::string message) {
    a.kind = Attempt::Kind::kFatal;
    a.error = Error{code, std::move(message)};
    return std::move(a);
  };

  if (!sent) {
    if (too_big) {
      return fatal(ErrorCode::kFailedPrecondition, "the response from " + where + " exceeds the limit of " +
                                                       std::to_string(options_.max_response_bytes) +
                                                       " bytes");
    }
    if (deadline_hit) {
      return retry(ErrorCode::kUnavailable,
                   "request to " + where + " timed out after " + ms_text(options_.timeout) + " (" +
                       std::to_string(body.size()) + " bytes of the response received)");
    }
    switch (err) {
      case httplib::Error::Connection:
        return retry(ErrorCode::kUnavailable, "node unreachable at " + where + ": cannot connect");
      case httplib::Error::ConnectionTimeout:
        return retry(
            ErrorCode::kUnavailable,
            "node unreachable at " + where + ": connecting timed out after " + ms_text(options_.timeout));
      case httplib::Error::Read:
        // A read that fails after (nearly) the whole timeout is the node going silent, not a drop.
        if (elapsed >= options_.timeout * 9 / 10) {
          return retry(ErrorCode::kUnavailable,
                       "request to " + where + " timed out after " + ms_text(options_.timeout) + " (" +
                           std::to_string(body.size()) + " bytes of the response received)");
        }
        if (got_headers) {
          std::string of = declared && !encoded ? " of " + std::to_string(*declared) : "";
          return retry(ErrorCode::kIo, "truncated body from " + where + ": the connection closed after " +
                                           std::to_string(body.size()) + of + " bytes");
        }
        return retry(ErrorCode::kUnavailable, "the connection to " + where + " closed before a response");
      case httplib::Error::Write:
        return retry(ErrorCode::kUnavailable,
                     "sending the request to " + where + " failed (connection reset)");
      case httplib::Error::SSLConnection:
        return fatal(ErrorCode::kUnavailable, "TLS handshake with " + where + " failed");
      case httplib::Error::SSLServerVerification:
        return fatal(ErrorCode::kFailedPrecondition,
                     "the TLS certificate of " + where + " failed verification");
      case httplib::Error::SSLLoadingCerts:
        return fatal(ErrorCode::kInvalidArgument, "cannot load the trusted certificates for " + where);
      default:
        return fatal(ErrorCode::kUnavailable, "request to " + where + " failed: " + httplib::to_string(err));
    }
  }

  if (status >= 200 && status < 300) {
    a.kind = Attempt::Kind::kOk;
    a.body = std::move(body);
    return a;
  }
  if (!retry_after_header.empty()) {
    std::int64_t seconds = 0;
    const auto [end, ec] = std::from_chars(retry_after_header.data(),
                                           retry_after_header.data() + retry_after_header.size(), seconds);
    // Only delta-seconds are honoured; an HTTP-date falls back to the backoff schedule.
    if (ec == std::errc() && end == retry_after_header.data() + retry_after_header.size() && seconds >= 0) {
      a.retry_after = milliseconds(seconds * 1000);
    }
  }
  if (status == 429) return retry(ErrorCode::kUnavailable, "rate-limited by " + where + " (HTTP 429)");
  if (status == 502 || status == 503 || status == 504) {
    return retry(ErrorCode::kUnavailable, where + " answered HTTP " + std::to_string(status));
  }
  // Some nodes send their JSON-RPC error objects with a 4xx/5xx status: pass those on.
  if (auto parsed = parse_rpc_batch_response(body); parsed && !parsed->empty() && parsed->front().is_error) {
    a.kind = Attempt::Kind::kOk;
    a.body = std::move(body);
    return a;
  }
  return fatal(ErrorCode::kFailedPrecondition,
               where + " answered HTTP " + std::to_string(status) + ": " + printable_excerpt(body, 200));
}

Result<std::string> HttpTransport::exchange(std::string_view request_body) {
  std::lock_guard lock(mutex_);
  for (int attempt = 1;; ++attempt) {
    Attempt a = attempt_once(request_body);
    if (a.kind == Attempt::Kind::kOk) return std::move(a.body);
    if (a.kind == Attempt::Kind::kFatal) return std::unexpected(std::move(a.error));
    if (attempt >= options_.max_attempts) {
      a.error.message +=
          " (gave up after " + std::to_string(attempt) + (attempt == 1 ? " attempt)" : " attempts)");
      return std::unexpected(std::move(a.error));
    }
    milliseconds delay = backoff_delay(attempt - 1);
    if (a.retry_after) {
      if (*a.retry_after > options_.retry_after_max) {
        a.error.message += ": the node asks to retry after " + ms_text(*a.retry_after) + ", more than the " +
                           ms_text(options_.retry_after_max) + " allowed";
        return std::unexpected(std::move(a.error));
      }
      delay = *a.retry_after;
    }
    std::this_thread::sleep_for(delay);
  }
}

// ---------------------------------------------------------------------------------------------
// JsonRpcClient

JsonRpcClient::JsonRpcClient(std::unique_ptr<RpcTransport> transport, JsonRpcOptions options)
    : transport_(std::move(transport)), options_(options) {
  if (options_.max_batch_size == 0) options_.max_batch_size = 1;
}

Result<std::string> JsonRpcClient::call(std::string_view method, std::string_view params_json) {
  BULWARK_CHECK(check_request(method, params_json));
  const std::int64_t id = next_id_.fetch_add(1);
  std::string request;
  request.reserve(params_json.size() + method.size() + 48);
  append_request(request, id, method, params_json);

  auto exchanged = transport_->exchange(request);
  if (!exchanged) return std::unexpected(with_context(std::move(exchanged.error()), method));
  std::string body = std::move(*exchanged);

  const auto corrupt = [&](std::string why) {
    return fail(ErrorCode::kCorrupt, std::string(method) + ": bad response from " + transport_->describe() +
                                         ": " + std::move(why));
  };
  if (json_first_char(body) == '[') return corrupt("a batch (JSON array) came back for a single call");
  auto parsed = parse_rpc_response(body);
  if (!parsed) return corrupt(parsed.error().message);
  const RpcResponse& r = *parsed;
  const auto got = parse_int_token(r.id);
  if (!got || *got != id) {
    // A node that could not read the request answers with a null id and an error: report that error.
    if (r.is_error && (r.id == "null" || r.id.empty())) return std::unexpected(rpc_error_to_error(r, method));
    return corrupt("id mismatch: sent id " + std::to_string(id) + ", the node answered id " +
                   (r.id.empty() ? std::string("(none)") : printable_excerpt(r.id, 40)));
  }
  if (r.is_error) return std::unexpected(rpc_error_to_error(r, method));
  // Cut the result out of the body in place: no second allocation for a multi-MB trace.
  const auto from = static_cast<std::size_t>(r.result.data() - body.data());
  const std::size_t size = r.result.size();
  body.resize(from + size);
  body.erase(0, from);
  return body;
}

Result<std::vector<Result<std::string>>> JsonRpcClient::batch(std::span<const RpcRequest> requests) {
  for (const RpcRequest& q : requests) BULWARK_CHECK(check_request(q.method, q.params));
  std::vector<Result<std::string>> out;
  out.reserve(requests.size());
  for (std::size_t at = 0; at < requests.size(); at += options_.max_batch_size) {
    const std::size_t n = std::min(options_.max_batch_size, requests.size() - at);
    BULWARK_TRY(part, batch_chunk(requests.subspan(at, n)));
    for (auto& r : part) out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<Result<std::string>>> JsonRpcClient::batch_chunk(std::span<const RpcRequest> requests) {
  const std::size_t n = requests.size();
  const std::int64_t first = next_id_.fetch_add(static_cast<std::int64_t>(n));
  const std::string what = "batch of " + std::to_string(n) + " calls";
  std::string request = "[";
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) request += ',';
    append_request(request, first + static_cast<std::int64_t>(i), requests[i].method, requests[i].params);
  }
  request += ']';

  auto exchanged = transport_->exchange(request);
  if (!exchanged) return std::unexpected(with_context(std::move(exchanged.error()), what));
  const std::string& body = *exchanged;
  const auto corrupt = [&](std::string why) {
    return fail(ErrorCode::kCorrupt,
                what + ": bad response from " + transport_->describe() + ": " + std::move(why));
  };
  auto parsed = parse_rpc_batch_response(body);
  if (!parsed) return corrupt(parsed.error().message);
  if (json_first_char(body) == '{') {
    // A node that refuses the batch as a whole answers with one error object.
    if (parsed->front().is_error) return std::unexpected(rpc_error_to_error(parsed->front(), what));
    return corrupt("a single object came back for a batch");
  }
  std::vector<const RpcResponse*> slot(n, nullptr);
  for (const RpcResponse& r : *parsed) {
    const auto id = parse_int_token(r.id);
    if (!id || *id < first || *id >= first + static_cast<std::int64_t>(n)) {
      if (r.is_error && (r.id == "null" || r.id.empty()) && parsed->size() == 1) {
        return std::unexpected(rpc_error_to_error(r, what));
      }
      return corrupt("id mismatch: the node answered id " +
                     (r.id.empty() ? std::string("(none)") : printable_excerpt(r.id, 40)) +
                     ", which matches none of the ids sent (" + std::to_string(first) + " to " +
                     std::to_string(first + static_cast<std::int64_t>(n) - 1) + ")");
    }
    const auto index = static_cast<std::size_t>(*id - first);
    if (slot[index] != nullptr) return corrupt("the node answered id " + std::to_string(*id) + " twice");
    slot[index] = &r;
  }
  std::vector<Result<std::string>> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const RpcResponse* r = slot[i];
    if (r == nullptr) {
      out.push_back(fail(ErrorCode::kCorrupt, requests[i].method + ": the node left call " +
                                                  std::to_string(i) + " of the " + what + " unanswered"));
    } else if (r->is_error) {
      out.push_back(std::unexpected(rpc_error_to_error(*r, requests[i].method)));
    } else {
      out.emplace_back(std::string(r->result));
    }
  }
  return out;
}

Result<std::unique_ptr<RpcClient>> connect_http(std::string_view url, HttpOptions http, JsonRpcOptions rpc) {
  BULWARK_TRY(transport, HttpTransport::open(url, std::move(http)));
  return std::unique_ptr<RpcClient>(std::make_unique<JsonRpcClient>(std::move(transport), rpc));
}

}  // namespace bulwark::chain
