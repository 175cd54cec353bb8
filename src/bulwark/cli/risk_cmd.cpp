#include "bulwark/cli/risk_cmd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

#include "bulwark/cli/risk_report.hpp"
#include "bulwark/risk/capital_model.hpp"
#include "bulwark/risk/incidents.hpp"
#include "bulwark/risk/score.hpp"
#include "bulwark/risk/severity.hpp"

namespace bulwark::cli {
namespace {

using nlohmann::json;
using namespace bulwark::cover;

Result<std::vector<risk::Incident>> read_incidents(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(ErrorCode::kIo, "cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return risk::parse_incidents(text.str());
}

std::string pct(double x) {
  return std::isfinite(x) ? fmt::format("{:.2f}%", 100 * x) : "inf";
}
std::string num(double x) {
  return std::isfinite(x) ? fmt::format("{:.6g}", x) : "inf";
}
json finite(double x) {
  return std::isfinite(x) ? json(x) : json(nullptr);
}

json score_json(const risk::RiskScore& s) {
  json factors = json::array();
  for (const auto& f : s.factors)
    factors.push_back({{"name", f.name},
                       {"value", f.value},
                       {"applies_to", f.applies_to},
                       {"multiplier", f.multiplier},
                       {"fitted", f.fitted}});
  json classes = json::object();
  for (const auto& [c, v] : s.class_frequency) classes[std::string(risk::to_string(c))] = v;
  return {{"own_frequency", s.own_frequency},
          {"dependency_frequency", s.dependency_frequency},
          {"frequency", s.frequency},
          {"severity_scale", s.severity_scale},
          {"loss_given_exploit", s.loss_given_exploit},
          {"expected_loss_rate", s.expected_loss_rate},
          {"tvl_usd", s.tvl_usd},
          {"suspended", s.suspended},
          {"suspension", s.suspension},
          {"class_frequency", classes},
          {"factors", factors}};
}

/// The books to work on: the asset named, or every asset that has products.
Result<std::vector<RiskBook>> books_for(Context& c, const std::string& asset) {
  std::vector<RiskBook> out;
  if (!asset.empty()) {
    BULWARK_TRY(a, resolve_asset(*c.ledger, asset));
    BULWARK_TRY(rb, c.ledger->risk_book(a.key()));
    out.push_back(std::move(rb));
    return out;
  }
  BULWARK_TRY(b, c.ledger->books());
  for (const auto& a : b.assets) {
    BULWARK_TRY(rb, c.ledger->risk_book(a.key()));
    if (!rb.entries.empty()) out.push_back(std::move(rb));
  }
  if (out.empty()) return fail(ErrorCode::kNotFound, "no products yet: nothing to simulate");
  return out;
}

unsigned default_threads() {
  return std::max(1u, std::min(2u, std::thread::hardware_concurrency()));
}

/// The most extra cover on entry `i` (up to its free capacity) that keeps the book's solvency
/// ratio at `target`, by bisection on the capital model (same seed each step).
Result<double> solvency_capacity(const RiskBook& rb, std::size_t i, double target, std::size_t years,
                                 std::uint64_t seed) {
  auto solvent = [&](double extra) -> Result<bool> {
    risk::Book b = rb.book;
    cover::set_cover(b.products[i], rb.entries[i], extra);
    BULWARK_TRY(r, risk::simulate(b, {.years = years, .seed = seed, .threads = default_threads()}));
    return r.solvency_ratio >= target;
  };
  const double hi_cap = rb.entries[i].capacity_available;
  if (hi_cap <= 0) return 0.0;
  BULWARK_TRY(all, solvent(hi_cap));
  if (all) return hi_cap;
  BULWARK_TRY(none, solvent(0));
  if (!none) return 0.0;
  double lo = 0, hi = hi_cap;
  for (int step = 0; step < 14; ++step) {
    const double mid = (lo + hi) / 2;
    BULWARK_TRY(ok, solvent(mid));
    (ok ? lo : hi) = mid;
  }
  return lo;
}

json simulation_json(const RiskBook& rb, const risk::SimulationResult& r) {
  json products = json::array();
  for (std::size_t i = 0; i < rb.entries.size(); ++i)
    products.push_back({{"product", rb.entries[i].product.id},
                        {"name", rb.entries[i].product.name},
                        {"exposure", rb.entries[i].exposure},
                        {"frequency", rb.entries[i].score.frequency},
                        {"marginal_capital", r.marginal_capital[i]}});
  json convergence = json::array();
  for (const auto& [n, v] : r.convergence) convergence.push_back({{"years", n}, {"var", v}});
  return {{"asset", rb.asset.key()},
          {"symbol", rb.asset.symbol},
          {"capital", rb.book.capital},
          {"years", r.years},
          {"mean", r.mean},
          {"mean_stderr", r.mean_stderr},
          {"var", r.var},
          {"var_ci95", {r.var_low, r.var_high}},
          {"tvar", r.tvar},
          {"ruin_probability", r.ruin_probability},
          {"scr", r.scr},
          {"solvency_ratio", finite(r.solvency_ratio)},
          {"products", products},
          {"convergence", convergence}};
}

std::string simulation_text(const RiskBook& rb, const risk::SimulationResult& r) {
  const std::string& u = rb.asset.symbol;
  std::string t = fmt::format(
      "{} book: {} products, capital {} {}\n  {} simulated years\n  annual loss: mean {} +- {} {}\n"
      "  VaR 99.5% {} {} (95% CI {} .. {}), TVaR 99.5% {} {}\n  probability of ruin {}, SCR {} {}, "
      "solvency ratio {}\n",
      u, rb.entries.size(), num(rb.book.capital), u, r.years, num(r.mean), num(1.96 * r.mean_stderr), u,
      num(r.var), u, num(r.var_low), num(r.var_high), num(r.tvar), u, pct(r.ruin_probability), num(r.scr), u,
      pct(r.solvency_ratio));
  t += "  convergence of the VaR:";
  for (const auto& [n, v] : r.convergence) t += fmt::format(" {} years {};", n, num(v));
  t += "\n";
  for (std::size_t i = 0; i < rb.entries.size(); ++i)
    t += fmt::format("  product {} ({}): cover {} {}, {:.4f} exploits a year, marginal capital {} {}\n",
                     rb.entries[i].product.id, rb.entries[i].product.name, num(rb.entries[i].exposure), u,
                     rb.entries[i].score.frequency, num(r.marginal_capital[i]), u);
  return t;
}

/// One historical year replayed against today's book.
struct StressYear {
  int year = 0;
  std::size_t incidents = 0;
  double frequency_ratio = 0;  ///< The year's incidents over the calibration years' mean.
  bool own_severity = false;   ///< Severity fitted on the year's own losses (else the full fit).
  risk::SeverityModel severity;
  risk::SimulationResult result;
};

/// Each year's frequency (by attack class, relative to the mean year of [from, to]) and its own
/// fitted severity, applied to the book's products.
Result<std::vector<StressYear>> stress_years(const RiskBook& rb, const std::vector<risk::Incident>& incidents,
                                             int from, int to, std::size_t years, std::uint64_t seed) {
  if (from > to) return fail(ErrorCode::kInvalidArgument, "--from must not be after --to");
  std::map<int, std::map<risk::AttackClass, double>> by_year;
  std::map<risk::AttackClass, double> mean;
  std::map<int, std::vector<double>> losses;
  for (const auto& inc : incidents) {
    if (inc.year < from || inc.year > to) continue;
    by_year[inc.year][inc.attack] += 1;
    mean[inc.attack] += 1.0 / double(to - from + 1);
    if (inc.loss_usd) losses[inc.year].push_back(*inc.loss_usd);
  }
  double mean_total = 0;
  for (const auto& [_, v] : mean) mean_total += v;
  std::vector<StressYear> out;
  for (int y = from; y <= to; ++y) {
    StressYear s;
    s.year = y;
    double total = 0;
    for (const auto& [_, v] : by_year[y]) total += v;
    s.incidents = std::size_t(total);
    s.frequency_ratio = mean_total > 0 ? total / mean_total : 0;
    risk::Book book = rb.book;
    for (std::size_t i = 0; i < rb.entries.size(); ++i) {
      double f = 0;
      for (const auto& [c, v] : rb.entries[i].score.class_frequency)
        f += v * (by_year[y][c] + 0.5) / (mean[c] + 0.5);
      book.products[i].frequency = f;
    }
    auto fitted = risk::fit_severity(losses[y], 1e6);
    s.own_severity = bool(fitted);
    s.severity = fitted ? *fitted : rb.book.severity;
    book.severity = s.severity;
    BULWARK_TRY(r, risk::simulate(book, {.years = years, .seed = seed, .threads = default_threads()}));
    s.result = std::move(r);
    out.push_back(std::move(s));
  }
  return out;
}

json stress_json(const std::vector<StressYear>& ys) {
  json out = json::array();
  for (const auto& s : ys)
    out.push_back({{"year", s.year},
                   {"incidents", s.incidents},
                   {"frequency_ratio", s.frequency_ratio},
                   {"own_severity", s.own_severity},
                   {"severity_median_usd", s.severity.quantile(0.5)},
                   {"tail_alpha", s.severity.tail_alpha},
                   {"mean_loss", s.result.mean},
                   {"var", s.result.var},
                   {"tvar", s.result.tvar},
                   {"ruin_probability", s.result.ruin_probability},
                   {"solvency_ratio", finite(s.result.solvency_ratio)}});
  return out;
}

std::string stress_text(const RiskBook& rb, const std::vector<StressYear>& ys) {
  const std::string& u = rb.asset.symbol;
  std::string t = fmt::format("{} book, capital {} {}: each historical year replayed against today's cover\n",
                              u, num(rb.book.capital), u);
  t += fmt::format("  {:<6} {:>9} {:>8} {:>12} {:>6} {:>12} {:>12} {:>12} {:>9} {:>10}\n", "year",
                   "incidents", "x mean", "median loss", "alpha", "mean loss", "VaR 99.5%", "TVaR 99.5%",
                   "ruin", "solvency");
  for (const auto& s : ys)
    t +=
        fmt::format("  {:<6} {:>9} {:>8.2f} {:>12} {:>6.2f} {:>12} {:>12} {:>12} {:>9} {:>10}{}\n", s.year,
                    s.incidents, s.frequency_ratio, num(s.severity.quantile(0.5)), s.severity.tail_alpha,
                    num(s.result.mean), num(s.result.var), num(s.result.tvar), pct(s.result.ruin_probability),
                    pct(s.result.solvency_ratio), s.own_severity ? "" : " (full-record severity)");
  return t;
}

}  // namespace

Output score_output(const risk::RiskScore& s) {
  Output o{score_json(s), ""};
  o.text = fmt::format(
      "  exploits a year: {:.4f} own + {:.4f} shared dependencies = {:.4f}\n  loss given exploit: {} of "
      "cover "
      "(protocol losses x{:.2f}, TVL ${:.3g})\n  expected annual loss: {} of cover\n",
      s.own_frequency, s.dependency_frequency, s.frequency, pct(s.loss_given_exploit), s.severity_scale,
      s.tvl_usd, pct(s.expected_loss_rate));
  if (s.suspended) o.text += "  SALES SUSPENDED: " + s.suspension + "\n";
  o.text += "  factors (multiplier, fitted on the incident record or a prior):\n";
  for (const auto& f : s.factors)
    o.text += fmt::format("    {:<22} {:<44} x{:<9.4g} {:<6} {}\n", f.name, f.value, f.multiplier,
                          f.fitted ? "fitted" : "prior", f.applies_to);
  return o;
}

Output breakdown_output(const PriceBreakdown& b, const Asset& a) {
  Output o;
  o.data = {{"scored", b.scored},
            {"binding", b.binding},
            {"pure_premium", amount_json(b.pure_premium, a)},
            {"capital_cost", amount_json(b.capital_cost, a)},
            {"fees", amount_json(b.fees, a)},
            {"floor", amount_json(b.floor, a)},
            {"target_price_bps", b.target_price_bps},
            {"market_price_bps", b.market_price_bps},
            {"market_at_target", amount_json(b.market_at_target, a)},
            {"utilisation_bump", amount_json(b.utilisation_bump, a)},
            {"market", amount_json(b.market, a)},
            {"market_loading", amount_json(b.market_loading, a)},
            {"signal_multiplier", b.signal_multiplier}};
  o.text = fmt::format("  premium = max(floor, market): the {} price binds\n", b.binding);
  if (b.scored)
    o.text += fmt::format("    floor: pure premium {} + capital cost {} + fees {} = {}\n",
                          fmt_amount(b.pure_premium, a), fmt_amount(b.capital_cost, a), fmt_amount(b.fees, a),
                          fmt_amount(b.floor, a));
  else
    o.text += "    floor: none (the product has no risk factors; `bulwark risk set` scores it)\n";
  o.text += fmt::format(
      "    market: {} at the target {:.2f}%/year + utilisation bump {} = {} (price now {:.2f}%/year)\n",
      fmt_amount(b.market_at_target, a), double(b.target_price_bps) / 100, fmt_amount(b.utilisation_bump, a),
      fmt_amount(b.market, a), double(b.market_price_bps) / 100);
  if (b.scored) o.text += fmt::format("    market above the floor: {}\n", fmt_amount(b.market_loading, a));
  if (b.signal_multiplier != 1)
    o.text += fmt::format("    open findings raise the target and frequency x{:.2f}\n", b.signal_multiplier);
  if (b.scored && b.score) {
    o.data["capital_model"] = {{"deductible_share", b.deductible_share},
                               {"expected_loss", b.expected_loss},
                               {"marginal_capital", b.marginal_capital},
                               {"capital", b.capital},
                               {"scr", b.scr},
                               {"solvency_ratio", finite(b.solvency_ratio)}};
    o.text += fmt::format(
        "    capital model with this cover: expected loss {} {}/year, marginal capital {} {}; book capital "
        "{}, "
        "SCR {}, solvency ratio {}\n",
        num(b.expected_loss), a.symbol, num(b.marginal_capital), a.symbol, num(b.capital), num(b.scr),
        pct(b.solvency_ratio));
    if (b.deductible_share > 0)
      o.text +=
          fmt::format("    deductible {} of the cover, taken off every payout\n", pct(b.deductible_share));
    Output s = score_output(*b.score);
    o.data["risk"] = s.data;
    o.text += "  risk score:\n" + s.text;
  }
  return o;
}

void add_risk_commands(CLI::App& app, Command& command, bool& needs_store) {
  auto* risk_cmd = app.add_subcommand(
      "risk",
      "Risk: calibration, product risk factors and live signals, scores, capital model, stress, report");
  risk_cmd->require_subcommand(1);
  static struct {
    std::string incidents;
    double threshold = 1e6;
    int from = 2021, to = 2025;
    Id product = 0;
    std::string tvl, age, audits, bounty, past, upgradeability, oracle, chain, severity, kind, asset, out;
    std::vector<std::string> dependencies;
    bool clear_dependencies = false;
    std::int64_t signal = 0;
    std::size_t paths = 100'000;
    std::uint64_t seed = 1;
    unsigned threads = 0;
  } ro;
  auto* calibrate = risk_cmd->add_subcommand(
      "calibrate",
      "Fit loss severity (lognormal body, Pareto tail) and yearly exploit frequency to an incident list");
  calibrate->add_option("--incidents", ro.incidents, "Incident list (JSON, the DeFiHackLabs incident format)")
      ->required();
  calibrate->add_option("--threshold", ro.threshold, "USD loss above which the Pareto tail is fitted")
      ->capture_default_str();
  calibrate->add_option("--from", ro.from, "First year used")->capture_default_str();
  calibrate->add_option("--to", ro.to, "Last year used")->capture_default_str();
  calibrate->callback([&] {
    needs_store = false;
    command = [](Context&) -> Result<Output> {
      std::ifstream in(ro.incidents);
      if (!in) return fail(ErrorCode::kIo, "cannot read " + ro.incidents);
      std::stringstream text;
      text << in.rdbuf();
      BULWARK_TRY(incidents, risk::parse_incidents(text.str()));
      std::vector<double> losses;
      for (const auto& inc : incidents)
        if (inc.year >= ro.from && inc.year <= ro.to && inc.loss_usd) losses.push_back(*inc.loss_usd);
      BULWARK_TRY(sev, risk::fit_severity(losses, ro.threshold));
      BULWARK_TRY(freq, risk::fit_frequency(incidents, ro.from, ro.to));
      Output o;
      o.data = {{"incidents", incidents.size()},
                {"years", {ro.from, ro.to}},
                {"severity",
                 {{"losses", sev.losses},
                  {"mu", sev.mu},
                  {"sigma", sev.sigma},
                  {"threshold_usd", sev.threshold},
                  {"tail_alpha", sev.tail_alpha},
                  {"tail_alpha_stderr", sev.alpha_stderr},
                  {"tail_share", sev.tail_share},
                  {"median_usd", sev.quantile(0.5)},
                  {"p90_usd", sev.quantile(0.9)},
                  {"p99_usd", sev.quantile(0.99)}}},
                {"frequency", {{"per_year", freq.per_year}, {"stderr", freq.rate_stderr}}}};
      o.text = fmt::format(
          "{} incidents; {} USD losses in {}..{}\nseverity: lognormal body mu {:.2f}, sigma {:.2f} (ln USD); "
          "Pareto tail above ${:.0f}: alpha {:.2f} +- {:.2f}, {:.1f}% of losses\n  median ${:.0f}, 90th "
          "percentile ${:.0f}, 99th ${:.0f}\nfrequency: {:.1f} +- {:.1f} incidents a year\n",
          incidents.size(), sev.losses, ro.from, ro.to, sev.mu, sev.sigma, sev.threshold, sev.tail_alpha,
          sev.alpha_stderr, 100 * sev.tail_share, sev.quantile(0.5), sev.quantile(0.9), sev.quantile(0.99),
          freq.per_year, freq.rate_stderr);
      for (const auto& [year, n] : freq.by_year) o.text += fmt::format("  {}: {}\n", year, n);
      o.data["frequency"]["by_year"] = freq.by_year;
      for (const auto& [cls, share] : freq.class_share) {
        o.text += fmt::format("  {:<20} {:5.1f}%\n", risk::to_string(cls), 100 * share);
        o.data["frequency"]["class_share"][std::string(risk::to_string(cls))] = share;
      }
      // The Poisson regression by class and chain, checked on the last two years held out.
      BULWARK_TRY(reg, risk::fit_incident_regression(incidents, ro.from, ro.to - 2, ro.to - 1, ro.to));
      BULWARK_TRY(cal, risk::calibrate(incidents, ro.from, ro.to, ro.threshold));
      o.text += fmt::format(
          "Poisson regression of yearly counts by class and chain ({} cells), trained on {}..{}, held out "
          "{}..{}:\n  held-out deviance {:.1f} vs {:.1f} for the even-spread null model (log-likelihood "
          "gain {:.1f})\n  chain incident-rate ratios vs Ethereum:",
          reg.cells, reg.train_from, reg.train_to, reg.test_from, reg.test_to, reg.heldout_deviance,
          reg.heldout_null_deviance, reg.heldout_log_likelihood_gain);
      for (const auto& [g, ratio] : reg.chain_rate_ratio) {
        o.text += fmt::format(" {} {:.2f}", g, ratio);
        o.data["regression"]["chain_rate_ratio"][g] = ratio;
      }
      o.text += "\n  severity shifts (ln loss, shrunk):";
      for (const auto& [cls, shift] : cal.class_log_shift) {
        o.text += fmt::format(" {} {:+.2f}", risk::to_string(cls), shift);
        o.data["severity"]["class_log_shift"][std::string(risk::to_string(cls))] = shift;
      }
      for (const auto& [g, shift] : cal.chain_log_shift) {
        o.text += fmt::format(" {} {:+.2f}", g, shift);
        o.data["severity"]["chain_log_shift"][g] = shift;
      }
      o.text += "\n";
      o.data["regression"]["heldout_deviance"] = reg.heldout_deviance;
      o.data["regression"]["heldout_null_deviance"] = reg.heldout_null_deviance;
      o.data["regression"]["heldout_log_likelihood_gain"] = reg.heldout_log_likelihood_gain;
      o.data["regression"]["cells"] = reg.cells;
      return o;
    };
  });

  // ---- risk set ----
  auto* set = risk_cmd->add_subcommand("set",
                                       "Set a product's risk factors (from then on it is priced with an "
                                       "actuarial floor and a solvency limit)");
  set->add_option("product", ro.product, "Product id")->required();
  set->add_option("--tvl", ro.tvl, "Total value locked, USD");
  set->add_option("--age-days", ro.age, "Days since the protocol launched");
  set->add_option("--audits", ro.audits, "Independent audits of the covered code");
  set->add_option("--bug-bounty", ro.bounty, "Largest bug-bounty payout, USD");
  set->add_option("--past-incidents", ro.past, "Exploits the protocol has suffered before");
  set->add_option("--upgradeability", ro.upgradeability,
                  "immutable, timelock (multisig behind a timelock), multisig or admin_key");
  set->add_option("--oracle", ro.oracle, "Price oracle: none, chainlink, twap or spot");
  set->add_option(
      "--dependency", ro.dependencies,
      "Shared dependency kind:name (oracle:, bridge:, fork:), repeat for several; replaces the list");
  set->add_flag("--no-dependencies", ro.clear_dependencies, "Clear the dependency list");
  set->add_option("--chain", ro.chain,
                  "Chain name as the incident record spells it (default: the product's chain id)");
  set->callback([&] {
    command = [](Context& c) -> Result<Output> {
      BULWARK_TRY(product, c.ledger->product(ro.product));
      BULWARK_TRY(current, c.ledger->product_risk(product.id));
      risk::RiskFactors f;
      if (current.factors)
        f = *current.factors;
      else
        f.chain = std::to_string(product.chain_id);
      auto number = [](const std::string& s, const char* option, double& out) -> Status {
        if (s.empty()) return {};
        std::size_t used = 0;
        try {
          out = std::stod(s, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used != s.size() || !std::isfinite(out))
          return fail(ErrorCode::kInvalidArgument, std::string(option) + ": '" + s + "' is not a number");
        return {};
      };
      auto integer = [&](const std::string& s, const char* option, int& out) -> Status {
        double v = out;
        BULWARK_CHECK(number(s, option, v));
        if (v != std::floor(v) || std::abs(v) > 1e6)
          return fail(ErrorCode::kInvalidArgument,
                      std::string(option) + ": '" + s + "' is not a whole number");
        out = int(v);
        return {};
      };
      BULWARK_CHECK(number(ro.tvl, "--tvl", f.tvl_usd));
      BULWARK_CHECK(number(ro.age, "--age-days", f.age_days));
      BULWARK_CHECK(integer(ro.audits, "--audits", f.audits));
      BULWARK_CHECK(number(ro.bounty, "--bug-bounty", f.bug_bounty_usd));
      BULWARK_CHECK(integer(ro.past, "--past-incidents", f.past_incidents));
      if (!ro.upgradeability.empty()) {
        BULWARK_TRY(u, risk::parse_upgradeability(ro.upgradeability));
        f.upgradeability = u;
      }
      if (!ro.oracle.empty()) {
        BULWARK_TRY(o, risk::parse_oracle_design(ro.oracle));
        f.oracle = o;
      }
      if (!ro.chain.empty()) f.chain = ro.chain;
      if (ro.clear_dependencies || !ro.dependencies.empty()) f.dependencies.clear();
      for (const auto& d : ro.dependencies) {
        BULWARK_TRY(dep, risk::parse_dependency(d));
        f.dependencies.push_back(dep);
      }
      BULWARK_TRY(r, c.ledger->set_risk_factors(product.id, f));
      BULWARK_TRY(s, risk::score(*r.factors));
      Output o = score_output(s);
      o.data["product"] = product.id;
      o.data["factors"] = json::parse(risk::factors_to_json(*r.factors));
      o.text = fmt::format("product {} ({}) scored:\n", product.id, product.name) + o.text;
      return o;
    };
  });

  // ---- risk signal / review ----
  auto* signal = risk_cmd->add_subcommand(
      "signal", "Record a live finding on a product: an incident suspends its sales, others raise its price");
  signal->add_option("product", ro.product, "Product id")->required();
  signal->add_option("--severity", ro.severity, "info, low, medium, high or incident")->required();
  signal->add_option("--kind", ro.kind, "What was seen, e.g. oracle_deviation, admin_key_change")->required();
  signal->callback([&] {
    command = [](Context& c) -> Result<Output> {
      BULWARK_TRY(sev, risk::parse_signal_severity(ro.severity));
      BULWARK_TRY(s, c.ledger->record_signal(ro.product, {sev, ro.kind, 0}));
      return Output{
          {{"product", ro.product},
           {"signal", s.id},
           {"severity", risk::to_string(s.signal.severity)},
           {"kind", s.signal.kind},
           {"time", s.signal.time}},
          fmt::format("signal {} on product {}: {} {}{}\n", s.id, ro.product, risk::to_string(sev), ro.kind,
                      sev == risk::SignalSeverity::kIncident ? " (sales suspended until reviewed)" : "")};
    };
  });
  auto* review = risk_cmd->add_subcommand("review", "Close a product's open finding after review");
  review->add_option("product", ro.product, "Product id")->required();
  review->add_option("signal", ro.signal, "Signal id")->required();
  review->callback([&] {
    command = [](Context& c) -> Result<Output> {
      BULWARK_CHECK(c.ledger->review_signal(ro.product, ro.signal));
      return Output{{{"product", ro.product}, {"reviewed", ro.signal}},
                    fmt::format("signal {} on product {} reviewed and closed\n", ro.signal, ro.product)};
    };
  });

  // ---- risk score ----
  auto* score = risk_cmd->add_subcommand(
      "score", "A product's risk score: exploit frequency, loss given exploit, factors");
  score->add_option("product", ro.product, "Product id")->required();
  score->callback([&] {
    command = [](Context& c) -> Result<Output> {
      BULWARK_TRY(product, c.ledger->product(ro.product));
      BULWARK_TRY(book, c.ledger->risk_book(product.asset));
      const RiskBookEntry* e = nullptr;
      for (const auto& entry : book.entries)
        if (entry.product.id == product.id) e = &entry;
      if (!e) return fail(ErrorCode::kInternal, "product missing from its book");
      Output o = score_output(e->score);
      o.data["product"] = product.id;
      o.data["scored"] = bool(e->risk.factors);
      o.data["factors"] = json::parse(risk::factors_to_json(e->risk.factors.value_or(risk::RiskFactors{})));
      o.data["signals"] = signals_to_json(e->risk.signals);
      o.data["active_cover"] = e->exposure;
      o.data["capacity_available"] = e->capacity_available;
      o.text =
          fmt::format("product {} ({}): {}\n", product.id, product.name,
                      e->risk.factors ? "scored" : "unscored (reference factors; sold at the market price)") +
          o.text;
      for (const auto& s : e->risk.signals)
        o.text += fmt::format("  open finding {}: {} {} at {}\n", s.id, risk::to_string(s.signal.severity),
                              s.signal.kind, iso_time(s.signal.time));
      o.text += fmt::format("  active cover {} {}, capacity available {} {}\n", num(e->exposure),
                            book.asset.symbol, num(e->capacity_available), book.asset.symbol);
      return o;
    };
  });

  // ---- risk simulate ----
  auto add_book_options = [&](CLI::App* sub, std::size_t default_paths) {
    sub->add_option("--asset", ro.asset,
                    "Only this asset's book (key or symbol); default every asset with products");
    sub->add_option("--paths", ro.paths, "Simulated years")->default_val(default_paths);
    sub->add_option("--seed", ro.seed, "Random seed (same seed, same result)")->capture_default_str();
    sub->add_option("--threads", ro.threads, "Threads (default: up to 2)");
  };
  auto* simulate = risk_cmd->add_subcommand(
      "simulate",
      "Monte Carlo over today's book: loss distribution, VaR/TVaR 99.5%, ruin, SCR, solvency, Euler capital");
  add_book_options(simulate, 100'000);
  simulate->callback([&] {
    command = [](Context& c) -> Result<Output> {
      if (ro.paths == 0) return fail(ErrorCode::kInvalidArgument, "--paths must be at least 1");
      BULWARK_TRY(books, books_for(c, ro.asset));
      Output o{{{"books", json::array()}}, ""};
      for (const auto& rb : books) {
        BULWARK_TRY(r, risk::simulate(rb.book, {.years = ro.paths,
                                                .seed = ro.seed,
                                                .threads = ro.threads ? ro.threads : default_threads()}));
        o.data["books"].push_back(simulation_json(rb, r));
        o.text += simulation_text(rb, r);
      }
      return o;
    };
  });

  // ---- risk stress ----
  auto* stress = risk_cmd->add_subcommand(
      "stress",
      "Replay each historical year of the incident record against today's book: loss and solvency per year");
  stress->add_option("--incidents", ro.incidents, "Incident list (JSON, the DeFiHackLabs incident format)")
      ->required();
  stress->add_option("--from", ro.from, "First year replayed")->capture_default_str();
  stress->add_option("--to", ro.to, "Last year replayed")->capture_default_str();
  add_book_options(stress, 20'000);
  stress->callback([&] {
    command = [](Context& c) -> Result<Output> {
      if (ro.paths == 0) return fail(ErrorCode::kInvalidArgument, "--paths must be at least 1");
      BULWARK_TRY(incidents, read_incidents(ro.incidents));
      BULWARK_TRY(books, books_for(c, ro.asset));
      Output o{{{"books", json::array()}}, ""};
      for (const auto& rb : books) {
        BULWARK_TRY(ys, stress_years(rb, incidents, ro.from, ro.to, ro.paths, ro.seed));
        o.data["books"].push_back(
            {{"asset", rb.asset.key()}, {"capital", rb.book.capital}, {"years", stress_json(ys)}});
        o.text += stress_text(rb, ys);
      }
      return o;
    };
  });

  // ---- risk report ----
  auto* report_cmd = risk_cmd->add_subcommand("report",
                                              "Write an HTML report with SVG plots: loss distribution, "
                                              "capacity per product, solvency over the stress years");
  report_cmd->add_option("--out", ro.out, "HTML file to write (written whole, then renamed into place)")
      ->required();
  report_cmd->add_option("--incidents", ro.incidents, "Incident list for the stress years")->required();
  report_cmd->add_option("--from", ro.from, "First stress year")->capture_default_str();
  report_cmd->add_option("--to", ro.to, "Last stress year")->capture_default_str();
  add_book_options(report_cmd, 50'000);
  report_cmd->callback([&] {
    command = [](Context& c) -> Result<Output> {
      if (ro.paths == 0) return fail(ErrorCode::kInvalidArgument, "--paths must be at least 1");
      BULWARK_TRY(incidents, read_incidents(ro.incidents));
      BULWARK_TRY(books, books_for(c, ro.asset));
      const double target = c.ledger->config().solvency_target;
      std::string html =
          "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Bulwark risk report</title>\n"
          "<style>body{font-family:sans-serif;max-width:800px;margin:2em auto;color:#222}"
          "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px "
          "6px;text-align:right}"
          "th{background:#f3f3f3}td:first-child{text-align:left}</style></head><body>\n"
          "<h1>Bulwark risk report</h1>\n";
      html += fmt::format(
          "<p>Generated at {} with {} simulated years (seed {}); stress years {}..{}; "
          "solvency target {}.</p>\n",
          iso_time(c.clock.now()), ro.paths, ro.seed, ro.from, ro.to, pct(target));
      json summary = json::array();
      for (const auto& rb : books) {
        const std::string& u = rb.asset.symbol;
        const risk::SimulationOptions opts{.years = ro.paths, .seed = ro.seed, .threads = default_threads()};
        BULWARK_TRY(r, risk::simulate(rb.book, opts));
        BULWARK_TRY(losses, risk::simulate_losses(rb.book, opts));
        BULWARK_TRY(ys, stress_years(rb, incidents, ro.from, ro.to, std::min<std::size_t>(ro.paths, 20'000),
                                     ro.seed));
        html += fmt::format(
            "<h2>{} book</h2>\n<p>Capital {} {}; mean annual loss {} &plusmn; {} {}; VaR 99.5% {} {} "
            "(95% CI {}..{}); TVaR 99.5% {} {}; probability of ruin {}; SCR {} {}; solvency ratio "
            "<b>{}</b>.</p>\n",
            report::escape(u), num(rb.book.capital), u, num(r.mean), num(1.96 * r.mean_stderr), u, num(r.var),
            u, num(r.var_low), num(r.var_high), num(r.tvar), u, pct(r.ruin_probability), num(r.scr), u,
            pct(r.solvency_ratio));
        html += report::loss_histogram("Annual loss distribution (" + u + ")", losses, r.var, r.tvar);
        html +=
            "<h3>Products</h3>\n<table><tr><th>product</th><th>cover</th><th>exploits/yr</th><th>loss given "
            "exploit</th><th>expected loss/yr</th><th>marginal capital</th><th>capacity "
            "(pools)</th><th>capacity "
            "(solvency)</th></tr>\n";
        std::vector<report::BarGroup> capacity;
        for (std::size_t i = 0; i < rb.entries.size(); ++i) {
          const auto& e = rb.entries[i];
          BULWARK_TRY(limit,
                      solvency_capacity(rb, i, target, std::min<std::size_t>(ro.paths, 20'000), ro.seed));
          html += fmt::format(
              "<tr><td>{} {}{}</td><td>{}</td><td>{:.4f}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
              "<td>{}</td></tr>\n",
              e.product.id, report::escape(e.product.name), e.risk.factors ? "" : " (unscored)",
              num(e.exposure), e.score.frequency, pct(e.score.loss_given_exploit),
              num(e.exposure * e.score.expected_loss_rate), num(r.marginal_capital[i]),
              num(e.capacity_available), num(limit));
          capacity.push_back(
              {std::to_string(e.product.id) + " " + e.product.name, {e.capacity_available, limit}});
        }
        html += "</table>\n";
        html += report::bar_chart("Capacity for new cover per product (" + u + ")",
                                  {"pools (stake x ratio x weight)", "solvency limit"}, capacity, "num");
        std::vector<report::BarGroup> solvency;
        html +=
            "<h3>Stress years</h3>\n<table><tr><th>year</th><th>incidents</th><th>x mean</th><th>mean "
            "loss</th>"
            "<th>VaR 99.5%</th><th>TVaR 99.5%</th><th>ruin</th><th>solvency</th></tr>\n";
        for (const auto& s : ys) {
          html += fmt::format(
              "<tr><td>{}</td><td>{}</td><td>{:.2f}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
              "<td>{}</td></tr>\n",
              s.year, s.incidents, s.frequency_ratio, num(s.result.mean), num(s.result.var),
              num(s.result.tvar), pct(s.result.ruin_probability), pct(s.result.solvency_ratio));
          solvency.push_back({std::to_string(s.year),
                              {std::isfinite(s.result.solvency_ratio) ? s.result.solvency_ratio : 10.0}});
        }
        html += "</table>\n";
        html += report::bar_chart("Solvency ratio over the stress years (" + u + ")", {"capital / VaR 99.5%"},
                                  solvency, "pct", target, "target " + pct(target));
        summary.push_back(
            {{"asset", rb.asset.key()}, {"simulation", simulation_json(rb, r)}, {"stress", stress_json(ys)}});
      }
      html += "<p>Method: docs/risk.md. Charts drawn by bulwark's own SVG code.</p>\n</body></html>\n";
      const std::string tmp = ro.out + ".tmp";
      {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out) return fail(ErrorCode::kIo, "cannot write " + tmp);
        out << html;
        out.flush();
        if (!out) return fail(ErrorCode::kIo, "writing " + tmp + " failed");
      }
      if (std::rename(tmp.c_str(), ro.out.c_str()) != 0)
        return fail(ErrorCode::kIo, "cannot rename " + tmp + " to " + ro.out);
      return Output{{{"file", ro.out}, {"books", summary}},
                    fmt::format("risk report for {} book(s) written to {}\n", books.size(), ro.out)};
    };
  });
}

}  // namespace bulwark::cli
