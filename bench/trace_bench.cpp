// Trace-analysis throughput over the real traces in ../shared/data (exploit and benign sets), on one
// core: simdjson's own DOM parse of the same bytes (the floor), Bulwark's parse into a call tree, and
// parse + flows + every detector. Reported as bytes/s (MB of JSON) and items/s (transactions). The
// traces are held padded (chain::TraceText), so Bulwark's parse shares them instead of copying them;
// the floor parses the same bytes with simdjson's own copy into its padded buffer, as it always has.
//
// Also, on generated traces that repeat one pattern thousands of times (BM_Shape/<shape>/Parse and
// .../ParseAndDetect), whether some rule's work grows faster than the trace it reads.
//
//   ./build/release/bench/trace_bench [--data DIR] [--kernels portable|avx2|avx512]
//                                     [--walk direct|ondemand] [--rounds N]
//   ./build/release/bench/trace_bench --once parse|detect     (one untimed pass, for cachegrind)
//   (default: the shared data beside the repo, the widest hex kernels the CPU has, and the direct walk:
//   --walk ondemand reads every callTracer text through simdjson On-Demand instead)

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
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

/// Parses `text` into `t`, failing the benchmark with the parser's error if it gives one.
void parse_or_fail(benchmark::State& state, const bulwark::chain::TraceText& text, bulwark::chain::Trace& t) {
  if (auto s = bulwark::chain::parse_any_trace_into(text, t); !s)
    state.SkipWithError(s.error().message.c_str());
}

// Bulwark's benchmarks reuse one trace (and one analysis) across the files, as the floor reuses its
// parser's buffers and as `bulwark analyze-trace` does.
void BM_ParseTrace(benchmark::State& state) {
  bulwark::chain::Trace t;
  for (auto _ : state)
    for (const auto& f : g_files) {
      parse_or_fail(state, f, t);
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
      parse_or_fail(state, f, t);
      bulwark::detect::analyze_into(t, cfg, a);
      benchmark::DoNotOptimize(a);
    }
  report(state);
}

BENCHMARK(BM_SimdjsonFloor)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_ParseTrace)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_ParseAndDetect)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// ---- generated traces: the shapes a crafted transaction can repeat ----

// An attacker may send a transaction that repeats one pattern many thousand times (the gas limit allows
// tens of thousands of calls), to slow a monitor down ahead of its exploit. Each shape below repeats, for
// --rounds rounds (3,000 unless told), a pattern that one rule looks at; Parse and ParseAndDetect of each
// show whether that rule's work grows faster than the trace.
int g_rounds = 3000;  // --rounds

/// One callTracer frame, written as JSON.
struct Gen {
  std::string type = "CALL";
  unsigned from = 0, to = 0;
  std::string input = "0x";
  std::string output;  // empty: none
  std::vector<Gen> calls;
  std::uint64_t value = 0;  // wei sent with the call

  std::string json() const {
    std::string s = fmt::format(R"({{"type":"{}","from":"{}","to":"{}","value":"0x{:x}","input":"{}")", type,
                                address(from), address(to), value, input);
    if (!output.empty()) s += fmt::format(R"(,"output":"{}")", output);
    if (!calls.empty()) {
      s += R"(,"calls":[)";
      for (std::size_t k = 0; k < calls.size(); ++k) s += (k ? "," : "") + calls[k].json();
      s += "]";
    }
    return s + "}";
  }
  static std::string address(unsigned n) { return fmt::format("0x{:040x}", n); }
};

std::string word(std::uint64_t v) {
  return fmt::format("{:064x}", v);
}
std::string transfer(unsigned to, std::uint64_t amount) {
  return "0xa9059cbb" + word(to) + word(amount);
}

constexpr unsigned kSender = 1, kAttack = 2, kVault = 3, kToken = 4, kUser = 5, kLender = 6, kPool = 7,
                   kOther = 8, kSpender = 9;
constexpr unsigned kMany = 1000;  // kMany + i: the i-th of many distinct accounts

