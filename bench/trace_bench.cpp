// Trace-analysis throughput over the real traces in ../shared/data (exploit and benign sets), on one
// core: simdjson's own DOM parse of the same bytes (the floor), Bulwark's parse into a call tree, and
// parse + flows + every detector. Reported as bytes/s (MB of JSON) and items/s (transactions). The
// traces are held padded (chain::TraceText), so Bulwark's parse shares them instead of copying them;
// the floor parses the same bytes with simdjson's own copy into its padded buffer, as it always has.
//
// Also, on a generated trace, what the rules pay where an attack contract loops: BM_LoopParse and
// BM_LoopParseAndDetect read a trace of kLoopRounds rounds, each a balanceOf read of a vault and a call into
// it, ended by a sweep of the vault (the drain rule asks of each read whether a later call passed its value).
//
//   ./build/release/bench/trace_bench [--data DIR] [--kernels portable|avx2|avx512]
//   (default: the shared data beside the repo, and the widest hex kernels the CPU has)

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "bulwark/detect/detect.hpp"

namespace {

std::vector<bulwark::chain::TraceText> g_files;
std::size_t g_bytes = 0;

void load(const std::filesystem::path& dir) {
  for (const auto& sub : {"exploit-traces", "benign-traces"})
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir / sub)) {
      if (!e.is_regular_file() || e.path().extension() != ".json") continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::stringstream s;
      s << in.rdbuf();
      g_files.emplace_back(s.str());
      g_bytes += g_files.back().size();
    }
}

void report(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * g_bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * g_files.size()));
}

void BM_SimdjsonFloor(benchmark::State& state) {
  simdjson::dom::parser parser;
  for (auto _ : state)
    for (const auto& f : g_files) {
      simdjson::dom::element doc;
      if (parser.parse(f.view().data(), f.size(), true).get(doc) != simdjson::SUCCESS)
        state.SkipWithError("parse failed");
      benchmark::DoNotOptimize(doc);
    }
  report(state);
}

// Bulwark's benchmarks reuse one trace (and one analysis) across the files, as the floor reuses its
// parser's buffers and as `bulwark analyze-trace` does.
void BM_ParseTrace(benchmark::State& state) {
  bulwark::chain::Trace t;
  for (auto _ : state)
    for (const auto& f : g_files) {
      if (auto s = bulwark::chain::parse_any_trace_into(f, t); !s)
        state.SkipWithError(s.error().message.c_str());
      benchmark::DoNotOptimize(t);
    }
  report(state);
}

void BM_ParseAndDetect(benchmark::State& state) {
  const bulwark::detect::DetectConfig cfg;
  bulwark::chain::Trace t;
  bulwark::detect::Analysis a;
  for (auto _ : state)
    for (const auto& f : g_files) {
      if (auto s = bulwark::chain::parse_any_trace_into(f, t); !s)
        state.SkipWithError(s.error().message.c_str());
      bulwark::detect::analyze_into(t, cfg, a);
      benchmark::DoNotOptimize(a);
    }
  report(state);
}

BENCHMARK(BM_SimdjsonFloor)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_ParseTrace)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_ParseAndDetect)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// ---- a generated attack loop ----

constexpr int kLoopRounds = 3000;
bulwark::chain::TraceText g_loop;

std::string loop_trace() {
  auto addr = [](unsigned n) { return fmt::format("0x{:040x}", n); };
  auto word = [](std::uint64_t v) { return fmt::format("{:064x}", v); };
  auto call = [&](const char* type, unsigned from, unsigned to, const std::string& input, std::string rest) {
    return fmt::format(R"({{"type":"{}","from":"{}","to":"{}","value":"0x0","input":"{}"{}}})", type,
                       addr(from), addr(to), input, rest);
  };
  constexpr unsigned kSender = 1, kAttack = 2, kVault = 3, kToken = 4, kUser = 5;
  std::string calls;
  for (int i = 0; i < kLoopRounds; ++i) {
    const auto k = static_cast<std::uint64_t>(i);
    calls += call("STATICCALL", kAttack, kToken, "0x70a08231" + word(kVault),
                  fmt::format(R"(,"output":"0x{}")", word(1000000 + k))) +
             ",";
    calls += call("CALL", kAttack, kVault, "0x55555555" + word(kUser) + word(k + 1) + word(5), "") + ",";
  }
  calls += call(
      "CALL", kAttack, kVault, "0x55555555" + word(kUser),
      R"(,"calls":[)" + call("CALL", kVault, kToken, "0xa9059cbb" + word(kAttack) + word(1000000), "") + "]");
  return call("CALL", kSender, kAttack, "0x01", R"(,"calls":[)" + calls + "]");
}

void BM_LoopParse(benchmark::State& state) {
  bulwark::chain::Trace t;
  for (auto _ : state) {
    if (auto s = bulwark::chain::parse_any_trace_into(g_loop, t); !s)
      state.SkipWithError(s.error().message.c_str());
    benchmark::DoNotOptimize(t);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * g_loop.size()));
}

void BM_LoopParseAndDetect(benchmark::State& state) {
  const bulwark::detect::DetectConfig cfg;
  bulwark::chain::Trace t;
  bulwark::detect::Analysis a;
  for (auto _ : state) {
    if (auto s = bulwark::chain::parse_any_trace_into(g_loop, t); !s)
      state.SkipWithError(s.error().message.c_str());
    bulwark::detect::analyze_into(t, cfg, a);
    if (a.findings.empty()) state.SkipWithError("the loop's sweep gave no finding");
    benchmark::DoNotOptimize(a);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * g_loop.size()));
}
BENCHMARK(BM_LoopParse)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LoopParseAndDetect)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path data = BULWARK_SHARED_DATA;
  static constexpr std::string_view kKernelNames[] = {"portable", "avx2", "avx512"};
  std::optional<bulwark::chain::Kernels> kernels;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--data") == 0) data = argv[i + 1];
    if (std::strcmp(argv[i], "--kernels") != 0) continue;
    const auto k = std::find(std::begin(kKernelNames), std::end(kKernelNames), std::string_view(argv[i + 1]));
    if (k == std::end(kKernelNames)) {
      std::cerr << "trace_bench: --kernels takes portable, avx2 or avx512, not '" << argv[i + 1] << "'\n";
      return 2;
    }
    kernels = static_cast<bulwark::chain::Kernels>(k - std::begin(kKernelNames));
  }
  const auto in_use = bulwark::chain::use_kernels(kernels.value_or(bulwark::chain::Kernels::kAvx512));
  if (kernels && in_use != *kernels) {
    std::cerr << "trace_bench: this CPU lacks the " << kKernelNames[static_cast<int>(*kernels)]
              << " kernels\n";
    return 2;
  }
  g_loop = bulwark::chain::TraceText(loop_trace());
  load(data);
  if (g_files.empty()) {
    std::cerr << "trace_bench: no traces under " << data << "\n";
    return 1;
  }
  std::cerr << "trace_bench: " << g_files.size() << " traces, " << static_cast<double>(g_bytes) / 1e6
            << " MB; " << kKernelNames[static_cast<int>(in_use)] << " hex kernels\n";
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
