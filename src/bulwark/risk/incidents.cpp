#include "bulwark/risk/incidents.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>

#include <nlohmann/json.hpp>

namespace bulwark::risk {
namespace {

struct Rule {
  AttackClass attack;
  std::initializer_list<std::string_view> keywords;
};

// Order matters: a "flash loan reentrancy" is a reentrancy; "price oracle access" a price attack.
const Rule kRules[] = {
    {AttackClass::kReentrancy, {"reentr", "read-only"}},
    {AttackClass::kGovernance, {"governance", "vote", "proposal"}},
    {AttackClass::kBridge, {"bridge", "cross-chain", "crosschain"}},
    {AttackClass::kPriceManipulation,
     {"flash", "price", "oracle", "slippage", "sandwich", "manipulat", "skim", "donat", "mev", "front",
      "liquidity", "reserve", "swap", "arbitrage"}},
    {AttackClass::kAccessControl,
     {"access", "key", "signature", "permission", "author", "owner", "admin", "phish", "rug", "insider",
      "upgrade", "initializ", "privilege", "approv", "compromise", "social engineering", "forwarder",
      "spoof"}},
    {AttackClass::kLogic,
     {"logic",        "validat",   "precision", "round",     "overflow",  "underflow", "calcul",
      "arbitrary",    "arbitary",  "input",     "config",    "business",  "check",     "verif",
      "accounting",   "reward",    "reflect",   "deflation", "fee",       "burn",      "mint",
      "rng",          "random",    "storage",   "uninit",    "type",      "math",      "error",
      "bug",          "flaw",      "incorrect", "missing",   "lack",      "improper",  "unchecked",
      "unsafe",       "inflation", "mismatch",  "decimal",   "duplicate", "double",    "redemption",
      "incompatible", "denial"}},
};

}  // namespace

std::string_view to_string(AttackClass c) {
  switch (c) {
    case AttackClass::kLogic: return "logic";
    case AttackClass::kPriceManipulation: return "price_manipulation";
    case AttackClass::kAccessControl: return "access_control";
    case AttackClass::kReentrancy: return "reentrancy";
    case AttackClass::kGovernance: return "governance";
    case AttackClass::kBridge: return "bridge";
    case AttackClass::kOther: return "other";
  }
  return "other";
}

AttackClass classify_attack(std::string_view label) {
  std::string lower(label);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char ch) { return char(std::tolower(ch)); });
  for (const Rule& rule : kRules)
    for (std::string_view k : rule.keywords)
      if (lower.find(k) != std::string::npos) return rule.attack;
  return AttackClass::kOther;
}

Result<std::vector<Incident>> parse_incidents(std::string_view json_text) {
  const auto doc = nlohmann::json::parse(json_text, nullptr, false);
  if (!doc.is_array()) return fail(ErrorCode::kInvalidArgument, "incident list: expected a JSON array");
  std::vector<Incident> out;
  out.reserve(doc.size());
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const auto& e = doc[i];
    auto text = [&](const char* key) {
      return e.is_object() && e.contains(key) && e[key].is_string() ? e[key].get<std::string>()
                                                                    : std::string();
    };
    Incident inc;
    inc.name = text("name");
    const std::string date = text("date");
    if (date.size() != 8 ||
        !std::all_of(date.begin(), date.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return fail(ErrorCode::kInvalidArgument, "incident " + std::to_string(i) + " (" + inc.name +
                                                   "): date '" + date + "' is not YYYYMMDD");
    inc.year = std::stoi(date.substr(0, 4));
    inc.month = std::stoi(date.substr(4, 2));
    if (inc.month < 1 || inc.month > 12)
      return fail(ErrorCode::kInvalidArgument,
                  "incident " + std::to_string(i) + ": month out of range in " + date);
    inc.label = text("type");
    inc.attack = classify_attack(inc.label);
    inc.chain = text("chain");
    if (text("lossType") == "USD" && e.contains("Lost") && e["Lost"].is_number() &&
        e["Lost"].get<double>() > 0)
      inc.loss_usd = e["Lost"].get<double>();
    out.push_back(std::move(inc));
  }
  return out;
}

}  // namespace bulwark::risk
