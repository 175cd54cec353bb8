#pragma once
/// The historical incident record the risk models are calibrated on: parsing and normalising it.
///
/// The source (../shared/data/incidents/defi-incidents.json, from the public DeFiHackLabs incident
/// list) is an array of {date "YYYYMMDD", name, type (free text, ~170 labels), Lost (a number or
/// null), lossType (the unit of Lost: "USD" mostly, sometimes a token symbol), Contract, chain}.
/// Pure: the caller reads the file and passes its text.

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bulwark/core/error.hpp"

namespace bulwark::risk {

/// The attack classes the free-text labels are normalised into.
enum class AttackClass {
  kLogic,
  kPriceManipulation,
  kAccessControl,
  kReentrancy,
  kGovernance,
  kBridge,
  kOther
};
inline constexpr std::array kAttackClasses{AttackClass::kLogic,         AttackClass::kPriceManipulation,
                                           AttackClass::kAccessControl, AttackClass::kReentrancy,
                                           AttackClass::kGovernance,    AttackClass::kBridge,
                                           AttackClass::kOther};
std::string_view to_string(AttackClass c);

/// Maps a free-text attack label ("Flash Loan Attack", "Compromised Private Key", ...) to its class
/// by keywords, first match wins in the order: reentrancy, governance, bridge, price manipulation
/// (flash loans, oracles, slippage, sandwiches), access control (keys, signatures, permissions),
/// logic (validation, precision, overflow, accounting); anything else is kOther.
AttackClass classify_attack(std::string_view label);

struct Incident {
  int year = 0;
  int month = 0;
  std::string name;
  std::string label;  ///< The source's own attack label.
  AttackClass attack = AttackClass::kOther;
  std::optional<double> loss_usd;  ///< Only when the source states the loss in USD.
  std::string chain;
};

/// Parses the incident list. Entries with an unreadable date are an error (kInvalidArgument,
/// naming the entry); a missing or non-USD loss leaves loss_usd empty.
Result<std::vector<Incident>> parse_incidents(std::string_view json_text);

}  // namespace bulwark::risk
