#include "bulwark/chain/trace.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>

#include "bulwark/core/hex.hpp"

namespace bulwark::chain {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

/// Hex digit values; 0xff for a non-digit.
constexpr std::array<std::uint8_t, 256> kHexTable = [] {
  std::array<std::uint8_t, 256> t{};
  t.fill(0xff);
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) t[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) t[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(c - 'A' + 10);
  return t;
}();

/// Decodes an even number of hex digits into `out`; false on a non-digit.
bool decode_hex(std::string_view s, std::uint8_t* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (std::size_t i = 0; i < s.size() / 2; ++i) {
    const std::uint8_t hi = kHexTable[p[2 * i]], lo = kHexTable[p[2 * i + 1]];
    if ((hi | lo) & 0xf0) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

/// True when every character of `s` is a hex digit, one at a time.
bool all_hex_scalar(std::string_view s) {
  unsigned bad = 0;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const unsigned lower = unsigned{c} | 0x20u;
    bad |= !((unsigned{c} - unsigned{'0'} < 10u) | (lower - unsigned{'a'} < 6u));
  }
  return bad == 0;
}

constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHighBits = 0x8080808080808080ULL;

/// The high bit of each byte of `x` set where m < byte < n, for bytes below 0x80 and m, n <= 128
/// (a carry-free SWAR range test: bytes never borrow from their neighbours).
constexpr std::uint64_t bytes_between(std::uint64_t x, std::uint64_t m, std::uint64_t n) {
  return (kOnes * (127 + n) - (x & kOnes * 127)) & ~x & ((x & kOnes * 127) + kOnes * (127 - m)) & kHighBits;
}

/// True when every character is a hex digit: eight at a time (most of a trace's bytes are hex).
bool all_hex(std::string_view s) {
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, s.data() + i, 8);
    const std::uint64_t folded = x | (kOnes * 0x20);  // 'A'..'F' -> 'a'..'f'
    const std::uint64_t ok = (bytes_between(x, 0x2f, 0x3a) | bytes_between(folded, 0x60, 0x67)) & ~x;
    if (ok != kHighBits) return false;
  }
  return all_hex_scalar(s.substr(i));
}

/// Builds one Trace; every parser feeds it frames in pre-order.
class Builder {
 public:
  explicit Builder(const ParseLimits& limits) : limits_(limits) {}

  Trace trace;

  Status fail_at(std::string_view what) {
    std::string path = "root";
    for (std::uint32_t k : path_) path += "." + std::to_string(k);
    return fail(ErrorCode::kInvalidArgument, "trace frame " + path + ": " + std::string(what));
  }

  Status address(std::string_view s, Address& out, std::string_view field) {
    s = strip_hex_prefix(s);
    if (s.empty()) return {};  // absent (e.g. a failed CREATE): the zero address
    if (s.size() != 40) return fail_at(std::string(field) + " is not a 20-byte address");
    std::array<std::uint8_t, 20> b{};
    if (!decode_hex(s, b.data())) return fail_at(std::string(field) + " has a non-hex character");
    out = Address::from_bytes(b);
    return {};
  }

  Status bytes(std::string_view s, std::uint32_t& offset, std::uint32_t& size, std::string_view field) {
    s = strip_hex_prefix(s);
    if (s.size() % 2 != 0) return fail_at(std::string(field) + " has an odd number of hex digits");
    if (!all_hex(s)) return fail_at(std::string(field) + " has a non-hex character");
    if (trace.hex.size() + s.size() > 0xffffffffULL) return fail_at("trace bytes exceed 2 GiB");
    offset = static_cast<std::uint32_t>(trace.hex.size());
    size = static_cast<std::uint32_t>(s.size() / 2);
    trace.hex.append(s);
    return {};
  }