/// What a shape repeats, by name.
const std::vector<std::pair<std::string, std::function<Gen()>>> kShapes = {
    // The drain rule asks of each balance read whether a later call passed its value to the holder.
    {"balance_reads_and_calls",
     [] {
       Gen root{"CALL", kSender, kAttack, "0x01"};
       for (int i = 0; i < g_rounds; ++i) {
         const auto k = static_cast<std::uint64_t>(i);
         root.calls.push_back(
             {"STATICCALL", kAttack, kToken, "0x70a08231" + word(kVault), "0x" + word(1000000 + k)});
         root.calls.push_back({"CALL", kAttack, kVault, "0x55555555" + word(kUser) + word(k + 1) + word(5)});
       }
       root.calls.push_back({"CALL",
                             kAttack,
                             kVault,
                             "0x55555555" + word(kUser),
                             "",
                             {{"CALL", kVault, kToken, transfer(kAttack, 1000000)}}});
       return root;
     }},
    // Many victims, each with its balance read: the drain rule's pre-balances.
    {"many_victims_read",
     [] {
       Gen root{"CALL", kSender, kAttack, "0x01"};
       for (unsigned i = 0; i < static_cast<unsigned>(g_rounds); ++i) {
         root.calls.push_back(
             {"STATICCALL", kAttack, kToken, "0x70a08231" + word(kMany + i), "0x" + word(100)});
         root.calls.push_back({"CALL",
                               kAttack,
                               kMany + i,
                               "0x55555555",
                               "",
                               {{"CALL", kMany + i, kToken, transfer(kAttack, 100)}}});
       }
       return root;
     }},
    // Callbacks nobody asked for, each paid out of: the spoofed-callback rule.
    {"spoofed_callbacks",
     [] {
       Gen root{"CALL", kSender, kAttack, "0x01"};
       for (int i = 0; i < g_rounds; ++i)
         root.calls.push_back({"CALL",
                               kAttack,
                               kVault,
                               "0xfa461e33" + word(1) + word(2),
                               "",
                               {{"CALL", kVault, kToken, transfer(kAttack, 1)}}});
       return root;
     }},
    // A lender that calls its borrower back again and again, paid a little in each callback.
    {"loan_callbacks",
     [] {
       Gen loan{"CALL", kAttack, kLender, "0x5cffe9de" + word(1000)};
       loan.calls.push_back({"CALL", kLender, kToken, transfer(kAttack, 1000)});
       for (int i = 0; i < g_rounds; ++i)
         loan.calls.push_back({"CALL",
                               kLender,
                               kAttack,
                               "0x23e30c8b" + word(1),
                               "",
                               {{"CALL", kAttack, kToken, transfer(kLender, 1)}}});
       loan.calls.push_back({"CALL", kAttack, kToken, transfer(kLender, 1000)});
       return Gen{"CALL", kSender, kAttack, "0x01", "", {loan}};
     }},
    // A flash loan repaid by thousands of small payments inside one deposit into the lender.
    {"loan_repaid_by_deposit",
     [] {
       Gen deposit{"CALL", kAttack, kLender, "0x47e7ef24" + word(kToken) + word(1)};
       for (int i = 0; i < g_rounds; ++i)
         deposit.calls.push_back(
             {"CALL", kLender, kToken, "0x23b872dd" + word(kAttack) + word(kLender) + word(1)});
       Gen loan{"CALL", kAttack, kLender, "0x5cffe9de" + word(1000)};
       loan.calls.push_back({"CALL", kLender, kToken, transfer(kAttack, 1000)});
       loan.calls.push_back({"CALL", kLender, kAttack, "0x23e30c8b" + word(1), "", {deposit}});
       Gen profit{"CALL",       kAttack, kVault,
                  "0x11111111", "",      {{"CALL", kVault, kOther, transfer(kAttack, 5)}}};
       return Gen{"CALL", kSender, kAttack, "0x01", "", {loan, profit}};
     }},
    // Thousands of tokens, each bought for dollars from its own pool: the valuation of every asset.
    {"many_tokens_bought",
     [] {
       Gen root{"CALL", kSender, kAttack, "0x01"};
       for (unsigned i = 0; i < static_cast<unsigned>(g_rounds); ++i) {
         root.calls.push_back({"CALL", kAttack, kToken, transfer(kMany + i, 10)});
         root.calls.push_back({"CALL",
                               kAttack,
                               kMany + i,
                               "0x022c0d9f",
                               "",
                               {{"CALL", kMany + i, 2 * kMany + i, transfer(kAttack, 7)}}});
       }
       return root;
     }},
    // A contract minting thousands of tokens to the sender's side: what each minter issued.
    {"many_tokens_minted",
     [] {
       Gen mints{"CALL", kAttack, kVault, "0x33333333"};
       for (unsigned i = 0; i < static_cast<unsigned>(g_rounds); ++i)
         mints.calls.push_back({"CALL", kVault, kMany + i, "0x40c10f19" + word(kAttack) + word(1)});
       return Gen{"CALL", kSender, kAttack, "0x01", "", {mints}};
     }},
    // Many contracts approving the sender's side without limit: the granted-approvals rule.
    {"granted_approvals",
     [] {
       Gen root{"CALL", kSender, kAttack, "0x01"};
       const std::string unlimited = "0x095ea7b3" + word(kAttack) + std::string(64, 'f');
       for (unsigned i = 0; i < static_cast<unsigned>(g_rounds); ++i)
         root.calls.push_back(
             {"CALL", kAttack, kMany + i, "0x11111111", "", {{"CALL", kMany + i, kToken, unlimited}}});
       return root;
     }},
    // Many owners pulled from by a spender at the sender's side's word: the approval-pull rule.
    {"named_pulls",
     [] {
       Gen root{"CALL", kSender, kAttack, "0x01"};
       for (unsigned i = 0; i < static_cast<unsigned>(g_rounds); ++i)
         root.calls.push_back(
             {"CALL",
              kAttack,
              kSpender,
              "0x22222222" + word(kMany + i) + word(kAttack),
              "",
              {{"CALL", kSpender, kToken, "0x23b872dd" + word(kMany + i) + word(kAttack) + word(5)}}});
       return root;
     }},
    // Many owners named to helpers that have a spender pull them into the helper and pass the tokens on:
    // the approval-pull rule's pass-throughs, each a distinct contract.
    {"pass_through_pulls",
     [] {
       Gen root{"CALL", kSender, kAttack, "0x01"};
       for (unsigned i = 0; i < static_cast<unsigned>(g_rounds); ++i) {
         const unsigned owner = kMany + i, helper = 2 * kMany + i;
         Gen pull{
             "CALL",   helper,
             kSpender, "0x99999999" + word(owner) + word(helper),
             "",       {{"CALL", kSpender, kToken, "0x23b872dd" + word(owner) + word(helper) + word(5)}}};
         root.calls.push_back({"CALL",
                               kAttack,
                               helper,
                               "0x88888888" + word(owner),
                               "",
                               {pull, {"CALL", helper, kToken, transfer(kAttack, 5)}}});
       }
       return root;
     }},
    // A lender of the coin that pays it again and again into the borrower's receive function, each time
    // repaid with a fee: the flash-loan rule's loans paid by their callback.
    {"coin_loan_callbacks",
     [] {
       Gen loan{"CALL", kAttack, kLender, "0x6e2246a7"};
       for (int i = 0; i < g_rounds; ++i) {
         Gen repay{"CALL", kAttack, kLender};
         repay.value = 1001;
         Gen pay{"CALL", kLender, kAttack, "0x", "", {repay}};
         pay.value = 1000;
         loan.calls.push_back(pay);
       }
       return Gen{"CALL", kSender, kAttack, "0x01", "", {loan}};
     }},
    // Many trades through one pool: the round-trip rule.
    {"pool_trades",
     [] {
       Gen root{"CALL", kSender, kAttack, "0x01"};
       for (int i = 0; i < g_rounds; ++i) {
         root.calls.push_back({"CALL", kAttack, kToken, transfer(kPool, 10)});
         root.calls.push_back({"CALL",
                               kAttack,
                               kPool,
                               "0x022c0d9f" + word(0) + word(10) + word(kAttack) + word(128),
                               "",
                               {{"CALL", kPool, kOther, transfer(kAttack, 10)}}});
       }
       return root;
     }},
};

