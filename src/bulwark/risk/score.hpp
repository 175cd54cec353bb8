#pragma once
/// Per-product risk scores: an annual exploit frequency and a loss-given-exploit distribution, from
/// a product's documented factors and its live signals, and the calibration they rest on.
///
/// frequency = base rate x (overall multipliers) x sum over attack classes of
///             (class share x class multipliers)
/// severity  = the fitted spliced loss model, scaled by exp(class shift + chain shift + TVL shift)
///
/// - The base rate is the fitted number of incidents a year divided by a prior protocol population.
/// - Class shares come from a Poisson regression of yearly incident counts by attack class and
///   chain, fitted by maximum likelihood and checked on held-out years (fit_incident_regression).
/// - Severity shifts per attack class and per chain are fitted (mean log-loss differences, with
///   credibility shrinkage); the TVL elasticity is a prior.
/// - Every other multiplier (TVL, age, audits, bug bounty, past incidents, upgradeability, oracle
///   design, live signals, shared-dependency rates) is a documented prior.
/// Every score lists its factors, their values, multipliers and whether each is fitted or a prior.
/// Pure: no I/O, no clock.

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bulwark/core/clock.hpp"
#include "bulwark/core/error.hpp"
#include "bulwark/risk/incidents.hpp"
#include "bulwark/risk/severity.hpp"

namespace bulwark::risk {

// ---- live signals (filled by the monitor's detectors) ----

/// How serious a finding is. kIncident (an exploit in progress or confirmed) suspends sales.
enum class SignalSeverity { kInfo, kLow, kMedium, kHigh, kIncident };
std::string_view to_string(SignalSeverity s);
Result<SignalSeverity> parse_signal_severity(std::string_view s);  ///< "info" ... "incident"

/// One finding on a product, open until reviewed.
struct LiveSignal {
  SignalSeverity severity = SignalSeverity::kInfo;
  std::string kind;  ///< What was seen, e.g. "oracle_deviation", "admin_key_change".
  UnixTime time = 0;
};

/// The frequency multiplier of one open finding (a prior): info 1, low 1.1, medium 1.5, high 2.5;
/// an incident suspends sales instead.
double signal_multiplier(SignalSeverity s);

// ---- documented factors ----

enum class OracleDesign { kNone, kChainlink, kTwap, kSpot };
enum class Upgradeability { kImmutable, kTimelockMultisig, kMultisig, kAdminKey };
enum class DependencyKind { kOracle, kBridge, kFork };
std::string_view to_string(OracleDesign o);
std::string_view to_string(Upgradeability u);
std::string_view to_string(DependencyKind k);
Result<OracleDesign> parse_oracle_design(std::string_view s);  ///< none, chainlink, twap, spot
Result<Upgradeability> parse_upgradeability(
    std::string_view s);  ///< immutable, timelock, multisig, admin_key
Result<DependencyKind> parse_dependency_kind(std::string_view s);  ///< oracle, bridge, fork

/// A dependency shared with other products: one failure of it hits all of them.
struct SharedDependency {
  DependencyKind kind = DependencyKind::kOracle;
  std::string name;  ///< e.g. "chainlink-eth-usd", "wormhole", "compound-v2"
  /// Its failure rate a year (a prior by kind: oracle 0.5%, bridge 2%, forked code 1%).
  double rate() const;
  std::string key() const;  ///< "kind:name", unique per dependency
  bool operator==(const SharedDependency&) const = default;
};
/// Parses "kind:name".
Result<SharedDependency> parse_dependency(std::string_view s);

/// What is known about a protocol. Defaults are the reference levels (multiplier 1) except TVL.
struct RiskFactors {
  double tvl_usd = 10e6;
  double age_days = 730;
  int audits = 1;
  double bug_bounty_usd = 0;
  int past_incidents = 0;
  Upgradeability upgradeability = Upgradeability::kTimelockMultisig;
  OracleDesign oracle = OracleDesign::kTwap;
  std::vector<SharedDependency> dependencies;
  std::string chain = "Ethereum";
  bool operator==(const RiskFactors&) const = default;
};

/// Canonical JSON text of the factors, and back. Errors: kInvalidArgument naming the field.
std::string factors_to_json(const RiskFactors& f);
Result<RiskFactors> factors_from_json(std::string_view text);
/// Checks ranges: tvl > 0, age >= 0, audits and incidents >= 0, bounty >= 0, chain not empty.
Status validate(const RiskFactors& f);

// ---- calibration ----

/// The parameters scores rest on. `fitted` ones come from the incident record; the rest are priors.
struct Calibration {
  // Fitted.
  SeverityModel severity;
  double incidents_per_year = 0;
  std::map<AttackClass, double> class_share;      ///< From the Poisson regression; sums to 1.
  std::map<AttackClass, double> class_log_shift;  ///< ln-loss shift of each class, shrunk.
  std::map<std::string, double> chain_log_shift;  ///< ln-loss shift of each chain group, shrunk.
  // Priors.
  double protocol_population = 4'000;  ///< Protocols the incident record is drawn from.
  double tvl_reference_usd = 10e6;     ///< TVL at which the TVL multipliers are 1.
  double tvl_frequency_elasticity = 0.15;
  double tvl_severity_elasticity = 0.5;