  /// A quantity given as a hex string, a decimal string or a JSON number.
  Status quantity(element e, U256& out, std::string_view field) {
    if (e.is_null()) return {};
    if (e.is_string()) {
      std::string_view s = e.get_string().value_unsafe();
      if (s.empty() || s == "0x") return {};
      auto v = U256::parse(s);
      if (!v) return fail_at(std::string(field) + ": " + v.error().message);
      out = *v;
      return {};
    }
    if (e.is_uint64()) {
      out = U256(e.get_uint64().value_unsafe());
      return {};
    }
    if (e.is_int64() && e.get_int64().value_unsafe() >= 0) {
      out = U256(static_cast<std::uint64_t>(e.get_int64().value_unsafe()));
      return {};
    }
    return fail_at(std::string(field) + " is not a non-negative quantity");
  }

  Status kind(std::string_view s, CallKind& out) {
    static const std::array<std::pair<std::string_view, CallKind>, 8> kKinds{
        {{"CALL", CallKind::kCall},
         {"STATICCALL", CallKind::kStaticCall},
         {"DELEGATECALL", CallKind::kDelegateCall},
         {"CALLCODE", CallKind::kCallCode},
         {"CREATE", CallKind::kCreate},
         {"CREATE2", CallKind::kCreate2},
         {"SELFDESTRUCT", CallKind::kSelfDestruct},
         {"SUICIDE", CallKind::kSelfDestruct}}};
    for (const auto& [name, k] : kKinds)
      if (s.size() == name.size() && std::equal(s.begin(), s.end(), name.begin(), [](char a, char b) {
            return (a >= 'a' && a <= 'z' ? static_cast<char>(a - 32) : a) == b;
          })) {
        out = k;
        return {};
      }
    return fail_at("unknown frame type \"" + printable_excerpt(s, 20) + "\"");
  }

  /// Starts a frame under `parent` at `depth`; returns its index.
  Result<std::size_t> open(std::int32_t parent, std::uint32_t depth) {
    if (trace.frames.size() >= limits_.max_frames)
      return fail(ErrorCode::kInvalidArgument,
                  "trace has more than " + std::to_string(limits_.max_frames) + " frames");
    if (depth > limits_.max_depth)
      return fail(ErrorCode::kInvalidArgument,
                  "trace nests deeper than " + std::to_string(limits_.max_depth) + " calls");
    Frame f;
    f.parent = parent;
    f.depth = depth;
    f.failed = parent >= 0 && trace.frames[static_cast<std::size_t>(parent)].failed;
    trace.frames.push_back(f);
    return trace.frames.size() - 1;
  }

  void set_selector(std::size_t i) {
    Frame& f = trace.frames[i];
    if (f.input_size < 4) return;
    std::uint8_t b[4];
    decode_hex(std::string_view(trace.hex.data() + f.input_offset, 8), b);
    f.selector = std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
  }

  void close(std::size_t i) { trace.frames[i].end = static_cast<std::uint32_t>(trace.frames.size()); }

  void mark_reverted(std::size_t i) {
    trace.frames[i].reverted = true;
    trace.frames[i].failed = true;
  }

  std::vector<std::uint32_t> path_;  ///< Child indices from the root to the frame being parsed.

 private:
  ParseLimits limits_;
};

std::string_view str_or_empty(object o, std::string_view key) {
  std::string_view s;
  if (o[key].get(s) != simdjson::SUCCESS) return {};
  return s;
}

Status parse_logs(Builder& b, array logs) {
  for (element le : logs) {
    object lo;
    if (le.get(lo) != simdjson::SUCCESS) return b.fail_at("a log is not an object");
    TraceLog log;
    BULWARK_CHECK(b.address(str_or_empty(lo, "address"), log.address, "log address"));
    array topics;
    if (lo["topics"].get(topics) == simdjson::SUCCESS) {
      for (element te : topics) {
        std::string_view ts;
        if (te.get(ts) != simdjson::SUCCESS) return b.fail_at("a log topic is not a string");
        auto h = Hash32::parse(ts);
        if (!h) return b.fail_at("log topic: " + h.error().message);
        log.topics.push_back(*h);
      }
    }
    BULWARK_CHECK(b.bytes(str_or_empty(lo, "data"), log.data_offset, log.data_size, "log data"));
    b.trace.logs.push_back(std::move(log));
  }
  b.trace.has_logs = true;
  return {};
}

