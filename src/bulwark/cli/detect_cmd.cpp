#include "bulwark/cli/detect_cmd.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "bulwark/chain/node.hpp"
#include "bulwark/chain/rpc.hpp"
#include "bulwark/cli/context.hpp"
#include "bulwark/core/hex.hpp"
#include "bulwark/cover/node_settlement_chain.hpp"
#include "bulwark/cover/node_trace_source.hpp"
#include "bulwark/cover/response.hpp"
#include "bulwark/detect/detect.hpp"
#include "bulwark/monitor/follower.hpp"
#include "bulwark/store/schema.hpp"
#include "bulwark/store/store.hpp"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <thread>

namespace bulwark::cli {
namespace {

struct AnalyzeOptions {
  std::vector<std::string> files;
  bool quiet = false;
  std::size_t max_flows = 64;
  double drain_fraction = 0.5;
  double price_move = 0.10;
  double native_usd = 1000;
  double profit_usd = 40'000;
  double profit_usd_alone = 1'000'000;
  double backed_borrow = 0.9;
};

/// The JSON line of one analysed trace, counting incident-grade results in `incidents`.
/// `a` holds the analysis afterwards; passing the same one for every trace reuses its buffers.
nlohmann::json analysis_line(std::string tx, const chain::Trace& trace, const detect::DetectConfig& cfg,
                             std::size_t max_flows, std::size_t& incidents, detect::Analysis& a) {
  nlohmann::json line{{"tx", std::move(tx)}};
  detect::analyze_into(trace, cfg, a);
  line["findings"] = nlohmann::json::array();
  for (const auto& f : a.findings) line["findings"].push_back(detect::to_json(f));
  line["flows"] = detect::flows_to_json(a.flows, max_flows);
  if (detect::incident_grade(a.max_severity())) ++incidents;
  return line;
}

nlohmann::json error_line(std::string tx, const Error& e) {
  return {{"tx", std::move(tx)}, {"error", {{"code", to_string(e.code)}, {"message", e.message}}}};
}

struct AnalyzeTxOptions {
  std::string rpc;
  std::string tracer = "call";
  std::vector<std::string> txs;
  std::size_t max_flows = 64;
};

/// A transaction's call tree from the default struct-log tracer (with memory), for nodes without
/// callTracer: the transaction itself (eth_getTransactionByHash) gives the root frame.
Result<chain::Trace> struct_log_trace(chain::RpcClient& rpc, const Hash32& h) {
  const std::string params = "[\"" + h.to_hex() + "\"]";
  BULWARK_TRY(txt, rpc.call("eth_getTransactionByHash", params));
  const auto tx = nlohmann::json::parse(txt, nullptr, false);
  if (!tx.is_object()) return fail(ErrorCode::kNotFound, "the node does not know transaction " + h.to_hex());
  chain::TxCall call;
  auto addr = [&](const char* key, Address& out) -> Status {
    if (!tx.contains(key) || tx[key].is_null()) return {};
    if (!tx[key].is_string())
      return fail(ErrorCode::kCorrupt, std::string("transaction field ") + key + " is not a string");
    auto a = Address::parse(tx[key].get<std::string>());
    if (!a) return std::unexpected(with_context(a.error(), key));
    out = *a;
    return {};
  };
  BULWARK_CHECK(addr("from", call.from));
  BULWARK_CHECK(addr("to", call.to));
  call.create = !tx.contains("to") || tx["to"].is_null();
  if (tx.contains("value") && tx["value"].is_string()) {
    auto v = U256::parse(tx["value"].get<std::string>());
    if (!v) return std::unexpected(with_context(v.error(), "value"));
    call.value = *v;
  }
  if (tx.contains("input") && tx["input"].is_string()) call.input_hex = tx["input"].get<std::string>();
  BULWARK_TRY(raw, rpc.call("debug_traceTransaction",
                            "[\"" + h.to_hex() + "\",{\"enableMemory\":true,\"disableStorage\":true}]"));
  return chain::parse_struct_logs(raw, call);
}

int run_analyze_tx(const AnalyzeTxOptions& o) {
  std::vector<Hash32> hashes;
  for (const auto& t : o.txs) {
    auto h = Hash32::parse(t);
    if (!h) {
      std::cerr << "error: transaction hash " << printable_excerpt(t) << ": " << h.error().message << '\n';
      return exit_code(ErrorCode::kInvalidArgument);
    }
    hashes.push_back(*h);
  }
  auto client = chain::connect_http(o.rpc);
  if (!client) {
    std::cerr << "error: --rpc: " << client.error().message << '\n';
    return exit_code(client.error().code);
  }
  chain::Node node(**client);
  const detect::DetectConfig cfg;
  std::size_t incidents = 0;
  int rc = 0;
  for (const auto& h : hashes) {
    auto trace = o.tracer == "struct" ? struct_log_trace(**client, h) : [&]() -> Result<chain::Trace> {
      BULWARK_TRY(raw, node.trace_transaction_call(h, true));
      return chain::parse_call_trace(raw);
    }();
    if (!trace) {
      std::cout << error_line(h.to_hex(), trace.error()).dump() << '\n';
      std::cerr << "error: " << h.to_hex() << ": " << trace.error().message << '\n';
      rc = exit_code(trace.error().code);
      continue;
    }
    detect::Analysis a;
    std::cout << analysis_line(h.to_hex(), *trace, cfg, o.max_flows, incidents, a).dump() << '\n';
  }
  return rc;
}

int run_analyze_trace(const AnalyzeOptions& o) {
  detect::DetectConfig cfg;
  cfg.drain_fraction = o.drain_fraction;
  cfg.price_move = o.price_move;
  cfg.native_usd = o.native_usd;
  cfg.profit_usd = o.profit_usd;
  cfg.profit_usd_alone = o.profit_usd_alone;
  cfg.backed_borrow = o.backed_borrow;
  std::size_t done = 0, failed = 0, incidents = 0;
  chain::Trace trace;  // one trace and one analysis for all the files: their buffers are reused
  detect::Analysis analysis;
  for (const auto& path : o.files) {
    const std::string name = std::filesystem::path(path).stem().string();
    auto text = read_text(path, "trace file");
    const Status parsed = text ? chain::parse_any_trace_into(chain::TraceText(std::move(*text)), trace)
                               : Status(std::unexpected(text.error()));
    if (!parsed) {
      ++failed;
      std::cout << error_line(name, parsed.error()).dump() << '\n';
      std::cerr << "error: " << path << ": " << parsed.error().message << '\n';
      continue;
    }
    std::cout << analysis_line(name, trace, cfg, o.max_flows, incidents, analysis).dump() << '\n';
    ++done;
    if (!o.quiet && o.files.size() >= 200 && done % 500 == 0)
      std::cerr << "analyze-trace: " << done << "/" << o.files.size() << " files, " << incidents
                << " incident-grade\n";
  }
  if (!o.quiet && o.files.size() > 1)
    std::cerr << "analyze-trace: " << done << " analysed, " << failed << " unreadable, " << incidents
              << " with an incident-grade finding\n";
  return failed ? exit_code(ErrorCode::kInvalidArgument) : 0;
}

struct MonitorOptions {
  std::vector<std::string> rpc;  // URL or CHAIN_ID=URL
  std::optional<std::uint64_t> from, to;
  std::string watch;
  std::uint64_t confirmations = 0;
  std::uint64_t depeg_duration = 3600;
  double depeg_band = 0.03;
  std::uint64_t drain_window = 20;
  double drain_fraction = 0.5;
  int poll_ms = 100;
  double lease_seconds = 15;
  std::string owner;  // default: host:pid
  bool quiet = false;
  bool respond = false;           // open, verify and pay incidents of covered contracts
  std::string treasury_key_file;  // and settle the payouts on-chain
  bool settle = false;
};

/// Set by SIGINT/SIGTERM: the monitor gives its leases back and exits.
std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) {
  g_stop.store(true);
}

/// "host:pid", the default owner id of a monitor's leases.
std::string default_owner() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || !host[0]) std::snprintf(host, sizeof host, "localhost");
  return std::string(host) + ":" + std::to_string(::getpid());
}

