// libFuzzer target: any bytes through the trace parsers (callTracer On-Demand, JSON-RPC envelopes,
// parity flat traces) and, when they parse, through the flows and every detector. Malformed,
// truncated, deeply nested or huge input must give an error, never a crash or unbounded memory.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "bulwark/detect/detect.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  bulwark::chain::ParseLimits limits;
  limits.max_frames = 100'000;
  auto trace = bulwark::chain::parse_any_trace(json, limits);
  if (trace && !trace->frames.empty()) {
    const auto analysis = bulwark::detect::analyze(*trace, bulwark::detect::DetectConfig{});
    for (const auto& f : analysis.findings) (void)bulwark::detect::to_json(f).dump();
  }
  return 0;
}
