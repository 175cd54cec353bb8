// How fast a JSON-RPC client gets the "result" out of a large node response: chain/'s validating
// scan (what JsonRpcClient does) against a full nlohmann::json parse of the body (what a client that
// builds a document pays) and simdjson's DOM parse of the same bytes (the floor of any parser).
// The body is a 10 MB debug_traceTransaction-like response, generated deterministically.

#include <benchmark/benchmark.h>

#include <simdjson.h>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "bulwark/chain/rpc.hpp"

namespace {

/// A call-tracer-shaped response of about `target` bytes: nested frames with hex inputs and outputs.
std::string make_response(std::size_t target) {
  std::string r = R"({"jsonrpc":"2.0","id":1,"result":{"type":"CALL","from":"0x1","to":"0x2","calls":[)";
  char addr[64];
  for (unsigned i = 0; r.size() < target; ++i) {
    if (i > 0) r += ',';
    std::snprintf(addr, sizeof addr, "0x%040x", i * 2654435761u);
    r += R"({"type":"STATICCALL","from":")";
    r += addr;
    r += R"(","to":")";
    r += addr;
    r += R"(","gas":"0x)" + std::to_string(100000 + i) +
         R"(","gasUsed":"0x5208","value":"0x0","input":"0xa9059cbb)";
    r.append(128, static_cast<char>('0' + i % 10));
    r += R"(","output":"0x)";
    r.append(64, 'f');
    r += R"(","calls":[{"type":"CALL","from":")";
    r += addr;
    r += R"(","to":")";
    r += addr;
    r += R"(","input":"0x","value":"0x1","calls":[]}]})";
  }
  r += "]}}";
  return r;
}

const std::string& body() {
  static const std::string b = make_response(10u << 20);
  return b;
}

void BM_ScanResult(benchmark::State& state) {
  const std::string& b = body();
  for (auto _ : state) {
    auto r = bulwark::chain::parse_rpc_response(b);
    if (!r) state.SkipWithError(r.error().message.c_str());
    benchmark::DoNotOptimize(r->result.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * b.size()));
}

void BM_NlohmannParse(benchmark::State& state) {
  const std::string& b = body();
  for (auto _ : state) {
    auto doc = nlohmann::json::parse(b);
    benchmark::DoNotOptimize(&doc.at("result"));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * b.size()));
}

void BM_SimdjsonParse(benchmark::State& state) {
  const std::string& b = body();
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(b);
  for (auto _ : state) {
    auto doc = parser.parse(padded);
    if (doc.error()) state.SkipWithError(simdjson::error_message(doc.error()));
    benchmark::DoNotOptimize(doc.value_unsafe());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * b.size()));
}

BENCHMARK(BM_ScanResult)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NlohmannParse)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SimdjsonParse)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