  /// incidents_per_year / protocol_population: the reference protocol's exploits a year.
  double base_rate() const { return incidents_per_year / protocol_population; }
};

/// The chain group a chain name falls in: "Ethereum", "BSC", "Arbitrum", "Base", "Polygon",
/// or "other" (chain names as the incident record spells them; "BNB Chain" is BSC).
std::string chain_group(std::string_view chain);
inline constexpr std::string_view kChainGroups[] = {"Ethereum", "BSC",     "Arbitrum",
                                                    "Base",     "Polygon", "other"};

/// A Poisson regression: log E[count] = x . coef, fitted by maximum likelihood (Newton's method).
struct PoissonFit {
  std::vector<double> coef;
  std::vector<double> stderr_;  ///< From the inverse Fisher information.
  double log_likelihood = 0;
  int iterations = 0;
};
/// Errors: kInvalidArgument for mismatched sizes or negative counts; kFailedPrecondition when the
/// information matrix is singular or Newton's method does not converge.
Result<PoissonFit> fit_poisson(const std::vector<std::vector<double>>& x, const std::vector<double>& y);

/// The regression of yearly incident counts by (attack class, chain group, year):
///   log E[n] = year effect + class effect + chain effect,
/// fitted on the training years and checked on the held-out years, where each held-out year's
/// level is set from its own total (so only the class and chain structure is being tested)
/// against a null model that spreads each year's total evenly over the cells.
struct IncidentRegression {
  int train_from = 0, train_to = 0, test_from = 0, test_to = 0;
  std::map<AttackClass, double> class_share;       ///< exp(class effect), normalised (all years)
  std::map<std::string, double> chain_rate_ratio;  ///< exp(chain effect) relative to Ethereum
  std::map<AttackClass, double> class_effect_stderr;
  double heldout_deviance = 0;             ///< Deviance of the model on the held-out cells.
  double heldout_null_deviance = 0;        ///< Deviance of the even-spread null model there.
  double heldout_log_likelihood_gain = 0;  ///< Held-out log-likelihood, model minus null.
  std::size_t cells = 0;
  int iterations = 0;
};
Result<IncidentRegression> fit_incident_regression(const std::vector<Incident>& incidents, int train_from,
                                                   int train_to, int test_from, int test_to);

/// Fits every fitted parameter of a Calibration on [from, to]; priors keep their defaults.
Result<Calibration> calibrate(const std::vector<Incident>& incidents, int from, int to,
                              double tail_threshold_usd = 1e6);

/// The calibration fitted on ../shared/data/incidents/defi-incidents.json, 2021-2025, compiled in
/// (risk/score.cpp; a unit test re-fits it from the file and checks it matches).
const Calibration& default_calibration();

// ---- scores ----

/// One factor of a score.
struct Factor {
  std::string name;        ///< "audits", "oracle", ...
  std::string value;       ///< The product's value, as text.
  std::string applies_to;  ///< "frequency", "frequency: logic, reentrancy", "severity", ...
  double multiplier = 1;   ///< Its multiplier (severity: the loss scale).
  bool fitted = false;     ///< Fitted on the incident record (else a prior).
};

struct RiskScore {
  double own_frequency = 0;         ///< The product's own exploits a year (without dependencies).
  double dependency_frequency = 0;  ///< Failures a year of its shared dependencies, together.
  double frequency = 0;             ///< own + dependency.
  double severity_scale = 1;        ///< Protocol losses are the fitted model's times this.
  double loss_given_exploit = 0;    ///< E[min(1, scale * X / TVL)]: mean share of cover lost per event.
  double expected_loss_rate = 0;    ///< frequency x loss_given_exploit: annual expected loss per unit cover.
  double tvl_usd = 0;
  bool suspended = false;                         ///< An incident-grade finding is open: no sales.
  std::string suspension;                         ///< Why, when suspended.
  std::map<AttackClass, double> class_frequency;  ///< own_frequency split by attack class.
  std::vector<Factor> factors;
};

/// Scores a product. `signals` are its open findings. Errors: kInvalidArgument for invalid factors.
Result<RiskScore> score(const RiskFactors& factors, std::span<const LiveSignal> signals = {},
                        const Calibration& calibration = default_calibration());

/// E[min(1, scale * X / tvl)] for X from the spliced model: the body by quadrature, the Pareto tail
/// in closed form.
double expected_loss_share(const SeverityModel& model, double scale, double tvl);

/// E[max(0, min(1, scale * X / tvl) - deductible)]: the mean share of the cover paid per event
/// when every payout first loses a deductible of `deductible` (a share of the cover; 0 pays the
/// whole loss, 1 or more pays nothing). Exactly expected_loss_share(model, scale, tvl) less
/// deductible * expected_loss_share(model, scale, tvl * deductible), since
/// E[min(d, Y)] = d E[min(1, Y / d)]; both parts come from the same quadrature points, so it is
/// never negative and falls as the deductible grows.
double expected_excess_share(const SeverityModel& model, double scale, double tvl, double deductible);

}  // namespace bulwark::risk