/// One followed chain: its client, node, source and follower; the evidence source and settler of
/// the responder.
struct Chain {
  std::uint64_t id = 0;
  std::unique_ptr<chain::RpcClient> rpc;
  std::unique_ptr<chain::Node> node;
  std::unique_ptr<monitor::NodeBlockSource> source;
  std::unique_ptr<monitor::Follower> follower;
  std::unique_ptr<cover::NodeTraceSource> evidence;
  std::unique_ptr<cover::NodeSettlementChain> settlement_chain;
  std::unique_ptr<cover::Settler> settler;
  int failures = 0;
};

/// Prints what the responder did as JSON lines: incidents, payouts and settlement passes.
void print_response(std::uint64_t chain_id, const std::vector<cover::Incident>& incidents) {
  for (const auto& inc : incidents)
    std::cout << nlohmann::json{{"chain_id", chain_id}, {"incident", cover::to_json(inc)}}.dump()
              << std::endl;
}

void print_tick(const cover::ResponseTick& t) {
  for (const auto& p : t.paid) std::cout << nlohmann::json{{"payout", cover::to_json(p)}}.dump() << std::endl;
  for (const auto& [chain, pass] : t.settled)
    if (pass.signed_new + pass.mined + pass.confirmed + pass.reorged + pass.failed + pass.bumped +
            pass.renonced >
        0)
      std::cout << nlohmann::json{{"settlement",
                                   {{"chain_id", chain},
                                    {"signed", pass.signed_new},
                                    {"mined", pass.mined},
                                    {"confirmed", pass.confirmed},
                                    {"reorged", pass.reorged},
                                    {"bumped", pass.bumped},
                                    {"failed", pass.failed},
                                    {"pending", pass.pending},
                                    {"waiting", pass.waiting},
                                    {"notes", pass.notes}}}}
                       .dump()
                << std::endl;
}

