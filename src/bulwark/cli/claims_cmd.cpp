#include "bulwark/cli/claims_cmd.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "bulwark/chain/node.hpp"
#include "bulwark/chain/rpc.hpp"
#include "bulwark/chain/trace.hpp"
#include "bulwark/cli/context.hpp"
#include "bulwark/cover/assessment.hpp"
#include "bulwark/cover/claims.hpp"
#include "bulwark/cover/incidents.hpp"
#include "bulwark/cover/ledger.hpp"
#include "bulwark/cover/node_settlement_chain.hpp"
#include "bulwark/cover/node_trace_source.hpp"
#include "bulwark/cover/payouts.hpp"
#include "bulwark/cover/settlement.hpp"

namespace bulwark::cli {
namespace {

using nlohmann::json;
using namespace bulwark::cover;

/// Where evidence comes from: recorded trace files or a node.
struct EvidenceOptions {
  std::vector<std::string> traces;
  std::string rpc;
};

void add_evidence_options(CLI::App* cmd, EvidenceOptions& o) {
  cmd->add_option(
      "--traces", o.traces,
      "Directory of recorded evidence: <tx hash>.json (callTracer) and optional <tx hash>.meta.json "
      "({\"block\", \"time\"})");
  cmd->add_option("--rpc", o.rpc, "The chain's JSON-RPC URL: evidence fetched with debug_traceTransaction");
}

/// Everything a command needs, opened once the options are parsed.
struct Env {
  const std::string& db;
  const bool& json_out;
  const std::string& config_file;  ///< --config: deployment settings.
  CliClock clock;
  ClaimsConfig config;
  SettlementConfig settlement;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<Ledger> ledger;
  std::unique_ptr<chain::RpcClient> rpc;
  std::unique_ptr<chain::Node> node;
  std::unique_ptr<TraceSource> source;

  Status open() {
    if (!config_file.empty()) BULWARK_CHECK(load_config());
    BULWARK_TRY(s, store::open_store(db));
    store = std::move(s);
    ledger = std::make_unique<Ledger>(*store, clock);
    return {};
  }

  Status load_config() {
    BULWARK_TRY(c, load_deployment_config(config_file));
    config = std::move(c.claims);
    settlement = std::move(c.settlement);
    return {};
  }