Status parse_geth_frame(Builder& b, object o, std::int32_t parent, std::uint32_t depth) {
  BULWARK_TRY(i, b.open(parent, depth));
  {
    Frame& f = b.trace.frames[i];
    std::string_view type;
    if (o["type"].get(type) != simdjson::SUCCESS) return b.fail_at("missing \"type\"");
    BULWARK_CHECK(b.kind(type, f.kind));
    BULWARK_CHECK(b.address(str_or_empty(o, "from"), f.from, "from"));
    BULWARK_CHECK(b.address(str_or_empty(o, "to"), f.to, "to"));
    element v;
    if (o["value"].get(v) == simdjson::SUCCESS) BULWARK_CHECK(b.quantity(v, f.value, "value"));
    U256 gas;
    if (o["gasUsed"].get(v) == simdjson::SUCCESS) {
      BULWARK_CHECK(b.quantity(v, gas, "gasUsed"));
      f.gas_used = gas.low_u64();
    }
  }
  {
    std::uint32_t off = 0, size = 0;
    BULWARK_CHECK(b.bytes(str_or_empty(o, "input"), off, size, "input"));
    b.trace.frames[i].input_offset = off;
    b.trace.frames[i].input_size = size;
    b.set_selector(i);
    std::string_view out;
    if (o["output"].get(out) == simdjson::SUCCESS) {
      BULWARK_CHECK(b.bytes(out, off, size, "output"));
      b.trace.frames[i].output_offset = off;
      b.trace.frames[i].output_size = size;
      b.trace.frames[i].has_output = true;
    }
  }
  element err;
  if (o["error"].get(err) == simdjson::SUCCESS && !err.is_null()) b.mark_reverted(i);
  array logs;
  if (o["logs"].get(logs) == simdjson::SUCCESS) {
    b.trace.frames[i].log_begin = static_cast<std::uint32_t>(b.trace.logs.size());
    BULWARK_CHECK(parse_logs(b, logs));
    b.trace.frames[i].log_count =
        static_cast<std::uint32_t>(b.trace.logs.size()) - b.trace.frames[i].log_begin;
  }
  element calls;
  if (o["calls"].get(calls) == simdjson::SUCCESS && !calls.is_null()) {
    array ca;
    if (calls.get(ca) != simdjson::SUCCESS) return b.fail_at("\"calls\" is not an array");
    b.path_.push_back(0);
    for (element c : ca) {
      object co;
      if (c.get(co) != simdjson::SUCCESS) return b.fail_at("not an object");
      BULWARK_CHECK(parse_geth_frame(b, co, static_cast<std::int32_t>(i), depth + 1));
      ++b.path_.back();
    }
    b.path_.pop_back();
  }
  b.close(i);
  return {};
}

// ---- callTracer through simdjson On-Demand: one pass over each frame's fields, in document order ----

namespace od = simdjson::ondemand;

std::string_view json_error_name(simdjson::error_code e);

Status od_fail(Builder& b, simdjson::error_code e) {
  return b.fail_at(std::string("malformed JSON: ") + std::string(json_error_name(e)));
}

Status od_quantity(Builder& b, od::value v, U256& out, std::string_view field) {
  od::json_type t;
  if (auto e = v.type().get(t)) return od_fail(b, e);
  if (t == od::json_type::null) return {};
  if (t == od::json_type::string) {
    std::string_view s;
    if (auto e = v.get_string().get(s)) return od_fail(b, e);
    if (s.empty() || s == "0x") return {};
    auto q = U256::parse(s);
    if (!q) return b.fail_at(std::string(field) + ": " + q.error().message);
    out = *q;
    return {};
  }
  std::uint64_t n = 0;
  if (v.get_uint64().get(n) != simdjson::SUCCESS)
    return b.fail_at(std::string(field) + " is not a non-negative quantity");
  out = U256(n);
  return {};
}

