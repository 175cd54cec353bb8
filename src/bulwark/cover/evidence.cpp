#include "bulwark/cover/evidence.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "bulwark/chain/trace.hpp"

namespace bulwark::cover {
namespace {

constexpr std::size_t kMaxNetLosses = 1'000;
constexpr std::size_t kMaxFunded = 1'000;

Result<std::string> slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, "cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return fail(ErrorCode::kIo, "error while reading " + p.string());
  return s.str();
}

std::string key_of(std::uint64_t chain, const detect::AssetRef& a) {
  return asset_key(chain, a.native, a.token);
}

}  // namespace

Result<EvidenceTrace> FileTraceSource::fetch(std::uint64_t, const Hash32& tx) {
  const std::string name = tx.to_hex();
  for (const auto& dir : dirs_) {
    const auto file = dir / (name + ".json");
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) continue;
    EvidenceTrace e;
    BULWARK_TRY(text, slurp(file));
    e.trace_json = std::move(text);
    const auto meta = dir / (name + ".meta.json");
    if (std::filesystem::is_regular_file(meta, ec)) {
      BULWARK_TRY(mtext, slurp(meta));
      auto j = nlohmann::json::parse(mtext, nullptr, false);
      if (!j.is_object() || !j.contains("block") || !j.contains("time") || !j["block"].is_number_unsigned() ||
          !j["time"].is_number_integer())
        return fail(ErrorCode::kInvalidArgument, meta.string() + ": expected {\"block\": n, \"time\": t}");
      e.block = j["block"].get<std::uint64_t>();
      e.time = j["time"].get<std::int64_t>();
    }
    if (auto it = blocks_.find(name); it != blocks_.end()) std::tie(e.block, e.time) = it->second;
    return e;
  }
  return fail(ErrorCode::kNotFound, "no recorded trace of transaction " + name);
}

Result<ProofResult> prove(const Product& product,
                          const std::vector<std::pair<Hash32, EvidenceTrace>>& evidence,
                          const detect::DetectConfig& config) {
  ProofResult out;
  Proof& proof = out.proof;
  const std::set<Address> contracts(product.contracts.begin(), product.contracts.end());
  std::map<std::pair<Address, std::string>, U256> losses;
  std::map<std::pair<Address, std::string>, detect::NetAmount> net;
  std::set<Address> attackers;
  std::set<Address> victims_seen;
  std::vector<std::pair<Hash32, detect::FlowSummary>> flows;
  U256 best_loss;
  for (const auto& [tx, ev] : evidence) {
    auto trace = chain::parse_any_trace(ev.trace_json);
    if (!trace) return std::unexpected(with_context(trace.error(), "evidence transaction " + tx.to_hex()));
    auto analysis = detect::analyze(*trace, config);
    EvidenceTx etx{tx, ev.block, ev.time, "", std::string(detect::to_string(analysis.max_severity()))};
    for (const auto& f : analysis.findings) {
      if (!detect::incident_grade(f.severity)) continue;
      if (etx.kind.empty()) etx.kind = std::string(detect::to_string(f.kind));
      for (const auto& a : f.attackers) attackers.insert(a);
      for (const auto& l : f.loss) {
        auto& sum = losses[{l.victim, key_of(product.chain_id, l.asset)}];
        sum = sum.checked_add(l.amount).value_or(U256::max());
        victims_seen.insert(l.victim);
        if (contracts.contains(l.victim) && (proof.kind.empty() || l.amount > best_loss)) {
          proof.kind = std::string(detect::to_string(f.kind));
          best_loss = l.amount;
        }
      }
    }
    for (const auto& [k, v] : analysis.flows.net) {
      auto& n = net[{k.first, key_of(product.chain_id, k.second)}];
      n.in = n.in.checked_add(v.in).value_or(U256::max());
      n.out = n.out.checked_add(v.out).value_or(U256::max());
    }
    if (ev.block != 0 && (proof.block == 0 || ev.block < proof.block)) proof.block = ev.block;
    if (ev.time != 0 && (proof.time == 0 || ev.time < proof.time)) proof.time = ev.time;
    flows.emplace_back(tx, std::move(analysis.flows));
    proof.txs.push_back(std::move(etx));
  }
  for (const auto& [k, amount] : losses) {
    proof.losses.push_back({k.first, k.second, amount});
    if (contracts.contains(k.first)) {
      auto& sum = out.product_loss[k.second];  // summed over the product's contracts
      sum = sum.checked_add(amount).value_or(U256::max());
    }
  }
  for (const auto& [k, n] : net) {
    if (!n.loss() || attackers.contains(k.first) || losses.contains(k)) continue;
    if (proof.net_losses.size() >= kMaxNetLosses) break;
    proof.net_losses.push_back({k.first, k.second, n.magnitude()});
  }
  proof.attackers.assign(attackers.begin(), attackers.end());
  std::set<Address> funded;
  for (const auto& [tx, summary] : flows)
    for (const auto& f : summary.flows) {
      if (!attackers.contains(f.from) || attackers.contains(f.to) || f.to.is_zero() || f.amount.is_zero())
        continue;
      if (funded.size() >= kMaxFunded || !funded.insert(f.to).second) continue;
      proof.funded.push_back({f.from, f.to, tx});
    }
  if (out.product_loss.empty()) {
    std::string contracts_text;
    for (const auto& c : product.contracts)
      contracts_text += (contracts_text.empty() ? "" : ", ") + c.to_checksum();
    if (losses.empty()) {
      out.rejection = "the evidence shows no loss to the product's contracts (" + contracts_text +
                      "): no incident-grade finding in its transactions";
    } else {
      std::string victims;
      for (const auto& v : victims_seen) victims += (victims.empty() ? "" : ", ") + v.to_checksum();
      out.rejection = "the evidence shows no loss to the product's contracts (" + contracts_text +
                      "): the losses it proves are those of " + victims;
    }
  }
  return out;
}

}  // namespace bulwark::cover