  Result<TraceSource*> evidence(const EvidenceOptions& o, std::uint64_t chain_id) {
    if (o.rpc.empty() == o.traces.empty())
      return fail(ErrorCode::kInvalidArgument,
                  "give the evidence source: --traces DIR or --rpc URL (one of them)");
    if (!o.traces.empty()) {
      std::vector<std::filesystem::path> dirs(o.traces.begin(), o.traces.end());
      source = std::make_unique<FileTraceSource>(dirs);
      return source.get();
    }
    BULWARK_TRY(client, chain::connect_http(o.rpc));
    rpc = std::move(client);
    node = std::make_unique<chain::Node>(*rpc);
    source = std::make_unique<NodeTraceSource>(chain_id, *node);
    return source.get();
  }
};

Result<Hash32> parse_hash(const std::string& s, std::string_view option) {
  auto h = Hash32::parse(s);
  if (!h) return std::unexpected(with_context(h.error(), option));
  return *h;
}

Result<Address> parse_addr(const std::string& s, std::string_view option) {
  auto a = Address::parse(s);
  if (!a) return std::unexpected(with_context(a.error(), option));
  return *a;
}

Result<std::vector<Hash32>> parse_hashes(const std::vector<std::string>& v, std::string_view option) {
  std::vector<Hash32> out;
  for (const auto& s : v) {
    BULWARK_TRY(h, parse_hash(s, option));
    out.push_back(h);
  }
  return out;
}

/// A signature from --signature, or made here with --key (whose address must be the signer's).
Result<Signature> signature_for(const std::string& message, const std::string& sig,
                                const std::string& key_hex, const Address& signer) {
  if (sig.empty() == key_hex.empty())
    return fail(ErrorCode::kInvalidArgument,
                "give --signature SIG (personal_sign of the message) or --key KEY");
  if (!sig.empty()) {
    auto s = Signature::parse(sig);
    if (!s) return std::unexpected(with_context(s.error(), "--signature"));
    return *s;
  }
  auto k = PrivateKey::parse(key_hex);
  if (!k) return std::unexpected(with_context(k.error(), "--key"));
  if (k->address() != signer)
    return fail(ErrorCode::kInvalidArgument,
                "--key belongs to " + k->address().to_checksum() + ", not to " + signer.to_checksum());
  return sign_personal(*k, message);
}

/// The signer: --key's address when given, else the named option's address.
Result<Address> signer_of(const std::string& addr, const std::string& key_hex, std::string_view option) {
  if (!addr.empty()) return parse_addr(addr, option);
  if (key_hex.empty())
    return fail(ErrorCode::kInvalidArgument, std::string("give ") + std::string(option) + " or --key");
  auto k = PrivateKey::parse(key_hex);
  if (!k) return std::unexpected(with_context(k.error(), "--key"));
  return k->address();
}

/// How a command's message is signed: --signature from the signer named by its address option, or
/// here with --key; --print-message prints the message instead.
struct Signing {
  std::string signer, signature, key;
  bool print_message = false;
};

/// Adds `signer_option` (the `who`'s address), --signature, --key and --print-message to `cmd`.
void add_signing(CLI::App* cmd, Signing& s, const std::string& signer_option, const std::string& who,
                 const std::string& message) {
  cmd->add_option(signer_option, s.signer, "The " + who + "'s address (with --signature)");
  cmd->add_option("--signature", s.signature, "personal_sign signature of the " + message + " message");
  cmd->add_option("--key", s.key, "Sign here with this secp256k1 key (hex) instead");
  cmd->add_flag("--print-message", s.print_message, "Print the exact message to sign and stop");
}

/// Adds the required --nonce and --expiry of a signed `what` ("vote", "request") to `cmd`.
void add_nonce_and_expiry(CLI::App* cmd, std::int64_t& nonce, std::int64_t& expiry, const std::string& what) {
  cmd->add_option("--nonce", nonce, "Any number making this signed " + what + " unique")->required();
  cmd->add_option("--expiry", expiry, "Unix time after which the signature is refused")->required();
}

/// The signer: --key's address, or the signer option's.
Result<Address> signer_of(const Signing& s, std::string_view signer_option) {
  return signer_of(s.signer, s.key, signer_option);
}

/// Signs `message` as `signer` into `out`; with --print-message, returns the message as the
/// command's output instead.
Result<std::optional<Output>> sign_or_print(const Signing& s, const std::string& message,
                                            const Address& signer, Signature& out) {
  if (s.print_message) return Output{json{{"message", message}}, message + "\n"};
  BULWARK_TRY(sig, signature_for(message, s.signature, s.key, signer));
  out = sig;
  return std::nullopt;
}

std::string amount_text(Ledger& ledger, const U256& v, const std::string& asset) {
  auto a = ledger.asset(asset);
  if (!a) return v.to_dec() + " (" + asset + ")";
  return format_units(v, a->decimals) + " " + a->symbol;
}

Output incident_output(Ledger& ledger, const Incident& i) {
  Output o{to_json(i), ""};
  o.text = fmt::format("incident {}: product {} on chain {}, {} ({})\n", i.id, i.product_id, i.chain_id,
                       to_string(i.status), i.source);
  if (!i.kind.empty()) o.text += fmt::format("  {} in block {} at unix time {}\n", i.kind, i.block, i.time);
  for (const auto& t : i.txs) o.text += "  evidence " + t.to_hex() + "\n";
  if (i.proof) {
    for (const auto& l : i.proof->losses)
      o.text += "  lost: " + l.holder.to_checksum() + " " + amount_text(ledger, l.amount, l.asset) + "\n";
    for (const auto& a : i.proof->attackers) o.text += "  attacker: " + a.to_checksum() + "\n";
  }
  for (const auto& r : i.reasons) o.text += "  - " + r + "\n";
  return o;
}

Output claim_output(Ledger& ledger, const Claim& c) {
  Output o{to_json(c), ""};
  o.text = fmt::format(
      "claim {}: policy {} on incident {} by {}, {}\n  claimed {}, proven {}, payable {}, paid {}\n"
      "  deposit {}\n",
      c.id, c.policy_id, c.incident_id, c.holder.to_checksum(), to_string(c.status),
      amount_text(ledger, c.claimed, c.asset), amount_text(ledger, c.proven, c.asset),
      amount_text(ledger, c.payable, c.asset), amount_text(ledger, c.paid, c.asset),
      amount_text(ledger, c.deposit, c.asset));
  for (const auto& r : c.reasons) o.text += "  - " + r + "\n";
  return o;
}

Output payout_output(Ledger& ledger, const Payout& p) {
  Output o{to_json(p), ""};
  o.text =
      fmt::format("payout: incident {} policy {} (claim {}) to {}: {} of {} (ratio {}/{})\n", p.incident_id,
                  p.policy_id, p.claim_id, p.holder.to_checksum(), amount_text(ledger, p.amount, p.asset),
                  amount_text(ledger, p.entitled, p.asset), p.ratio_num.to_dec(), p.ratio_den.to_dec());
  return o;
}

Output settlement_output(Ledger& ledger, const Settlement& st) {
  Output o{to_json(st), ""};
  o.text = fmt::format(
      "settlement: incident {} policy {}: {} to {} on chain {}, {} (nonce {}, {} attempt(s))\n",
      st.incident_id, st.policy_id, amount_text(ledger, st.amount, st.asset), st.recipient.to_checksum(),
      st.chain_id, to_string(st.status), st.nonce, st.attempts.size());
  if (st.mined_tx)
    o.text += fmt::format("  tx {} in block {}, fee {} wei\n", st.mined_tx->to_hex(), st.block,
                          st.fee_paid.to_dec());
  else if (!st.attempts.empty())
    o.text += "  latest attempt " + st.attempts.back().hash.to_hex() + "\n";
  for (const auto& r : st.reasons) o.text += "  - " + r + "\n";
  return o;
}

template <class T, class F>
Output list_output(const std::vector<T>& items, F one, const char* key) {
  Output o{json{{key, json::array()}}, ""};
  for (const auto& i : items) {
    Output x = one(i);
    o.data[key].push_back(x.data);
    o.text += x.text;
  }
  if (items.empty()) o.text = std::string("no ") + key + "\n";
  return o;
}

using ClaimsCommand = std::function<Result<Output>(Env&)>;

/// Runs a chosen command: opens the store, prints the output, maps errors to exit codes.
int execute(Env& env, const ClaimsCommand& command) {
  auto report = [&](const Error& e) {
    if (env.json_out)
      std::cerr << json{{"error", {{"code", to_string(e.code)}, {"message", e.message}}}}.dump() << '\n';
    else
      std::cerr << "error: " << e.message << '\n';
    return exit_code(e.code);
  };
  try {
    if (auto s = env.open(); !s) return report(s.error());
    auto out = command(env);
    if (!out) return report(out.error());
    if (env.json_out) {
      if (!out->data.is_null()) std::cout << out->data.dump() << '\n';
    } else {
      std::cout << out->text;
    }
    return 0;
  } catch (const std::exception& e) {
    return report(Error{ErrorCode::kInternal, e.what()});
  }
}

/// A verified-or-not incident as a command result: a rejected one is a failure with its reason.
Result<Output> incident_result(Env& env, const Incident& i) {
  Output o = incident_output(*env.ledger, i);
  if (i.status == IncidentStatus::kRejected) {
    std::cout << (env.json_out ? o.data.dump() + "\n" : o.text);
    return fail(ErrorCode::kFailedPrecondition,
                "incident " + std::to_string(i.id) + " " +
                    (i.reasons.empty() ? std::string("rejected") : i.reasons.back()));
  }
  return o;
}

}  // namespace

void add_claims_commands(CLI::App& app, const Global& global, std::function<int()>& run) {
  static std::unique_ptr<Env> env;
  env = std::make_unique<Env>(Env{global.db, global.json_out, global.config, {}, {}, {}, {}, {}, {}, {}, {}});
  auto chosen = [&run](ClaimsCommand c) { run = [c = std::move(c)] { return execute(*env, c); }; };

  // ---- incident ----
  auto* incident = app.add_subcommand("incident", "Exploit incidents: open, report, verify, decide, vote");
  incident->require_subcommand(1);

  static struct {
    std::string tx;
    std::uint64_t chain = 1;
    EvidenceOptions ev;
  } op;
  auto* open = incident->add_subcommand(
      "open",
      "Analyse a transaction; open and verify an incident for each product whose contracts an\n"
      "incident-grade finding names as victims");
  open->add_option("--tx", op.tx, "The exploit transaction hash")->required();
  open->add_option("--chain", op.chain, "Chain id")->capture_default_str();
  add_evidence_options(open, op.ev);
  open->callback([chosen] {
    chosen([](Env& e) -> Result<Output> {
      BULWARK_TRY(tx, parse_hash(op.tx, "--tx"));
      BULWARK_TRY(source, e.evidence(op.ev, op.chain));
      BULWARK_TRY(trace_ev, source->fetch(op.chain, tx));
      BULWARK_TRY(trace, chain::parse_any_trace(trace_ev.trace_json));
      const auto analysis = detect::analyze(trace, {});
      Incidents incidents(*e.store, e.clock, e.config);
      std::vector<Incident> opened;
      for (const auto& f : analysis.findings) {
        if (!detect::incident_grade(f.severity)) continue;
        BULWARK_TRY(v, incidents.open_from_finding({op.chain, tx, f, trace_ev.block, trace_ev.time}));
        for (auto& i : v) {
          BULWARK_TRY(verified, incidents.verify(i.id, *source));
          opened.push_back(std::move(verified));
        }
      }
      if (opened.empty())
        return fail(
            ErrorCode::kFailedPrecondition,
            "no incident opened: " +
                std::string(detect::incident_grade(analysis.max_severity())
                                ? "the finding names no covered contract on chain " + std::to_string(op.chain)
                                : "no incident-grade finding in " + op.tx));
      return list_output(
          opened, [&](const Incident& i) { return incident_output(*e.ledger, i); }, "incidents");
    });
  });

  static struct {
    Id product = 0;
    std::vector<std::string> txs;
    std::string description;
    Signing sign;
    EvidenceOptions ev;
  } rp;
  auto* report = incident->add_subcommand(
      "report",
      "Report an exploit (signed with EIP-191 by the reporter); its evidence is fetched and verified");
  report->add_option("--product", rp.product, "The product hit")->required();
  report->add_option("--tx", rp.txs, "Exploit transaction hash (repeatable)")->required();
  report->add_option("--description", rp.description, "What happened");
  add_signing(report, rp.sign, "--reporter", "reporter", "report");
  add_evidence_options(report, rp.ev);
  report->callback([chosen] {
    chosen([](Env& e) -> Result<Output> {
      BULWARK_TRY(reporter, signer_of(rp.sign, "--reporter"));
      BULWARK_TRY(txs, parse_hashes(rp.txs, "--tx"));
      ReportRequest r{reporter, rp.product, txs, rp.description, {}};
      BULWARK_TRY(printed, sign_or_print(rp.sign, report_message(r), reporter, r.signature));
      if (printed) return *printed;
      BULWARK_TRY(product, e.ledger->product(rp.product));
      BULWARK_TRY(source, e.evidence(rp.ev, product.chain_id));
      Incidents incidents(*e.store, e.clock, e.config);
      BULWARK_TRY(inc, incidents.report(r, *source));
      return incident_result(e, inc);
    });
  });

  static struct {
    Id id = 0;
    EvidenceOptions ev;
  } vo;
  auto* verify = incident->add_subcommand("verify", "Fetch an open incident's evidence and verify it");
  verify->add_option("id", vo.id, "Incident id")->required();
  add_evidence_options(verify, vo.ev);
  verify->callback([chosen] {
    chosen([](Env& e) -> Result<Output> {
      Incidents incidents(*e.store, e.clock, e.config);
      BULWARK_TRY(current, incidents.incident(vo.id));
      BULWARK_TRY(source, e.evidence(vo.ev, current.chain_id));
      BULWARK_TRY(inc, incidents.verify(vo.id, *source));
      return incident_result(e, inc);
    });
  });

  static Id show_id = 0;
  auto* show = incident->add_subcommand("show", "Show an incident: status, proof, every decision's reasons");
  show->add_option("id", show_id, "Incident id")->required();
  show->callback([chosen] {
    chosen([](Env& e) -> Result<Output> {
      Incidents incidents(*e.store, e.clock, e.config);
      BULWARK_TRY(inc, incidents.incident(show_id));
      return incident_output(*e.ledger, inc);
    });
  });

  static struct {
    std::string status;
    Id product = 0;
  } il;
  auto* list = incident->add_subcommand("list", "List incidents");
  list->add_option("--status", il.status, "open, verified, confirmed, rejected or denied");
  list->add_option("--product", il.product, "Only this product's");
  list->callback([chosen] {
    chosen([](Env& e) -> Result<Output> {
      IncidentFilter f;
      if (!il.status.empty()) {
        BULWARK_TRY(s, parse_incident_status(il.status));
        f.status = s;
      }
      if (il.product != 0) f.product_id = il.product;
      Incidents incidents(*e.store, e.clock, e.config);
      BULWARK_TRY(all, incidents.incidents(f));
      return list_output(
          all, [&](const Incident& i) { return incident_output(*e.ledger, i); }, "incidents");
    });
  });

  static struct {
    Id id = 0;
    bool accept = false, deny = false;
    std::string reason;
  } rs;
  auto* resolve = incident->add_subcommand("resolve", "Governance decision on a verified incident");
  resolve->add_option("id", rs.id, "Incident id")->required();
  resolve->add_flag("--accept", rs.accept, "Confirm it");
  resolve->add_flag("--deny", rs.deny, "Deny it");
  resolve->add_option("--reason", rs.reason, "Why (stored with the decision)")->required();
  resolve->callback([chosen] {
    chosen([](Env& e) -> Result<Output> {
      if (rs.accept == rs.deny) return fail(ErrorCode::kInvalidArgument, "give --accept or --deny");
      Incidents incidents(*e.store, e.clock, e.config);
      BULWARK_TRY(inc, incidents.resolve(rs.id, rs.accept, rs.reason));
      return incident_output(*e.ledger, inc);
    });
  });

  static struct {
    Id id = 0;
    bool accept = false, deny = false;
    std::int64_t nonce = 0, expiry = 0;
    Signing sign;
  } vt;
  auto* vote = incident->add_subcommand("vote", "Cast an assessor's signed vote on a discretionary incident");
  vote->add_option("id", vt.id, "Incident id")->required();
  vote->add_flag("--accept", vt.accept, "Vote to accept");
  vote->add_flag("--deny", vt.deny, "Vote to deny");
  add_nonce_and_expiry(vote, vt.nonce, vt.expiry, "vote");
  add_signing(vote, vt.sign, "--assessor", "assessor", "vote");
  vote->callback([chosen] {
    chosen([](Env& e) -> Result<Output> {
      if (vt.accept == vt.deny) return fail(ErrorCode::kInvalidArgument, "give --accept or --deny");
      BULWARK_TRY(assessor, signer_of(vt.sign, "--assessor"));
      VoteRequest v{vt.id, assessor, vt.accept, vt.nonce, vt.expiry, {}};
      BULWARK_TRY(printed, sign_or_print(vt.sign, vote_message(v), assessor, v.signature));
      if (printed) return *printed;
      Assessment assessment(*e.store, e.clock, e.config);
      BULWARK_TRY(inc, assessment.vote(v));
      return incident_output(*e.ledger, inc);
    });
  });

  static struct {
    Id id = 0;
    std::string bond, reason;
    Signing sign;
  } chl;
  auto* challenge = incident->add_subcommand(
      "challenge",
      "Challenge a parametric incident inside its challenge window with a signed message and a bond: it goes "
      "to the assessors' vote instead of paying; the bond comes back if they deny it, and goes to the "
      "reserve "
      "if they confirm it");
  challenge->add_option("id", chl.id, "Incident id")->required();
  challenge->add_option("--bond", chl.bond, "Bond, in the product's asset units (e.g. 0.5)")->required();
  challenge->add_option("--reason", chl.reason, "Why the incident is wrong (recorded)")->required();
  add_signing(challenge, chl.sign, "--challenger", "challenger", "challenge");
  challenge->callback([chosen] {
    chosen([](Env& e) -> Result<Output> {
      BULWARK_TRY(challenger, signer_of(chl.sign, "--challenger"));
      Incidents incidents(*e.store, e.clock, e.config);
      BULWARK_TRY(inc, incidents.incident(chl.id));
      BULWARK_TRY(product, e.ledger->product(inc.product_id));
      BULWARK_TRY(asset, e.ledger->asset(product.asset));
      auto bond = parse_units(chl.bond, asset.decimals);
      if (!bond) return std::unexpected(with_context(bond.error(), "--bond"));
      ChallengeRequest r{challenger, chl.id, *bond, chl.reason, {}};
      BULWARK_TRY(printed, sign_or_print(chl.sign, challenge_message(r), challenger, r.signature));
      if (printed) return *printed;
      BULWARK_TRY(challenged, incidents.challenge(r));
      return incident_output(*e.ledger, challenged);
    });
  });

  // ---- assessor ----
  auto* assessor = app.add_subcommand("assessor", "Assessors of discretionary incidents");
  assessor->require_subcommand(1);
  static struct {
    std::string address;
    std::string stake;
  } ar;
  auto* reg =
      assessor->add_subcommand("register", "Register an assessor, or change its stake (voting weight)");
  reg->add_option("--address", ar.address, "The assessor's address")->required();
  reg->add_option("--stake", ar.stake, "Stake, an integer (its voting weight)")->required();
  reg->callback([chosen] {
    chosen([](Env& e) -> Result<Output> {
      BULWARK_TRY(a, parse_addr(ar.address, "--address"));
      auto stake = U256::from_dec(ar.stake);
      if (!stake) return std::unexpected(with_context(stake.error(), "--stake"));
      Assessment assessment(*e.store, e.clock, e.config);
      BULWARK_TRY(r, assessment.register_assessor(a, *stake));
      return Output{to_json(r),
                    "assessor " + r.address.to_checksum() + " with stake " + r.stake.to_dec() + "\n"};
    });
  });
  assessor->add_subcommand("list", "List the assessors")->callback([chosen] {
    chosen([](Env& e) -> Result<Output> {
      Assessment assessment(*e.store, e.clock, e.config);
      BULWARK_TRY(all, assessment.assessors());
      return list_output(
          all,
          [](const Assessor& a) {
            return Output{to_json(a), a.address.to_checksum() + " stake " + a.stake.to_dec() +
                                          ", locked until " + std::to_string(a.locked_until) + "\n"};
          },
          "assessors");
    });
  });

  static struct {
    std::string address, reason;
    Id incident = 0;
    std::int64_t bps = 0;
  } sl;
  auto* slash = assessor->add_subcommand(
      "slash",
      "Governance: reverse an assessor's vote against clear on-chain evidence while the vote is open or in "
      "its cooldown (a vote that had ended reopens for silent_extension), and "
      "slash its stake");
  slash->add_option("--address", sl.address, "The assessor")->required();
  slash->add_option("--incident", sl.incident, "The incident it voted on")->required();
  slash->add_option("--bps", sl.bps, "Share of the stake slashed, in basis points (0..10000)")->required();
  slash->add_option("--reason", sl.reason, "Why (recorded on the incident)")->required();
  slash->callback([chosen] {
    chosen([](Env& e) -> Result<Output> {
      BULWARK_TRY(who, parse_addr(sl.address, "--address"));
      Assessment assessment(*e.store, e.clock, e.config);
      BULWARK_TRY(inc, assessment.reverse_vote(sl.incident, who, sl.bps, sl.reason));
      return incident_output(*e.ledger, inc);
    });
  });

  static struct {
    std::string asset, amount;
    std::int64_t nonce = 0, expiry = 0;
    Signing sign;
  } wd;
  auto* withdraw = assessor->add_subcommand(
      "withdraw", "Withdraw an assessor's held assessment rewards (a request signed by the assessor)");
  withdraw->add_option("--asset", wd.asset, "Asset of the rewards (key or symbol)")->required();
  withdraw->add_option("--amount", wd.amount, "Amount in asset units; default: all held");
  add_nonce_and_expiry(withdraw, wd.nonce, wd.expiry, "request");
  add_signing(withdraw, wd.sign, "--assessor", "assessor", "withdrawal");
  withdraw->callback([chosen] {
    chosen([](Env& e) -> Result<Output> {
      BULWARK_TRY(who, signer_of(wd.sign, "--assessor"));
      BULWARK_TRY(asset, resolve_asset(*e.ledger, wd.asset));
      Assessment assessment(*e.store, e.clock, e.config);
      RewardWithdrawal w{who, asset.key(), {}, wd.nonce, wd.expiry, {}};
      if (wd.amount.empty()) {
        BULWARK_TRY(held, assessment.rewards(who, asset.key()));
        w.amount = held;
      } else {
        auto amount = parse_units(wd.amount, asset.decimals);
        if (!amount) return std::unexpected(with_context(amount.error(), "--amount"));
        w.amount = *amount;
      }
      BULWARK_TRY(printed, sign_or_print(wd.sign, reward_withdrawal_message(w), who, w.signature));
      if (printed) return *printed;
      BULWARK_TRY(left, assessment.withdraw_rewards(w));
      return Output{json{{"assessor", who.to_checksum()},
                         {"asset", asset.key()},
                         {"withdrawn", amount_json(w.amount, asset)},
                         {"held", amount_json(left, asset)}},
                    "withdrew " + fmt_amount(w.amount, asset) + " of " + who.to_checksum() + "'s rewards; " +
                        fmt_amount(left, asset) + " still held\n"};
    });
  });

  // ---- claim ----
  auto* claim = app.add_subcommand("claim", "Claims by policyholders");
  claim->require_subcommand(1);
  static struct {
    Id policy = 0, incident = 0;
    std::string claimed, max_deposit;
    std::vector<std::string> addresses, txs;
    Signing sign;
  } cs;
  auto* submit = claim->add_subcommand(
      "submit",
      "Submit a claim signed by the policy holder; every automatic check that fails prints its reason");
  submit->add_option("--policy", cs.policy, "The policy")->required();
  submit->add_option("--incident", cs.incident, "The incident")->required();
  submit->add_option("--claimed", cs.claimed, "Loss claimed, in the policy's asset units (e.g. 1.5)")
      ->required();
  submit->add_option("--address", cs.addresses, "An affected address of the holder (repeatable)")->required();
  submit->add_option("--tx", cs.txs, "Evidence transaction hash (repeatable)");
  submit->add_option("--max-deposit", cs.max_deposit,
                     "The most paid as claim deposit (asset units; default any)");
  add_signing(submit, cs.sign, "--holder", "holder", "claim");
  submit->callback([chosen] {
    chosen([](Env& e) -> Result<Output> {
      BULWARK_TRY(holder, signer_of(cs.sign, "--holder"));
      BULWARK_TRY(policy, e.ledger->policy(cs.policy));
      BULWARK_TRY(asset, e.ledger->asset(policy.asset));
      ClaimRequest r;
      r.policy_id = cs.policy;
      r.incident_id = cs.incident;
      r.holder = holder;
      auto claimed = parse_units(cs.claimed, asset.decimals);
      if (!claimed) return std::unexpected(with_context(claimed.error(), "--claimed"));
      r.claimed = *claimed;
      for (const auto& a : cs.addresses) {
        BULWARK_TRY(addr, parse_addr(a, "--address"));
        r.addresses.push_back(addr);
      }
      BULWARK_TRY(txs, parse_hashes(cs.txs, "--tx"));
      r.txs = txs;
      r.max_deposit = U256::max();
      if (!cs.max_deposit.empty()) {
        auto m = parse_units(cs.max_deposit, asset.decimals);
        if (!m) return std::unexpected(with_context(m.error(), "--max-deposit"));
        r.max_deposit = *m;
      }
      BULWARK_TRY(printed, sign_or_print(cs.sign, claim_message(r), holder, r.signature));
      if (printed) return *printed;
      Claims claims(*e.store, e.clock, e.config);
      BULWARK_TRY(c, claims.submit(r));
      return claim_output(*e.ledger, c);
    });
  });
  static Id claim_id = 0;
  auto* cshow = claim->add_subcommand("show", "Show a claim with its reasons");
  cshow->add_option("id", claim_id, "Claim id")->required();
  cshow->callback([chosen] {
    chosen([](Env& e) -> Result<Output> {
      Claims claims(*e.store, e.clock, e.config);
      BULWARK_TRY(c, claims.claim(claim_id));
      return claim_output(*e.ledger, c);
    });
  });
  static struct {
    std::string holder, status;
    Id incident = 0, policy = 0;
  } cl;
  auto* clist = claim->add_subcommand("list", "List claims");
  clist->add_option("--holder", cl.holder, "Only this holder's");
  clist->add_option("--incident", cl.incident, "Only this incident's");
  clist->add_option("--policy", cl.policy, "Only this policy's");
  clist->add_option("--status", cl.status, "pending, approved, rejected or paid");
  clist->callback([chosen] {
    chosen([](Env& e) -> Result<Output> {
      ClaimFilter f;
      if (!cl.holder.empty()) {
        BULWARK_TRY(h, parse_addr(cl.holder, "--holder"));
        f.holder = h;
      }
      if (cl.incident != 0) f.incident_id = cl.incident;
      if (cl.policy != 0) f.policy_id = cl.policy;
      if (!cl.status.empty()) {
        BULWARK_TRY(s, parse_claim_status(cl.status));
        f.status = s;
      }
      Claims claims(*e.store, e.clock, e.config);
      BULWARK_TRY(all, claims.claims(f));
      return list_output(
          all, [&](const Claim& c) { return claim_output(*e.ledger, c); }, "claims");
    });
  });

  // ---- payout ----
  auto* payout = app.add_subcommand("payout", "Payouts of confirmed incidents");
  payout->require_subcommand(1);
  static Id payout_incident = 0;
  auto* prun = payout->add_subcommand(
      "run", "Pay every approved claim and parametric entitlement that is due (each exactly once)");
  prun->add_option("--incident", payout_incident, "Only this incident");
  prun->callback([chosen] {
    chosen([](Env& e) -> Result<Output> {
      Payouts payouts(*e.store, e.clock, e.config);
      BULWARK_TRY(done, payouts.run(payout_incident ? std::optional<Id>(payout_incident) : std::nullopt));
      Output o = list_output(
          done.payouts, [&](const Payout& p) { return payout_output(*e.ledger, p); }, "payouts");
      o.data["count"] = done.payouts.size();
      o.text += fmt::format("{} payout(s) made in {} batch(es)\n", done.payouts.size(), done.batches);
      return o;
    });
  });
  static Id payout_list_incident = 0;
  auto* plist = payout->add_subcommand("list", "List payouts made");
  plist->add_option("--incident", payout_list_incident, "Only this incident's");
  plist->callback([chosen] {
    chosen([](Env& e) -> Result<Output> {
      Payouts payouts(*e.store, e.clock, e.config);
      BULWARK_TRY(all, payouts.payouts(payout_list_incident ? std::optional<Id>(payout_list_incident)
                                                            : std::nullopt));
      BULWARK_TRY(settled, all_settlements(*e.store));
      return list_output(
          all,
          [&](const Payout& p) {
            Output o = payout_output(*e.ledger, p);
            o.data["settlement"] = nullptr;
            for (const auto& st : settled)
              if (st.incident_id == p.incident_id && st.policy_id == p.policy_id) {
                o.data["settlement"] = to_json(st);
                o.text += fmt::format("  on-chain: {}{}\n", to_string(st.status),
                                      st.mined_tx ? " " + st.mined_tx->to_hex() : std::string());
              }
            return o;
          },
          "payouts");
    });
  });

  static Id show_incident = 0, show_policy = 0;
  auto* pshow = payout->add_subcommand("show", "Show one payout, its burns and its on-chain settlement");
  pshow->add_option("--incident", show_incident, "The incident")->required();
  pshow->add_option("--policy", show_policy, "The policy")->required();
  pshow->callback([chosen] {
    chosen([](Env& e) -> Result<Output> {
      std::optional<Payout> found;
      BULWARK_CHECK(e.store->transact(store::TxMode::kRead, [&](store::Tx& tx) -> Status {
        Repo repo(tx);
        ClaimsRepo cr(repo);
        BULWARK_TRY(p, cr.find_payout(show_incident, show_policy));
        found = std::move(p);
        return {};
      }));
      if (!found)
        return fail(ErrorCode::kNotFound,
                    fmt::format("no payout for policy {} on incident {}", show_policy, show_incident));
      Output o = payout_output(*e.ledger, *found);
      for (const auto& b : found->burns)
        o.text += fmt::format("  burned from pool {}: {}\n", b.pool_id,
                              amount_text(*e.ledger, b.amount, found->asset));
      BULWARK_TRY(settled, all_settlements(*e.store));
      o.data["settlement"] = nullptr;
      for (const auto& st : settled)
        if (st.incident_id == found->incident_id && st.policy_id == found->policy_id) {
          Output so = settlement_output(*e.ledger, st);
          o.data["settlement"] = so.data;
          o.text += so.text;
        }
      return o;
    });
  });

  // ---- payout settle / retry: on-chain settlement ----
  struct SettleOptions {
    std::string rpc, key_file;
    int wait = 0;
    int poll_ms = 500;
    bool follow = false;
    Id incident = 0, policy = 0;
    std::string reason;
  };
  static SettleOptions so;
  auto add_chain_options = [](CLI::App* cmd) {
    cmd->add_option("--rpc", so.rpc, "The chain's JSON-RPC URL; the payouts in its assets are settled")
        ->required();
    cmd->add_option("--treasury-key-file", so.key_file,
                    "File holding the treasury's secp256k1 key (hex); else the environment variable "
                    "BULWARK_TREASURY_KEY");
  };
  auto* settle = payout->add_subcommand(
      "settle",
      "Send the payouts made on the ledger as transfers from the treasury (native or ERC-20, EIP-1559), "
      "follow them to their confirmations, bump stuck ones and re-send after reorgs; never pays twice");
  add_chain_options(settle);
  settle->add_option("--wait", so.wait,
                     "Keep going until everything is confirmed, for at most this many seconds");
  settle->add_option("--poll-ms", so.poll_ms, "Milliseconds between passes while waiting (default 500)")
      ->check(CLI::Range(10, 600'000));
  settle->add_flag("--follow", so.follow, "Keep settling new payouts forever (a service)");
  auto* retry = payout->add_subcommand("retry", "Pay a failed (reverted) settlement again with a new nonce");
  add_chain_options(retry);
  retry->add_option("--incident", so.incident, "The incident")->required();
  retry->add_option("--policy", so.policy, "The policy")->required();
  retry->add_option("--reason", so.reason, "Why (recorded)")->required();

  struct Treasury {
    std::unique_ptr<chain::RpcClient> rpc;
    std::unique_ptr<chain::Node> node;
    std::unique_ptr<NodeSettlementChain> chain;
    std::unique_ptr<Settler> settler;
  };
  static auto open_treasury = [](Env& e) -> Result<std::unique_ptr<Treasury>> {
    BULWARK_TRY(key, read_treasury_key(so.key_file));
    auto t = std::make_unique<Treasury>();
    BULWARK_TRY(client, chain::connect_http(so.rpc));
    t->rpc = std::move(client);
    t->node = std::make_unique<chain::Node>(*t->rpc);
    t->chain = std::make_unique<NodeSettlementChain>(*t->node);
    t->settler = std::make_unique<Settler>(*e.store, e.clock, *t->chain, std::move(key), e.settlement);
    return t;
  };
  settle->callback([chosen] {
    chosen([](Env& e) -> Result<Output> {
      BULWARK_TRY(t, open_treasury(e));
      const auto start = std::chrono::steady_clock::now();
      SettlementPass total;
      SettlementPass last;
      for (int pass_no = 1;; ++pass_no) {
        BULWARK_TRY(pass, t->settler->run_once());
        total.signed_new += pass.signed_new;
        total.sent += pass.sent;
        total.bumped += pass.bumped;
        total.renonced += pass.renonced;
        total.mined += pass.mined;
        total.reorged += pass.reorged;
        total.confirmed += pass.confirmed;
        total.failed += pass.failed;
        last = pass;
        if (!e.json_out && (pass.signed_new || pass.mined || pass.confirmed || pass.bumped || pass.reorged ||
                            pass.renonced || pass.failed))
          std::cerr << fmt::format(
              "pass {}: {} signed, {} sent, {} mined, {} confirmed, {} pending, {} waiting\n", pass_no,
              pass.signed_new, pass.sent, pass.mined, pass.confirmed, pass.pending, pass.waiting);
        const bool idle = pass.pending == 0 && pass.waiting == 0;
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (!so.follow && (idle || elapsed >= so.wait)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(so.poll_ms));
      }
      BULWARK_TRY(all, t->settler->settlements());
      Output o = list_output(
          all, [&](const Settlement& st) { return settlement_output(*e.ledger, st); }, "settlements");
      o.data["pass"] = {{"signed", total.signed_new},   {"sent", total.sent},     {"bumped", total.bumped},
                        {"renonced", total.renonced},   {"mined", total.mined},   {"reorged", total.reorged},
                        {"confirmed", total.confirmed}, {"failed", total.failed}, {"pending", last.pending},
                        {"waiting", last.waiting},      {"notes", last.notes}};
      o.text += fmt::format("{} signed, {} confirmed, {} failed this run; {} pending, {} waiting\n",
                            total.signed_new, total.confirmed, total.failed, last.pending, last.waiting);
      for (const auto& n : last.notes) o.text += "  note: " + n + "\n";
      return o;
    });
  });
  retry->callback([chosen] {
    chosen([](Env& e) -> Result<Output> {
      BULWARK_TRY(t, open_treasury(e));
      BULWARK_CHECK(t->settler->retry(so.incident, so.policy, so.reason));
      BULWARK_TRY(all, t->settler->settlements(so.incident));
      for (const auto& st : all)
        if (st.policy_id == so.policy) return settlement_output(*e.ledger, st);
      return fail(ErrorCode::kInternal, "the retried settlement vanished");
    });
  });
}

}  // namespace bulwark::cli
