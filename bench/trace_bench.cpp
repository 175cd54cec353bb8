// Trace-analysis throughput over the real traces in ../shared/data (exploit and benign sets), on one
// core: simdjson's own DOM parse of the same bytes (the floor), Bulwark's parse into a call tree, and
// parse + flows + every detector. Reported as bytes/s (MB of JSON) and items/s (transactions). The
// traces are held padded (chain::TraceText), so Bulwark's parse shares them instead of copying them;
// the floor parses the same bytes with simdjson's own copy into its padded buffer, as it always has.
//
//   ./build/release/bench/trace_bench [--data DIR]        (default: the shared data beside the repo)

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
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

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path data = BULWARK_SHARED_DATA;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--data") == 0) data = argv[i + 1];
  load(data);
  if (g_files.empty()) {
    std::cerr << "trace_bench: no traces under " << data << "\n";
    return 1;
  }
  std::cerr << "trace_bench: " << g_files.size() << " traces, " << static_cast<double>(g_bytes) / 1e6
            << " MB\n";
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