int run_monitor(const MonitorOptions& o, const Global& global) {
  auto report = [](const Error& e) {
    std::cerr << "error: " << e.message << '\n';
    return exit_code(e.code);
  };
  std::vector<monitor::FeedWatch> feeds;
  std::vector<monitor::BalanceWatch> balances;
  if (!o.watch.empty()) {
    auto text = read_text(o.watch, "--watch");
    if (!text) return report(text.error());
    const auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded())
      return report(Error{ErrorCode::kInvalidArgument, "--watch " + o.watch + " is not JSON"});
    auto f = monitor::parse_watch(j);
    if (!f) return report(f.error());
    feeds = std::move(*f);
    auto b = monitor::parse_balance_watch(j);
    if (!b) return report(b.error());
    balances = std::move(*b);
  }
  auto deployment = load_deployment_config(global.config);
  if (!deployment) return report(deployment.error());
  std::optional<PrivateKey> treasury;
  if (o.settle) {
    auto key = read_treasury_key(o.treasury_key_file);
    if (!key) return report(key.error());
    treasury = std::move(*key);
  }
  auto store = store::open_store(global.db);
  if (!store) return report(store.error());
  CliClock clock;
  cover::IncidentResponder responder(**store, clock, deployment->claims);
  const std::string owner = o.owner.empty() ? default_owner() : o.owner;
  std::vector<Chain> chains;
  for (const auto& spec : o.rpc) {
    Chain c;
    std::string url = spec;
    std::optional<std::uint64_t> want;
    if (auto eq = spec.find('='); eq != std::string::npos && spec.find("://") > eq) {
      auto id = U256::from_dec(spec.substr(0, eq));
      if (!id || !id->fits_u64())
        return report(
            Error{ErrorCode::kInvalidArgument, "--rpc " + spec + ": the chain id before = is not a number"});
      want = id->low_u64();
      url = spec.substr(eq + 1);
    }
    auto client = chain::connect_http(url);
    if (!client) return report(with_context(client.error(), "--rpc " + url));
    c.rpc = std::move(*client);
    c.node = std::make_unique<chain::Node>(*c.rpc);
    auto id = c.node->chain_id();
    if (!id) return report(with_context(id.error(), "--rpc " + url));
    if (want && *want != *id)
      return report(Error{ErrorCode::kInvalidArgument, "--rpc " + spec + ": the node serves chain " +
                                                           std::to_string(*id) + ", not " +
                                                           std::to_string(*want)});
    for (const auto& other : chains)
      if (other.id == *id)
        return report(Error{ErrorCode::kInvalidArgument, "chain " + std::to_string(*id) + " given twice"});
    c.id = *id;
    c.source = std::make_unique<monitor::NodeBlockSource>(*c.node);
    chains.push_back(std::move(c));
  }
  // Leases, even for a single monitor: several processes may share the store.
  SystemClock lease_clock;
  std::vector<std::uint64_t> ids;
  for (const auto& c : chains) ids.push_back(c.id);
  monitor::Leases leases(**store, lease_clock,
                         monitor::LeaseOptions{owner, static_cast<std::int64_t>(o.lease_seconds * 1000)},
                         ids);
  for (auto& c : chains) {
    monitor::FollowerConfig cfg;
    cfg.chain_id = c.id;
    cfg.from = o.from;
    cfg.to = o.to;
    cfg.confirmations = o.confirmations;
    cfg.feeds = feeds;
    cfg.depeg_band = o.depeg_band;
    cfg.depeg_duration = o.depeg_duration;
    for (const auto& b : balances)
      if (!b.chain_id || *b.chain_id == c.id) cfg.balances.push_back(b);
    cfg.drain_window = o.drain_window;
    cfg.detect.drain_fraction = o.drain_fraction;
    c.follower = std::make_unique<monitor::Follower>(*c.source, **store, cfg, &leases);
    if (o.respond) {
      c.evidence = std::make_unique<cover::NodeTraceSource>(c.id, *c.node);
      if (treasury) {
        c.settlement_chain = std::make_unique<cover::NodeSettlementChain>(*c.node);
        c.settler = std::make_unique<cover::Settler>(**store, clock, *c.settlement_chain, *treasury,
                                                     deployment->settlement);
      }
      responder.add_chain(c.id, *c.evidence, c.settler.get());
    }
  }
  g_stop.store(false);
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sa.sa_flags = SA_RESETHAND;  // a second signal ends the process at once
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  auto finish = [&](int rc) {
    if (auto r = leases.release_all(); !r && !o.quiet)
      std::cerr << "monitor: giving the leases back: " << r.error().message << '\n';
    return rc;
  };
  auto say = [&](const std::string& what) {
    if (!o.quiet) std::cerr << "monitor: " << what << '\n';
  };
  // With --to, a chain another monitor holds is done once its stored checkpoint reaches --to.
  auto done_elsewhere = [&](const Chain& c) {
    bool done = false;
    auto r = (*store)->transact(store::TxMode::kRead, [&](store::Tx& tx) -> Status {
      BULWARK_TRY(cp, tx.get(store::schema::chain_checkpoints(), {std::to_string(c.id)}));
      std::uint64_t at = 0;
      const std::string& text = cp ? (*cp)[1] : std::string();
      done = cp && o.to && std::from_chars(text.data(), text.data() + text.size(), at).ec == std::errc() &&
             at >= *o.to;
      return {};
    });
    return r && done;
  };
  // The responder's faults (a node that cannot give evidence, a busy store) are reported and tried
  // again on the next round: every step is idempotent.
  auto respond = [&](const Chain& c, const monitor::Event& e) {
    if (!o.respond || e.retracted || !detect::incident_grade(e.finding.severity)) return;
    // The block's time is the incident's time (cover bought after it pays nothing).
    auto header = c.node->block_header(e.block);
    const UnixTime time = header ? UnixTime(header->timestamp) : clock.now();
    Result<std::vector<cover::Incident>> opened = std::vector<cover::Incident>{};
    if (auto tx = Hash32::parse(e.tx)) {
      opened = responder.on_finding({c.id, *tx, e.finding, e.block, time});
    } else if (auto first = detect::depeg_first_block(e.finding); first && !e.finding.victims.empty()) {
      opened = responder.on_watch({c.id, e.finding.victims.front(), e.finding, *first, e.block, time});
    }
    if (!opened)
      std::cerr << "monitor: chain " << c.id << ": incident for " << e.tx << ": " << opened.error().message
                << '\n';
    else
      print_response(c.id, *opened);
  };
  for (;;) {
    if (g_stop.load()) {
      say("stopping: giving the leases back");
      return finish(0);
    }
    if (leases.round_due()) {
      auto changes = leases.balance();
      if (!changes) return finish(report(with_context(changes.error(), "leases")));
      for (const auto& l : changes->lost)
        say("chain " + std::to_string(l.chain_id) + ": lease lost to " + l.owner + " (epoch " +
            std::to_string(l.epoch) + ")");
      for (const auto& l : changes->released)
        say("chain " + std::to_string(l.chain_id) + ": lease given back (epoch " + std::to_string(l.epoch) +
            ", " + std::to_string(changes->monitors) + " monitors share the store)");
      for (const auto& l : changes->taken)
        say("chain " + std::to_string(l.chain_id) + ": lease taken by " + owner + " (epoch " +
            std::to_string(l.epoch) + ")");
    }
    bool all_done = true;
    for (auto& c : chains) {
      if (g_stop.load()) break;
      if (!leases.holds(c.id)) {
        all_done = false;
        continue;
      }
      if (c.follower->done()) continue;
      all_done = false;
      auto n = c.follower->poll([&](const monitor::Event& e) {
        std::cout << e.to_json(c.id).dump() << std::endl;
        respond(c, e);
      });
      if (!n) {
        if (!leases.holds(c.id)) {
          say("chain " + std::to_string(c.id) + ": " + n.error().message);  // fenced out: follow the others
          continue;
        }
        // A node fault (restart, timeout): keep the checkpoint and retry with backoff; a store fault or a
        // too-deep reorg ends the run.
        if (n.error().code != ErrorCode::kUnavailable && n.error().code != ErrorCode::kIo &&
            n.error().code != ErrorCode::kConflict && n.error().code != ErrorCode::kNotFound)
          return finish(report(with_context(n.error(), "chain " + std::to_string(c.id))));
        ++c.failures;
        say("chain " + std::to_string(c.id) + ": " + n.error().message + " (retrying)");
        continue;
      }
      c.failures = 0;
      if (*n > 0)
        say("chain " + std::to_string(c.id) + " at block " +
            std::to_string(c.follower->checkpoint().value_or(0)) + " (+" + std::to_string(*n) + ")");
    }
    if (!all_done && o.to) {
      // Every chain held here is done: the rest may be done by other monitors.
      all_done = true;
      for (const auto& c : chains)
        if (leases.holds(c.id) ? !c.follower->done() : !done_elsewhere(c)) all_done = false;
    }
    // With --to, a responding monitor stays until its transfers have their receipts.
    bool settling = false;
    if (o.respond) {
      auto t = responder.tick([&](std::uint64_t chain) { return leases.holds(chain); });
      if (!t) {
        std::cerr << "monitor: responding: " << t.error().message << " (retrying)\n";
        settling = true;
      } else {
        print_tick(*t);
        for (const auto& [_, pass] : t->settled) settling = settling || pass.pending > 0;
      }
    }
    if (all_done && !settling) return finish(0);
    int backoff = o.poll_ms;
    for (const auto& c : chains)
      if (leases.holds(c.id))
        backoff = std::max(backoff, std::min(30'000, o.poll_ms << std::min(c.failures, 5)));
    // Sleep until the next poll, or the next lease round if sooner, waking for a stop signal.
    const auto wake = std::chrono::steady_clock::now() +
                      std::chrono::milliseconds(std::min<std::int64_t>(
                          backoff, std::max<std::int64_t>(0, leases.next_round_ms() - clock.now_ms())));
    while (!g_stop.load() && std::chrono::steady_clock::now() < wake)
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          wake - std::chrono::steady_clock::now(), std::chrono::milliseconds(50)));
  }
}

}  // namespace

