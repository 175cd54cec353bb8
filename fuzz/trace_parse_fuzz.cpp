// libFuzzer target: any bytes through the trace parsers (callTracer's direct walk and On-Demand, JSON-RPC
// envelopes, parity flat traces) and, when they parse, through the flows and every detector. Malformed,
// truncated, deeply nested or huge input must give an error, never a crash or unbounded memory; and the
// direct walk, the parser's fast path, must give what the On-Demand parse alone gives (the same tree, or
// the same error), or the target aborts.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "bulwark/detect/detect.hpp"
#include "bulwark/detect/test_traces.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  bulwark::chain::ParseLimits limits;
  limits.max_frames = 100'000;
  bulwark::chain::use_direct_walk(false);
  const std::string on_demand = bulwark::testing::describe(bulwark::chain::parse_any_trace(json, limits));
  bulwark::chain::use_direct_walk(true);
  auto trace = bulwark::chain::parse_any_trace(json, limits);
  if (const std::string direct = bulwark::testing::describe(trace); direct != on_demand) {
    std::fprintf(stderr, "the direct walk and On-Demand disagree\ndirect:\n%s\nOn-Demand:\n%s\n",
                 direct.c_str(), on_demand.c_str());
    std::abort();
  }
  if (trace && !trace->frames.empty()) {
    const auto analysis = bulwark::detect::analyze(*trace, bulwark::detect::DetectConfig{});
    for (const auto& f : analysis.findings) (void)bulwark::detect::to_json(f).dump();
  }
  return 0;
}