/// A string value read in place, without unescaping, when it holds no escapes (calldata never does):
/// saves a copy of most of a trace's bytes. Falls back to od_string otherwise.
Status od_string(Builder& b, od::value v, std::string_view& out, std::string_view field);
Status od_raw_string(Builder& b, od::value v, std::string_view& out, std::string_view field) {
  std::string_view raw = v.raw_json_token();
  {
    while (!raw.empty() &&
           (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t'))
      raw.remove_suffix(1);
    if (raw.size() >= 2 && raw.front() == '"' && raw.back() == '"' &&
        raw.substr(1, raw.size() - 2).find('\\') == std::string_view::npos) {
      out = raw.substr(1, raw.size() - 2);
      return {};
    }
  }
  return od_string(b, v, out, field);
}

Status od_string(Builder& b, od::value v, std::string_view& out, std::string_view field) {
  if (v.get_string().get(out) != simdjson::SUCCESS) return b.fail_at(std::string(field) + " is not a string");
  return {};
}

Status od_logs(Builder& b, od::array logs) {
  for (auto le : logs) {
    od::object lo;
    if (le.get_object().get(lo) != simdjson::SUCCESS) return b.fail_at("a log is not an object");
    TraceLog log;
    for (auto fr : lo) {
      od::field field;
      if (auto e = std::move(fr).get(field)) return od_fail(b, e);
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return od_fail(b, e);
      std::string_view s;
      if (key == "address") {
        BULWARK_CHECK(od_string(b, field.value(), s, "log address"));
        BULWARK_CHECK(b.address(s, log.address, "log address"));
      } else if (key == "topics") {
        od::array topics;
        if (field.value().get_array().get(topics) != simdjson::SUCCESS)
          return b.fail_at("log topics is not an array");
        for (auto te : topics) {
          std::string_view ts;
          if (te.get_string().get(ts) != simdjson::SUCCESS) return b.fail_at("a log topic is not a string");
          auto h = Hash32::parse(ts);
          if (!h) return b.fail_at("log topic: " + h.error().message);
          log.topics.push_back(*h);
        }
      } else if (key == "data") {
        BULWARK_CHECK(od_string(b, field.value(), s, "log data"));
        BULWARK_CHECK(b.bytes(s, log.data_offset, log.data_size, "log data"));
      }
    }
    b.trace.logs.push_back(std::move(log));
  }
  b.trace.has_logs = true;
  return {};
}

Status od_frame(Builder& b, od::object o, std::int32_t parent, std::uint32_t depth) {
  BULWARK_TRY(i, b.open(parent, depth));
  bool typed = false;
  for (auto fr : o) {
    od::field field;
    if (auto e = std::move(fr).get(field)) return od_fail(b, e);
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return od_fail(b, e);
    od::value v = field.value();
    std::string_view s;
    if (key == "type") {
      BULWARK_CHECK(od_string(b, v, s, "type"));
      BULWARK_CHECK(b.kind(s, b.trace.frames[i].kind));
      typed = true;
    } else if (key == "from") {
      BULWARK_CHECK(od_string(b, v, s, "from"));
      BULWARK_CHECK(b.address(s, b.trace.frames[i].from, "from"));
    } else if (key == "to") {
      BULWARK_CHECK(od_string(b, v, s, "to"));
      BULWARK_CHECK(b.address(s, b.trace.frames[i].to, "to"));
    } else if (key == "value") {
      BULWARK_CHECK(od_quantity(b, v, b.trace.frames[i].value, "value"));
    } else if (key == "gasUsed") {
      U256 gas;
      BULWARK_CHECK(od_quantity(b, v, gas, "gasUsed"));
      b.trace.frames[i].gas_used = gas.low_u64();
    } else if (key == "input") {
      BULWARK_CHECK(od_raw_string(b, v, s, "input"));
      std::uint32_t off = 0, size = 0;
      BULWARK_CHECK(b.bytes(s, off, size, "input"));
      b.trace.frames[i].input_offset = off;
      b.trace.frames[i].input_size = size;
      b.set_selector(i);
    } else if (key == "output") {
      bool null = false;
      if (auto e = v.is_null().get(null)) return od_fail(b, e);
      if (null) continue;
      BULWARK_CHECK(od_raw_string(b, v, s, "output"));
      std::uint32_t off = 0, size = 0;
      BULWARK_CHECK(b.bytes(s, off, size, "output"));
      b.trace.frames[i].output_offset = off;
      b.trace.frames[i].output_size = size;
      b.trace.frames[i].has_output = true;
    } else if (key == "error") {
      bool null = false;
      if (auto e = v.is_null().get(null)) return od_fail(b, e);
      if (!null) b.mark_reverted(i);
    } else if (key == "logs") {
      od::array logs;
      if (v.get_array().get(logs) != simdjson::SUCCESS) return b.fail_at("\"logs\" is not an array");
      b.trace.frames[i].log_begin = static_cast<std::uint32_t>(b.trace.logs.size());
      BULWARK_CHECK(od_logs(b, logs));
      b.trace.frames[i].log_count =
          static_cast<std::uint32_t>(b.trace.logs.size()) - b.trace.frames[i].log_begin;
    } else if (key == "calls") {
      bool null = false;
      if (auto e = v.is_null().get(null)) return od_fail(b, e);
      if (null) continue;
      od::array calls;
      if (v.get_array().get(calls) != simdjson::SUCCESS) return b.fail_at("\"calls\" is not an array");
      b.path_.push_back(0);
      for (auto c : calls) {
        od::object co;
        if (auto e = c.get_object().get(co)) {
          if (e == simdjson::INCORRECT_TYPE) return b.fail_at("not an object");
          return od_fail(b, e);
        }
        BULWARK_CHECK(od_frame(b, co, static_cast<std::int32_t>(i), depth + 1));
        ++b.path_.back();
      }
      b.path_.pop_back();
    }
  }
  if (!typed) return b.fail_at("missing \"type\"");
  b.close(i);
  return {};
}

/// Marks every frame under a reverted one failed (fields may come in any order, so after parsing).
void propagate_failure(Trace& t) {
  for (auto& f : t.frames)
    f.failed = f.reverted || (f.parent >= 0 && t.frames[static_cast<std::size_t>(f.parent)].failed);
}

/// The first key of a JSON object text, if it starts with one ("" otherwise).
std::string_view first_key(std::string_view json) {
  std::size_t i = 0;
  auto ws = [&] {
    while (i < json.size() && (json[i] == ' ' || json[i] == '\n' || json[i] == '\r' || json[i] == '\t')) ++i;
  };
  ws();
  if (i >= json.size() || json[i] != '{') return {};
  ++i;
  ws();
  if (i >= json.size() || json[i] != '"') return {};
  const std::size_t start = ++i;
  while (i < json.size() && json[i] != '"' && json[i] != '\\') ++i;
  return json.substr(start, i - start);
}

std::string_view json_error_name(simdjson::error_code e) {
  switch (e) {
    case simdjson::DEPTH_ERROR: return "nested too deeply";
    case simdjson::CAPACITY: return "too large";
    default: return simdjson::error_message(e);
  }
}

/// Parses the document and unwraps a JSON-RPC envelope; `root` receives the payload.
Result<element> open_document(simdjson::dom::parser& parser, std::string_view json,
                              const ParseLimits& limits) {
  (void)limits;
  element doc;
  if (auto e = parser.parse(json.data(), json.size(), true).get(doc); e != simdjson::SUCCESS)
    return fail(ErrorCode::kInvalidArgument,
                std::string("trace is not valid JSON: ") + std::string(json_error_name(e)));
  object o;
  if (doc.get(o) == simdjson::SUCCESS) {
    element err;
    if (o["error"].get(err) == simdjson::SUCCESS && err.is_object()) {
      std::string_view msg;
      if (err["message"].get(msg) != simdjson::SUCCESS) msg = "(no message)";
      return fail(ErrorCode::kUnavailable, "node returned an error instead of a trace: " + std::string(msg));
    }
    element result;
    if (o["result"].get(result) == simdjson::SUCCESS &&
        (o["jsonrpc"].error() == simdjson::SUCCESS || o["id"].error() == simdjson::SUCCESS ||
         result.is_array()))
      return result;
  }
  return doc;
}

Status parse_parity(Builder& b, array entries) {
  // Each entry's traceAddress is its path from the root; entries arrive in pre-order in practice, but
  // sort by path to be safe.
  struct Entry {
    std::vector<std::uint32_t> path;
    object o;
  };
  std::vector<Entry> list;
  for (element e : entries) {
    Entry en;
    if (e.get(en.o) != simdjson::SUCCESS) return b.fail_at("a parity trace entry is not an object");
    array ta;
    if (en.o["traceAddress"].get(ta) != simdjson::SUCCESS) return b.fail_at("entry without traceAddress");
    for (element x : ta) {
      std::uint64_t k = 0;
      if (x.get(k) != simdjson::SUCCESS) return b.fail_at("traceAddress holds a non-integer");
      en.path.push_back(static_cast<std::uint32_t>(k));
    }
    list.push_back(std::move(en));
  }
  if (list.empty()) return b.fail_at("empty parity trace");
  std::stable_sort(list.begin(), list.end(), [](const Entry& x, const Entry& y) { return x.path < y.path; });
  if (!list[0].path.empty()) return b.fail_at("parity trace has no root entry");
  std::vector<std::size_t> stack;  // open frame indices by depth
  for (const Entry& en : list) {
    const std::size_t depth = en.path.size();
    if (depth > stack.size()) return b.fail_at("parity trace entry without its parent");
    while (stack.size() > depth) {
      b.close(stack.back());
      stack.pop_back();
    }
    const std::int32_t parent = stack.empty() ? -1 : static_cast<std::int32_t>(stack.back());
    BULWARK_TRY(i, b.open(parent, static_cast<std::uint32_t>(depth)));
    object action, result;
    if (en.o["action"].get(action) != simdjson::SUCCESS) return b.fail_at("entry without action");
    const bool has_result = en.o["result"].get(result) == simdjson::SUCCESS;
    std::string_view type = str_or_empty(en.o, "type");
    Frame& f = b.trace.frames[i];
    if (type == "call") {
      std::string_view ct = str_or_empty(action, "callType");
      BULWARK_CHECK(b.kind(ct.empty() ? "call" : ct, f.kind));
      BULWARK_CHECK(b.address(str_or_empty(action, "from"), f.from, "from"));
      BULWARK_CHECK(b.address(str_or_empty(action, "to"), f.to, "to"));
      BULWARK_CHECK(b.bytes(str_or_empty(action, "input"), f.input_offset, f.input_size, "input"));
      b.set_selector(i);
      if (has_result && result["output"].error() == simdjson::SUCCESS) {
        BULWARK_CHECK(b.bytes(str_or_empty(result, "output"), f.output_offset, f.output_size, "output"));
        b.trace.frames[i].has_output = true;
      }
    } else if (type == "create") {
      f.kind = str_or_empty(action, "creationMethod") == "create2" ? CallKind::kCreate2 : CallKind::kCreate;
      BULWARK_CHECK(b.address(str_or_empty(action, "from"), f.from, "from"));
      if (has_result) BULWARK_CHECK(b.address(str_or_empty(result, "address"), f.to, "address"));
      BULWARK_CHECK(b.bytes(str_or_empty(action, "init"), f.input_offset, f.input_size, "init"));
    } else if (type == "suicide" || type == "selfdestruct") {
      f.kind = CallKind::kSelfDestruct;
      BULWARK_CHECK(b.address(str_or_empty(action, "address"), f.from, "address"));
      BULWARK_CHECK(b.address(str_or_empty(action, "refundAddress"), f.to, "refundAddress"));
      element bal;
      if (action["balance"].get(bal) == simdjson::SUCCESS)
        BULWARK_CHECK(b.quantity(bal, b.trace.frames[i].value, "balance"));
    } else if (type == "reward") {
      return b.fail_at("a block reward entry is not a transaction trace");
    } else {
      return b.fail_at("unknown parity entry type \"" + printable_excerpt(type, 20) + "\"");
    }
    element v;
    if (action["value"].get(v) == simdjson::SUCCESS)
      BULWARK_CHECK(b.quantity(v, b.trace.frames[i].value, "value"));
    element err;
    if (en.o["error"].get(err) == simdjson::SUCCESS && !err.is_null()) b.mark_reverted(i);
    stack.push_back(i);
  }
  while (!stack.empty()) {
    b.close(stack.back());
    stack.pop_back();
  }
  return {};
}

}  // namespace

std::string_view to_string(CallKind kind) {
  switch (kind) {
    case CallKind::kCall: return "CALL";
    case CallKind::kStaticCall: return "STATICCALL";
    case CallKind::kDelegateCall: return "DELEGATECALL";
    case CallKind::kCallCode: return "CALLCODE";
    case CallKind::kCreate: return "CREATE";
    case CallKind::kCreate2: return "CREATE2";
    case CallKind::kSelfDestruct: return "SELFDESTRUCT";
  }
  return "CALL";
}

std::vector<std::uint8_t> Trace::decode(std::uint32_t offset, std::uint32_t size) const {
  std::vector<std::uint8_t> out(size);
  decode_hex(std::string_view(hex.data() + offset, 2 * std::size_t{size}), out.data());
  return out;
}

bool Trace::hex_word(std::uint32_t offset, std::uint32_t size, std::size_t skip, std::size_t i,
                     U256& out) const {
  const std::size_t off = skip + 32 * i;
  if (size < off + 32) return false;
  std::uint8_t b[32];
  decode_hex(std::string_view(hex.data() + offset + 2 * off, 64), b);
  out = U256::from_be_bytes(std::span<const std::uint8_t>(b, 32));
  return true;
}

bool Trace::word(const Frame& f, std::size_t i, U256& out) const {
  return hex_word(f.input_offset, f.input_size, 4, i, out);
}
bool Trace::output_word(const Frame& f, std::size_t i, U256& out) const {
  return hex_word(f.output_offset, f.output_size, 0, i, out);
}
bool Trace::data_word(const TraceLog& l, std::size_t i, U256& out) const {
  return hex_word(l.data_offset, l.data_size, 0, i, out);
}

namespace {

/// What the On-Demand pass found at the root.
enum class RootShape { kFrame, kParity };

/// Parses a callTracer frame, bare or as a JSON-RPC envelope's result, in one On-Demand pass. Returns
/// kParity (and leaves `b` empty) when the envelope holds an array: a parity-style trace.
Result<RootShape> parse_root_ondemand(Builder& b, std::string_view json) {
  thread_local od::parser parser;
  const simdjson::padded_string padded(json);
  od::document doc;
  auto invalid = [](simdjson::error_code e) {
    return fail(ErrorCode::kInvalidArgument,
                std::string("trace is not valid JSON: ") + std::string(json_error_name(e)));
  };
  if (auto e = parser.iterate(padded).get(doc)) return invalid(e);
  od::object o;
  if (auto e = doc.get_object().get(o)) {
    if (e == simdjson::INCORRECT_TYPE)
      return fail(ErrorCode::kInvalidArgument, "a callTracer trace must be a JSON object (its root frame)");
    return invalid(e);
  }
  const std::string_view k = first_key(json);
  // A frame may start with "error" too (a string); an error response's "error" is an object.
  bool error_object = false;
  if (k == "error") {
    std::size_t at = json.find(':', static_cast<std::size_t>(k.data() - json.data()) + k.size());
    while (at != std::string_view::npos && ++at < json.size() &&
           (json[at] == ' ' || json[at] == '\n' || json[at] == '\t' || json[at] == '\r')) {
    }
    error_object = at != std::string_view::npos && at < json.size() && json[at] == '{';
  }
  if (k != "jsonrpc" && k != "id" && k != "result" && !error_object) {
    BULWARK_CHECK(od_frame(b, o, -1, 0));
    return RootShape::kFrame;
  }
  for (auto fr : o) {
    od::field field;
    if (auto e = std::move(fr).get(field)) return invalid(e);
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return invalid(e);
    od::value v = field.value();
    if (key == "error") {
      od::object err;
      if (v.get_object().get(err) != simdjson::SUCCESS) continue;
      std::string_view msg = "(no message)";
      for (auto ef : err) {
        od::field f2;
        if (std::move(ef).get(f2) != simdjson::SUCCESS) break;
        std::string_view k2;
        if (f2.unescaped_key().get(k2) == simdjson::SUCCESS && k2 == "message" &&
            f2.value().get_string().get(msg) != simdjson::SUCCESS)
          msg = "(no message)";
      }
      return fail(ErrorCode::kUnavailable, "node returned an error instead of a trace: " + std::string(msg));
    }
    if (key != "result") continue;
    od::json_type t;
    if (auto e = v.type().get(t)) return invalid(e);
    if (t == od::json_type::array) return RootShape::kParity;
    od::object frame;
    if (v.get_object().get(frame) != simdjson::SUCCESS)
      return fail(ErrorCode::kInvalidArgument, "a callTracer trace must be a JSON object (its root frame)");
    BULWARK_CHECK(od_frame(b, frame, -1, 0));
    return RootShape::kFrame;
  }
  return fail(ErrorCode::kInvalidArgument, "the JSON-RPC response holds no result");
}

}  // namespace

Result<Trace> parse_call_trace(std::string_view json, const ParseLimits& limits) {
  Builder b(limits);
  BULWARK_TRY(shape, parse_root_ondemand(b, json));
  if (shape == RootShape::kParity)
    return fail(ErrorCode::kInvalidArgument,
                "the result is an array: a parity-style trace, not a callTracer frame");
  propagate_failure(b.trace);
  return std::move(b.trace);
}

Result<Trace> parse_parity_trace(std::string_view json, const ParseLimits& limits) {
  thread_local simdjson::dom::parser parser;
  BULWARK_TRY(root, open_document(parser, json, limits));
  array a;
  if (root.get(a) != simdjson::SUCCESS)
    return fail(ErrorCode::kInvalidArgument, "a parity trace must be a JSON array of trace entries");
  Builder b(limits);
  BULWARK_CHECK(parse_parity(b, a));
  propagate_failure(b.trace);
  return std::move(b.trace);
}

Result<Trace> parse_any_trace(std::string_view json, const ParseLimits& limits) {
  std::size_t i = 0;
  while (i < json.size() && (json[i] == ' ' || json[i] == '\n' || json[i] == '\r' || json[i] == '\t')) ++i;
  if (i < json.size() && json[i] == '[') return parse_parity_trace(json, limits);
  Builder b(limits);
  BULWARK_TRY(shape, parse_root_ondemand(b, json));
  if (shape == RootShape::kParity) return parse_parity_trace(json, limits);
  propagate_failure(b.trace);
  return std::move(b.trace);
}

}  // namespace bulwark::chain