void add_detect_commands(CLI::App& app, std::function<int()>& run, const Global& global) {
  static AnalyzeOptions o;
  auto* cmd = app.add_subcommand(
      "analyze-trace",
      "Analyse transaction traces offline: asset flows and exploit findings, one JSON line per file.\n"
      "Accepts go-ethereum callTracer results (with or without logs, bare or as a JSON-RPC response)\n"
      "and parity-style trace_transaction arrays. Output per line: {\"tx\", \"findings\": [{kind,\n"
      "severity, confidence, victims, attackers, loss, evidence, signals, rule}], \"flows\"}; a file that\n"
      "cannot be read or parsed gives {\"tx\", \"error\"} and the exit status 2 at the end.");
  cmd->add_option("files", o.files, "Trace files (JSON)")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--quiet,-q", o.quiet, "No progress or summary on stderr");
  cmd->add_option("--max-flows", o.max_flows, "Net changes listed per transaction")->capture_default_str();
  cmd->add_option("--drain-fraction", o.drain_fraction, "Share of an observed balance whose loss is a drain")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--price-move", o.price_move, "Pool price move (fraction) that counts as manipulation")
      ->check(CLI::Range(0.0, 10.0))
      ->capture_default_str();
  cmd->add_option("--native-usd", o.native_usd,
                  "Dollar value of one native coin where the transaction never traded it against stablecoins")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--profit-usd", o.profit_usd,
                  "Dollar profit taken from contracts that is an incident, with another sign of attack")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--profit-usd-alone", o.profit_usd_alone,
                  "Dollar profit taken from contracts that is an incident without another sign of attack")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option(
         "--backed-borrow", o.backed_borrow,
         "Share of a market's flash-loan-funded payout that the sender's side must pay into the market "
         "for the payout to count as a borrow against collateral, not an attack")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  cmd->callback([&run] { run = [] { return run_analyze_trace(o); }; });

  static AnalyzeTxOptions tx;
  auto* txc = app.add_subcommand(
      "analyze-tx",
      "Fetch transactions' call traces from a node (debug_traceTransaction, callTracer with logs) and\n"
      "analyse them: one JSON line per transaction, as analyze-trace prints. A transaction the node\n"
      "cannot trace gives {\"tx\", \"error\"} and a non-zero exit status at the end.");
  txc->add_option("--rpc", tx.rpc, "The node's JSON-RPC URL (http:// or https://)")->required();
  txc->add_option("txs", tx.txs, "Transaction hashes (0x + 64 hex digits)")->required();
  txc->add_option("--max-flows", tx.max_flows, "Net changes listed per transaction")->capture_default_str();
  txc->add_option(
         "--tracer", tx.tracer,
         "call: debug_traceTransaction with callTracer and logs; struct: the default struct-log tracer "
         "with memory (nodes without callTracer)")
      ->check(CLI::IsMember({"call", "struct"}))
      ->capture_default_str();
  txc->callback([&run] { run = [] { return run_analyze_tx(tx); }; });

  static MonitorOptions mo;
  auto* mon = app.add_subcommand(
      "monitor",
      "Follow chains block by block from the checkpoint in the store: every transaction's trace through the\n"
      "detectors, stablecoin feeds through the depeg watch, watched balances through the drain watch (a "
      "fall\n"
      "of --drain-fraction within --drain-window blocks); findings printed as JSON lines and stored with\n"
      "the checkpoint, one store transaction per block; reorgs retract the findings of orphaned blocks.\n"
      "Several monitors may share one store (PostgreSQL): they split the chains between them with leases\n"
      "kept in the store (each follows only the chains it holds a lease on and keeps trying to take the\n"
      "others; a monitor that joins is given its share); when one dies, another takes its chains over from\n"
      "the checkpoint once the lease runs out (--lease-seconds). Each block's commit renews the lease at\n"
      "its epoch, so a monitor that lost its lease cannot write. SIGINT/SIGTERM give the leases back.\n"
      "Progress on stderr. Runs until --to (or forever).");
  mon->add_option("--rpc", mo.rpc,
                  "Node URL, or CHAIN_ID=URL (checked against the node); repeat for several chains")
      ->required();
  mon->add_option("--from", mo.from,
                  "First block when the store has no checkpoint for the chain (default: the head)");
  mon->add_option("--to", mo.to, "Stop after this block");
  mon->add_option("--watch", mo.watch,
                  "JSON file with the stablecoins to watch ({\"stablecoins\": [{address, symbol, "
                  "feeds: [{address, decimals}]}]}) and the balances to watch for a drain across blocks "
                  "({\"balances\": [{holder, assets: [\"native\" | token address], chain_id?}]})")
      ->check(CLI::ExistingFile);
  mon->add_option("--drain-window", mo.drain_window,
                  "Blocks within which a watched balance falling by --drain-fraction is a drain")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000}))
      ->capture_default_str();
  mon->add_option("--drain-fraction", mo.drain_fraction,
                  "Share of a balance whose loss is a drain, in one transaction or within --drain-window")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  mon->add_option("--confirmations", mo.confirmations, "Blocks to wait behind the head")
      ->capture_default_str();
  mon->add_option("--depeg-duration", mo.depeg_duration, "Seconds a stablecoin must stay out of band")
      ->capture_default_str();
  mon->add_option("--depeg-band", mo.depeg_band, "Band around the peg (fraction)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  mon->add_option(
         "--poll-ms", mo.poll_ms,
         "Milliseconds between polls of the head; a block is seen on average half of this after it is "
         "mined")
      ->check(CLI::Range(1, 600'000))
      ->capture_default_str();
  mon->add_option(
         "--lease-seconds", mo.lease_seconds,
         "How long a chain's lease lasts without renewal: when a monitor dies, another one sharing the "
         "store takes its chains over from the checkpoint this long after its last renewal. Must be "
         "well above the time one block takes to process")
      ->check(CLI::Range(0.2, 3600.0))
      ->capture_default_str();
  mon->add_option(
      "--owner", mo.owner,
      "This monitor's id in the store's leases (default host:pid); unique among the monitors sharing "
      "the store");
  mon->add_flag("--quiet,-q", mo.quiet, "No progress on stderr");
  mon->add_flag(
      "--respond", mo.respond,
      "Act on incident-grade findings: open an incident for each product covering a victim, verify it\n"
      "from the chain, confirm parametric incidents after their challenge window and pay them\n"
      "(claims settings from --config); prints {\"incident\"}, {\"payout\"} lines");
  auto* settle_flag = mon->add_flag(
      "--settle", mo.settle, "With --respond: send the payouts on-chain from the treasury (payout settle)");
  mon->add_option("--treasury-key-file", mo.treasury_key_file,
                  "File holding the treasury key for --settle (else $BULWARK_TREASURY_KEY)")
      ->needs(settle_flag);
  mon->callback([&run, &global] {
    run = [&global] {
      if (mo.settle && !mo.respond) {
        std::cerr << "error: --settle needs --respond\n";
        return exit_code(ErrorCode::kInvalidArgument);
      }
      return run_monitor(mo, global);
    };
  });
}

}  // namespace bulwark::cli
