// libFuzzer target for the JSON-RPC response parser: the bytes are a node's response body. It must
// never crash, hang or read out of bounds, and whatever it accepts must be consistent: the "result"
// it returns is a view inside the input that is itself valid JSON.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "bulwark/chain/json_scan.hpp"
#include "bulwark/chain/rpc.hpp"

namespace {

using bulwark::Result;
using namespace bulwark::chain;

/// A transport whose node always answers with the fuzz input.
class CannedTransport final : public RpcTransport {
 public:
  explicit CannedTransport(std::string_view body) : body_(body) {}
  Result<std::string> exchange(std::string_view) override { return std::string(body_); }
  std::string describe() const override { return "fuzz"; }

 private:
  std::string_view body_;
};

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  const bool valid = json_validate(body).has_value();
  if (auto one = parse_rpc_response(body)) {
    check(valid);
    if (!one->is_error) {
      check(inside(one->result, body));
      check(json_validate(one->result).has_value());
    }
  }
  if (auto many = parse_rpc_batch_response(body)) {
    check(valid);
    for (const RpcResponse& r : *many) {
      if (!r.is_error) check(inside(r.result, body) && json_validate(r.result).has_value());
    }
  }
  if (auto members = json_object_members(body)) {
    for (const JsonMember& m : *members) check(inside(m.value, body) && json_validate(m.value).has_value());
  }

  // The whole client path: id checks, result extraction, batch matching.
  JsonRpcClient client(std::make_unique<CannedTransport>(body));
  if (auto r = client.call("eth_call", "[]")) check(json_validate(*r).has_value());
  const RpcRequest calls[] = {{"a", "[]"}, {"b", "[]"}};
  if (auto b = client.batch(calls)) {
    check(b->size() == 2);
    for (const auto& r : *b) {
      if (r) check(json_validate(*r).has_value());
    }
  }
  return 0;
}