struct Shape {
  std::string name;
  bulwark::chain::TraceText text;
};
std::vector<Shape> g_shapes;

void BM_ShapeParse(benchmark::State& state, const Shape* shape) {
  bulwark::chain::Trace t;
  for (auto _ : state) {
    parse_or_fail(state, shape->text, t);
    benchmark::DoNotOptimize(t);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * shape->text.size()));
}

void BM_ShapeParseAndDetect(benchmark::State& state, const Shape* shape) {
  // kToken is a dollar token here, so that the valuation runs where the shapes pay in it.
  bulwark::detect::DetectConfig cfg;
  cfg.tables.usd_tokens[*bulwark::Address::parse(Gen::address(kToken))] = 18;
  bulwark::chain::Trace t;
  bulwark::detect::Analysis a;
  for (auto _ : state) {
    parse_or_fail(state, shape->text, t);
    bulwark::detect::analyze_into(t, cfg, a);
    benchmark::DoNotOptimize(a);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * shape->text.size()));
}

void register_shapes() {
  g_shapes.reserve(kShapes.size());
  for (const auto& [name, gen] : kShapes) {
    g_shapes.push_back({name, bulwark::chain::TraceText(gen().json())});
    const Shape* shape = &g_shapes.back();
    benchmark::RegisterBenchmark(("BM_Shape/" + name + "/Parse").c_str(), BM_ShapeParse, shape)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_Shape/" + name + "/ParseAndDetect").c_str(), BM_ShapeParseAndDetect,
                                 shape)
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path data = BULWARK_SHARED_DATA;
  static constexpr std::string_view kKernelNames[] = {"portable", "avx2", "avx512"};
  std::optional<bulwark::chain::Kernels> kernels;
  std::optional<std::string_view> once;
  bool direct = true;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--data") == 0) data = argv[i + 1];
    if (std::strcmp(argv[i], "--once") == 0) {
      once = argv[i + 1];
      if (once != "parse" && once != "detect") {
        std::cerr << "trace_bench: --once takes parse or detect, not '" << *once << "'\n";
        return 2;
      }
    }
    if (std::strcmp(argv[i], "--walk") == 0) {
      const std::string_view w = argv[i + 1];
      if (w != "direct" && w != "ondemand") {
        std::cerr << "trace_bench: --walk takes direct or ondemand, not '" << w << "'\n";
        return 2;
      }
      direct = w == "direct";
    }
    if (std::strcmp(argv[i], "--rounds") == 0 && (g_rounds = std::atoi(argv[i + 1])) <= 0) {
      std::cerr << "trace_bench: --rounds takes a positive number, not '" << argv[i + 1] << "'\n";
      return 2;
    }
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
  bulwark::chain::use_direct_walk(direct);
  load(data);
  if (g_files.empty()) {
    std::cerr << "trace_bench: no traces under " << data << "\n";
    return 1;
  }
  // --once parse|detect: one pass over the traces and no timing, for a tool that counts instructions
  // (valgrind --tool=cachegrind), which the load on the machine does not move.
  if (once) {
    const bulwark::detect::DetectConfig cfg;
    bulwark::chain::Trace t;
    bulwark::detect::Analysis a;
    std::size_t findings = 0;
    for (const auto& f : g_files) {
      if (auto s = bulwark::chain::parse_any_trace_into(f, t); !s) {
        std::cerr << "trace_bench: " << s.error().message << "\n";
        return 1;
      }
      if (*once == "detect") {
        bulwark::detect::analyze_into(t, cfg, a);
        findings += a.findings.size();
      }
    }
    std::cerr << "trace_bench: " << g_files.size() << " traces, " << findings << " findings\n";
    return 0;
  }
  register_shapes();
  std::cerr << "trace_bench: " << g_files.size() << " traces, " << static_cast<double>(g_bytes) / 1e6
            << " MB; " << kKernelNames[static_cast<int>(in_use)] << " hex kernels; "
            << (direct ? "direct" : "On-Demand") << " walk\n";
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
