#include "bulwark/cli/app.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "bulwark/cli/claims_cmd.hpp"
#include "bulwark/cli/context.hpp"
#include "bulwark/cli/detect_cmd.hpp"
#include "bulwark/cli/risk_cmd.hpp"
#include "bulwark/cover/verify.hpp"
#include "bulwark/store/store.hpp"

#ifndef BULWARK_VERSION
#define BULWARK_VERSION "0.0.0"
#endif

namespace bulwark::cli {
namespace {

using nlohmann::json;
using namespace bulwark::cover;

Result<std::int64_t> cooling_off_seconds(std::int64_t hours) {
  if (hours < 0 || hours > 365 * 24)
    return fail(ErrorCode::kInvalidArgument,
                "--cooling-off-hours must be 0..8760, got " + std::to_string(hours));
  return hours * 3600;
}

Output product_output(const Product& p, const Asset& a) {
  Output o{to_json(p), ""};
  o.data["deductible"] = amount_json(p.deductible, a);
  o.data["trigger_min_loss"] = amount_json(p.trigger_min_loss, a);
  std::string contracts;
  for (const auto& c : p.contracts) contracts += (contracts.empty() ? "" : ", ") + c.to_checksum();
  o.text = fmt::format(
      "product {}: {}\n  chain {}, contracts {}\n  cover {}{}, pays {}, sold in {}\n  period {}..{} days, "
      "grace {} days, deductible {}, cooling-off {}{}\n  base rate {:.2f}%/year, {}\n",
      p.id, p.name, p.chain_id, contracts, to_string(p.cover_type), p.parametric ? " (parametric)" : "",
      pays_fixed_sum(p.cover_type, p.payout) ? "the cover amount" : "the proven loss", a.symbol,
      p.min_period_days, p.max_period_days, p.grace_days, fmt_amount(p.deductible, a),
      !p.cooling_off               ? std::string("per deployment")
      : *p.cooling_off % 3600 == 0 ? std::to_string(*p.cooling_off / 3600) + " h"
                                   : std::to_string(*p.cooling_off) + " s",
      p.trigger_min_loss.is_zero() ? "" : ", loss trigger " + fmt_amount(p.trigger_min_loss, a),
      double(p.base_rate_bps) / 100.0, p.on_sale ? "on sale" : "NOT on sale");
  return o;
}

Output policy_output(const Policy& p, const Asset& a, const std::vector<Allocation>& allocs) {
  Output o{to_json(p), ""};
  for (const char* k : {"amount", "premium", "reward", "fee", "reserve", "refund"})
    o.data[k] = amount_json(*U256::from_dec(o.data[k].get<std::string>()), a);
  o.data["allocations"] = json::array();
  for (const auto& al : allocs)
    o.data["allocations"].push_back({{"pool", al.pool_id},
                                     {"cover", al.cover.to_dec()},
                                     {"reward", al.reward.to_dec()},
                                     {"earned", al.earned.to_dec()},
                                     {"active", al.active}});
  o.text = fmt::format(
      "policy {}: {} covered on product {} by {}\n  {} .. {} ({})\n  premium {} (stakers {}, fee {}, reserve "
      "{})\n",
      p.id, fmt_amount(p.amount, a), p.product_id, p.holder.to_checksum(), iso_time(p.start_time),
      iso_time(p.end_time), to_string(p.status), fmt_amount(p.premium, a), fmt_amount(p.reward, a),
      fmt_amount(p.fee, a), fmt_amount(p.reserve, a));
  if (p.status == PolicyStatus::kCancelled) o.text += "  refunded " + fmt_amount(p.refund, a) + "\n";
  for (const auto& al : allocs)
    o.text += fmt::format("  pool {}: cover {}, reward {} (earned {})\n", al.pool_id, fmt_amount(al.cover, a),
                          fmt_amount(al.reward, a), fmt_amount(al.earned, a));
  return o;
}

Output quote_output(const Quote& q, const Asset& a) {
  Output o;
  o.data = {{"product", q.product_id},
            {"asset", q.asset},
            {"amount", amount_json(q.amount, a)},
            {"period_days", q.period_days},
            {"rate_bps", q.rate_bps},
            {"premium", amount_json(q.premium, a)},
            {"reward", amount_json(q.reward, a)},
            {"fee", amount_json(q.fee, a)},
            {"reserve", amount_json(q.reserve, a)},
            {"capacity_available", amount_json(q.capacity_available, a)},
            {"allocations", json::array()}};
  o.text = fmt::format(
      "quote: {} on product {} for {} days at {:.2f}%/year\n  premium {} (stakers {}, fee {}, reserve {})\n"
      "  capacity available {}\n",
      fmt_amount(q.amount, a), q.product_id, q.period_days, double(q.rate_bps) / 100.0,
      fmt_amount(q.premium, a), fmt_amount(q.reward, a), fmt_amount(q.fee, a), fmt_amount(q.reserve, a),
      fmt_amount(q.capacity_available, a));
  for (const auto& al : q.allocations) {
    o.data["allocations"].push_back(
        {{"pool", al.pool_id}, {"cover", al.cover.to_dec()}, {"reward", al.reward.to_dec()}});
    o.text += fmt::format("  from pool {}: {}\n", al.pool_id, fmt_amount(al.cover, a));
  }
  Output breakdown = breakdown_output(q.breakdown, a);
  o.data["breakdown"] = breakdown.data;
  o.text += breakdown.text;
  return o;
}

Output pool_output(const PoolView& v) {
  const Asset& a = v.asset;
  Output o{to_json(v.pool), ""};
  o.data["capital"] = amount_json(v.capital, a);
  o.data["unearned_rewards"] = amount_json(v.unearned, a);
  o.data["locked"] = amount_json(v.locked, a);
  o.data["free"] = amount_json(v.free, a);
  o.data["products"] = json::array();
  o.data["holdings"] = json::array();
  o.data["unlocks"] = json::array();
  o.text = fmt::format(
      "pool {}: {} ({}), capacity ratio {:.2f}x\n  capital {}, unearned rewards {}\n  locked {}, free {}\n",
      v.pool.id, v.pool.name, a.symbol, double(v.pool.capacity_ratio_bps) / 10000.0, fmt_amount(v.capital, a),
      fmt_amount(v.unearned, a), fmt_amount(v.locked, a), fmt_amount(v.free, a));
  for (const auto& p : v.products) {
    o.data["products"].push_back({{"product", p.product_id},
                                  {"weight", p.weight},
                                  {"capacity", amount_json(p.capacity, a)},
                                  {"allocated", amount_json(p.allocated, a)},
                                  {"available", amount_json(p.available, a)}});
    o.text += fmt::format("  backs product {} at weight {}: capacity {}, allocated {}, available {}\n",
                          p.product_id, p.weight, fmt_amount(p.capacity, a), fmt_amount(p.allocated, a),
                          fmt_amount(p.available, a));
  }
  for (const auto& h : v.holdings) {
    o.data["holdings"].push_back({{"owner", h.owner.to_checksum()}, {"shares", h.shares.to_dec()}});
    o.text += fmt::format("  {} holds {} shares of {}\n", h.owner.to_checksum(), h.shares.to_dec(),
                          v.pool.total_shares.to_dec());
  }
  for (const auto& u : v.unlocks) {
    o.data["unlocks"].push_back({{"time", u.time}, {"free_after", amount_json(u.free_after, a)}});
    o.text += fmt::format("  at {}: free {}\n", iso_time(u.time), fmt_amount(u.free_after, a));
  }
  return o;
}

Output books_output(const Books& b) {
  Output o;
  o.data = {{"accounts", json::array()}};
  std::map<std::string, Asset> assets;
  for (const auto& a : b.assets) assets[a.key()] = a;
  o.text = "books:\n";
  for (const auto& acc : b.accounts) {
    const Asset& a = assets[acc.asset];
    o.data["accounts"].push_back(
        {{"account", acc.key}, {"asset", acc.asset}, {"balance", amount_json(acc.balance, a)}});
    o.text += fmt::format("  {:<48} {:>30}\n", acc.key, fmt_amount(acc.balance, a));
  }
  return o;
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{
      "bulwark: DeFi smart-contract exploit insurance engine.\n"
      "Underwriters deposit capital into pools, pools back products, users buy cover; every change is\n"
      "journaled in a hash chain that `bulwark ledger verify` re-checks.",
      "bulwark"};
  app.require_subcommand(1);
  app.fallthrough();
  Context ctx;
  if (const char* env = std::getenv("BULWARK_DB")) ctx.global.db = env;
  app.add_option(
      "--db", ctx.global.db,
      "Store: an SQLite file path (default ./data/bulwark.db, or $BULWARK_DB) or a postgresql:// URL");
  app.add_flag("--json", ctx.global.json_out, "Print results as JSON (one object) for scripts");
  app.add_option("--config", ctx.global.config,
                 "Deployment settings, a JSON file: {\"claims\": {challenge_window, cooling_off, ...}, "
                 "\"settlement\": {confirmations, resend_after, ...}} (docs/claims.md)")
      ->check(CLI::ExistingFile);
  Command command;
  bool needs_store = true;

  app.add_subcommand("version", "Print the version")->callback([&] {
    needs_store = false;
    command = [](Context&) -> Result<Output> {
      return Output{{{"version", BULWARK_VERSION}}, std::string("bulwark ") + BULWARK_VERSION + "\n"};
    };
  });

  // ---- asset ----
  auto* asset_cmd = app.add_subcommand("asset", "Register and list the assets pools and products use");
  asset_cmd->require_subcommand(1);
  static struct {
    std::uint64_t chain = 1;
    std::string token, symbol;
    int decimals = 18;
  } asset_opts;
  auto* asset_add =
      asset_cmd->add_subcommand("add", "Register an asset (the chain's native coin or an ERC-20 token)");
  asset_add->add_option("--chain", asset_opts.chain, "Chain id (1 = Ethereum mainnet)")
      ->capture_default_str();
  asset_add->add_option("--token", asset_opts.token, "ERC-20 contract address; omit for the native coin");
  asset_add->add_option("--symbol", asset_opts.symbol, "Display symbol, e.g. ETH, USDC")->required();
  asset_add->add_option("--decimals", asset_opts.decimals, "Decimals of the smallest unit (ETH 18, USDC 6)")
      ->capture_default_str();
  asset_add->callback([&] {
    command = [](Context& c) -> Result<Output> {
      Asset a;
      a.chain_id = asset_opts.chain;
      if (!asset_opts.token.empty()) {
        BULWARK_TRY(t, parse_address(asset_opts.token, "--token"));
        a.token = t;
      }
      if (asset_opts.decimals < 0 || asset_opts.decimals > 77)
        return fail(ErrorCode::kInvalidArgument, "--decimals must be 0..77");
      a.symbol = asset_opts.symbol;
      a.decimals = std::uint8_t(asset_opts.decimals);
      BULWARK_TRY(r, c.ledger->register_asset(a));
      return Output{
          {{"key", r.key()}, {"symbol", r.symbol}, {"decimals", r.decimals}},
          "asset " + r.key() + " (" + r.symbol + ", " + std::to_string(r.decimals) + " decimals)\n"};
    };
  });
  asset_cmd->add_subcommand("list", "List registered assets")->callback([&] {
    command = [](Context& c) -> Result<Output> {
      BULWARK_TRY(b, c.ledger->books());
      Output o{json::array(), ""};
      for (const auto& a : b.assets) {
        o.data.push_back({{"key", a.key()}, {"symbol", a.symbol}, {"decimals", a.decimals}});
        o.text += a.key() + "  " + a.symbol + "  " + std::to_string(a.decimals) + " decimals\n";
      }
      return o;
    };
  });

  // ---- pool ----
  auto* pool_cmd =
      app.add_subcommand("pool", "Capital pools: create, deposit, withdraw, back products, show");
  pool_cmd->require_subcommand(1);
  static struct {
    std::string name, asset, owner, amount;
    double ratio = 2.0;
    Id pool = 0, product = 0;
    std::int64_t weight = 0;
  } po;
  auto* pool_create = pool_cmd->add_subcommand("create", "Create a capital pool holding one asset");
  pool_create->add_option("--name", po.name, "Pool name")->required();
  pool_create->add_option("--asset", po.asset, "Asset key or registered symbol")->required();
  pool_create
      ->add_option("--capacity-ratio", po.ratio, "Cover sold per unit of stake (Nexus Mutual v2 uses 2)")
      ->capture_default_str();
  pool_create->callback([&] {
    command = [](Context& c) -> Result<Output> {
      BULWARK_TRY(asset, resolve_asset(*c.ledger, po.asset));
      if (!(po.ratio > 0) || po.ratio > 10)
        return fail(ErrorCode::kInvalidArgument, "--capacity-ratio must be above 0 and at most 10");
      BULWARK_TRY(pool, c.ledger->create_pool({po.name, asset.key(), std::int64_t(po.ratio * 10000 + 0.5)}));
      return Output{to_json(pool),
                    fmt::format("pool {} created: {} ({})\n", pool.id, pool.name, asset.symbol)};
    };
  });
  for (const bool is_deposit : {true, false}) {
    auto* sub =
        pool_cmd->add_subcommand(is_deposit ? "deposit" : "withdraw",
                                 is_deposit ? "Deposit capital into a pool for shares"
                                            : "Withdraw free capital from a pool (locked stake stays)");
    sub->add_option("pool", po.pool, "Pool id")->required();
    sub->add_option("--owner", po.owner, "Underwriter's address")->required();
    sub->add_option("--amount", po.amount, "Amount in the pool's asset units, e.g. 1.5")->required();
    sub->callback([&, is_deposit] {
      command = [is_deposit](Context& c) -> Result<Output> {
        BULWARK_TRY(owner, parse_address(po.owner, "--owner"));
        BULWARK_TRY(view, c.ledger->pool_view(po.pool));
        BULWARK_TRY(amount, parse_amount(po.amount, view.asset, "--amount"));
        BULWARK_TRY(r, is_deposit ? c.ledger->deposit(po.pool, owner, amount)
                                  : c.ledger->withdraw(po.pool, owner, amount));
        return Output{{{"pool", r.pool_id},
                       {"owner", r.owner.to_checksum()},
                       {"amount", amount_json(r.amount, view.asset)},
                       {"shares", r.shares.to_dec()}},
                      fmt::format("{} {} {} pool {} ({} shares)\n", r.owner.to_checksum(),
                                  is_deposit ? "deposited" : "withdrew", fmt_amount(r.amount, view.asset),
                                  is_deposit ? "into" : "from", r.shares.to_dec())};
      };
    });
  }
  auto* pool_back =
      pool_cmd->add_subcommand("back", "Set the weight (0..100) with which a pool backs a product");
  pool_back->add_option("pool", po.pool, "Pool id")->required();
  pool_back->add_option("--product", po.product, "Product id")->required();
  pool_back->add_option("--weight", po.weight, "0..100: share of the pool's leveraged stake offered")
      ->required();
  pool_back->callback([&] {
    command = [](Context& c) -> Result<Output> {
      BULWARK_CHECK(c.ledger->set_backing(po.pool, po.product, po.weight));
      return Output{{{"pool", po.pool}, {"product", po.product}, {"weight", po.weight}},
                    fmt::format("pool {} backs product {} at weight {}\n", po.pool, po.product, po.weight)};
    };
  });
  auto* pool_show =
      pool_cmd->add_subcommand("show", "Show a pool: capital, locked and free stake, capacity, holders");
  pool_show->add_option("pool", po.pool, "Pool id")->required();
  pool_show->callback([&] {
    command = [](Context& c) -> Result<Output> {
      BULWARK_TRY(v, c.ledger->pool_view(po.pool));
      return pool_output(v);
    };
  });
  pool_cmd->add_subcommand("list", "List pools")->callback([&] {
    command = [](Context& c) -> Result<Output> {
      BULWARK_TRY(pools, c.ledger->pools());
      Output o{json::array(), ""};
      for (const auto& p : pools) {
        BULWARK_TRY(v, c.ledger->pool_view(p.id));
        Output one = pool_output(v);
        o.data.push_back(one.data);
        o.text += one.text;
      }
      return o;
    };
  });

  // ---- product ----
  auto* product_cmd =
      app.add_subcommand("product", "Cover products: add, list, show, put on or take off sale");
  product_cmd->require_subcommand(1);
  static struct {
    std::string name, type = "smart_contract", asset, deductible = "0", payout;
    std::uint64_t chain = 1;
    std::vector<std::string> contracts;
    bool parametric = false, off_sale = false;
    std::int64_t min_days = 28, max_days = 365, grace = 30, rate_bps = 200;
    std::optional<std::int64_t> cooling_hours;
    std::string trigger = "0";
    Id id = 0;
    std::string on_sale;
  } pr;
  const char* cooling_help =
      "Hours before an incident in which bought cover pays nothing (anti front-running; frozen in each "
      "policy)";
  const char* trigger_help =
      "Parametric exploit trigger: the least loss to the product's contracts the chain must prove, in "
      "asset units (0 = any)";
  auto* product_add = product_cmd->add_subcommand("add", "Add a cover product");
  product_add->add_option("--name", pr.name, "Protocol or product name")->required();
  product_add->add_option("--chain", pr.chain, "Chain id of the covered contracts")->capture_default_str();
  product_add->add_option("--contract", pr.contracts, "Covered contract address (repeat for several)")
      ->required();
  product_add->add_option("--type", pr.type, "smart_contract, depeg, governance or oracle")
      ->capture_default_str();
  product_add->add_flag("--parametric", pr.parametric, "Pays on the trigger alone, without a claim");
  product_add->add_option("--payout", pr.payout,
                          "loss (the holder's proven loss, capped by the cover) or fixed (the cover amount "
                          "on the trigger); default: loss for smart_contract, fixed for the other types");
  product_add->add_option("--asset", pr.asset, "Asset the cover is sold and paid in (key or symbol)")
      ->required();
  product_add->add_option("--min-days", pr.min_days, "Shortest cover period")->capture_default_str();
  product_add->add_option("--max-days", pr.max_days, "Longest cover period")->capture_default_str();
  product_add->add_option("--grace-days", pr.grace, "Days after expiry a claim is accepted")
      ->capture_default_str();
  product_add->add_option("--deductible", pr.deductible, "Deducted from each payout, in asset units")
      ->capture_default_str();
  product_add->add_option("--rate-bps", pr.rate_bps, "Annual premium rate in basis points (200 = 2%)")
      ->capture_default_str();
  product_add->add_option(
      "--cooling-off-hours", pr.cooling_hours,
      std::string(cooling_help) + "; default: the deployment's claims.cooling_off (24 h)");
  product_add->add_option("--trigger-min-loss", pr.trigger, trigger_help)->capture_default_str();
  product_add->add_flag("--off-sale", pr.off_sale, "Create the product but do not sell it yet");
  product_add->callback([&] {
    command = [](Context& c) -> Result<Output> {
      ProductSpec spec;
      spec.name = pr.name;
      spec.chain_id = pr.chain;
      for (const auto& s : pr.contracts) {
        BULWARK_TRY(a, parse_address(s, "--contract"));
        spec.contracts.push_back(a);
      }
      BULWARK_TRY(type, parse_cover_type(pr.type));
      spec.cover_type = type;
      spec.parametric = pr.parametric;
      BULWARK_TRY(basis, parse_payout_basis(pr.payout));
      spec.payout = basis;
      BULWARK_TRY(asset, resolve_asset(*c.ledger, pr.asset));
      spec.asset = asset.key();
      spec.min_period_days = pr.min_days;
      spec.max_period_days = pr.max_days;
      spec.grace_days = pr.grace;
      BULWARK_TRY(deductible, parse_amount(pr.deductible, asset, "--deductible"));
      spec.deductible = deductible;
      spec.base_rate_bps = pr.rate_bps;
      spec.on_sale = !pr.off_sale;
      if (pr.cooling_hours) {
        BULWARK_TRY(cooling, cooling_off_seconds(*pr.cooling_hours));
        spec.cooling_off = cooling;
      } else {
        BULWARK_TRY(deployment, load_deployment_config(c.global.config));
        spec.cooling_off = deployment.claims.cooling_off;
      }
      BULWARK_TRY(trigger, parse_amount(pr.trigger, asset, "--trigger-min-loss"));
      spec.trigger_min_loss = trigger;
      BULWARK_TRY(p, c.ledger->add_product(spec));
      return product_output(p, asset);
    };
  });
  static struct {
    std::optional<std::int64_t> grace, rate_bps, cooling_hours;
    std::optional<std::string> deductible, trigger;
  } pt;
  auto* product_terms = product_cmd->add_subcommand(
      "terms", "Change the terms future policies of a product are sold under (sold policies keep theirs)");
  product_terms->add_option("product", pr.id, "Product id")->required();
  product_terms->add_option("--grace-days", pt.grace, "Days after expiry a claim is accepted");
  product_terms->add_option("--deductible", pt.deductible, "Deducted from each payout, in asset units");
  product_terms->add_option("--rate-bps", pt.rate_bps, "Annual premium rate in basis points");
  product_terms->add_option("--cooling-off-hours", pt.cooling_hours, cooling_help);
  product_terms->add_option("--trigger-min-loss", pt.trigger, trigger_help);
  product_terms->callback([&] {
    command = [](Context& c) -> Result<Output> {
      BULWARK_TRY(before, c.ledger->product(pr.id));
      BULWARK_TRY(asset, c.ledger->asset(before.asset));
      TermsChange change;
      change.grace_days = pt.grace;
      change.base_rate_bps = pt.rate_bps;
      if (pt.deductible) {
        BULWARK_TRY(v, parse_amount(*pt.deductible, asset, "--deductible"));
        change.deductible = v;
      }
      if (pt.cooling_hours) {
        BULWARK_TRY(v, cooling_off_seconds(*pt.cooling_hours));
        change.cooling_off = v;
      }
      if (pt.trigger) {
        BULWARK_TRY(v, parse_amount(*pt.trigger, asset, "--trigger-min-loss"));
        change.trigger_min_loss = v;
      }
      BULWARK_TRY(p, c.ledger->change_terms(pr.id, change));
      return product_output(p, asset);
    };
  });
  auto* product_show = product_cmd->add_subcommand("show", "Show a product");
  product_show->add_option("product", pr.id, "Product id")->required();
  product_show->callback([&] {
    command = [](Context& c) -> Result<Output> {
      BULWARK_TRY(p, c.ledger->product(pr.id));
      BULWARK_TRY(a, c.ledger->asset(p.asset));
      return product_output(p, a);
    };
  });
  product_cmd->add_subcommand("list", "List products")->callback([&] {
    command = [](Context& c) -> Result<Output> {
      BULWARK_TRY(ps, c.ledger->products());
      Output o{json::array(), ""};
      for (const auto& p : ps) {
        BULWARK_TRY(a, c.ledger->asset(p.asset));
        Output one = product_output(p, a);
        o.data.push_back(one.data);
        o.text += one.text;
      }
      return o;
    };
  });
  auto* product_sale = product_cmd->add_subcommand(
      "sale", "Put a product on sale or take it off (sold policies keep their terms)");
  product_sale->add_option("product", pr.id, "Product id")->required();
  product_sale->add_option("state", pr.on_sale, "on or off")->required()->check(CLI::IsMember({"on", "off"}));
  product_sale->callback([&] {
    command = [](Context& c) -> Result<Output> {
      BULWARK_TRY(p, c.ledger->set_on_sale(pr.id, pr.on_sale == "on"));
      BULWARK_TRY(a, c.ledger->asset(p.asset));
      return product_output(p, a);
    };
  });

  // ---- quote / buy ----
  static struct {
    Id product = 0;
    std::string amount, asset, holder, max_premium;
    std::int64_t days = 0;
  } qo;
  auto add_quote_options = [&](CLI::App* sub) {
    sub->add_option("--product", qo.product, "Product id")->required();
    sub->add_option("--amount", qo.amount, "Cover amount in asset units, e.g. 10000")->required();
    sub->add_option("--asset", qo.asset, "Asset (key or symbol); must be the product's")->required();
    sub->add_option("--days", qo.days, "Cover period in days")->required();
  };
  auto make_quote_request = [](Context& c) -> Result<std::pair<QuoteRequest, Asset>> {
    BULWARK_TRY(asset, resolve_asset(*c.ledger, qo.asset));
    BULWARK_TRY(amount, parse_amount(qo.amount, asset, "--amount"));
    return std::pair{QuoteRequest{qo.product, amount, asset.key(), qo.days}, asset};
  };
  auto* quote_cmd = app.add_subcommand("quote", "Price a cover without buying it");
  add_quote_options(quote_cmd);
  quote_cmd->callback([&] {
    command = [make_quote_request](Context& c) -> Result<Output> {
      BULWARK_TRY(req, make_quote_request(c));
      BULWARK_TRY(q, c.ledger->quote(req.first));
      return quote_output(q, req.second);
    };
  });
  auto* buy_cmd = app.add_subcommand("buy", "Buy a cover: all of it or nothing");
  add_quote_options(buy_cmd);
  buy_cmd->add_option("--holder", qo.holder, "Policyholder's address")->required();
  buy_cmd
      ->add_option("--max-premium", qo.max_premium,
                   "Payment offered: the most the holder pays, in asset units")
      ->required();
  buy_cmd->callback([&] {
    command = [make_quote_request](Context& c) -> Result<Output> {
      BULWARK_TRY(holder, parse_address(qo.holder, "--holder"));
      BULWARK_TRY(req, make_quote_request(c));
      BULWARK_TRY(max_premium, parse_amount(qo.max_premium, req.second, "--max-premium"));
      BULWARK_TRY(p, c.ledger->buy({holder, req.first, max_premium}));
      BULWARK_TRY(allocs, c.ledger->allocations(p.id));
      return policy_output(p, req.second, allocs);
    };
  });

  // ---- policy ----
  auto* policy_cmd = app.add_subcommand("policy", "Policies: list, show, cancel");
  policy_cmd->require_subcommand(1);
  static struct {
    Id id = 0;
    std::string holder, status;
    Id product = 0;
    std::size_t limit = 0;
  } pol;
  auto* policy_list = policy_cmd->add_subcommand("list", "List policies");
  policy_list->add_option("--holder", pol.holder, "Only this holder's");
  policy_list->add_option("--product", pol.product, "Only this product's");
  policy_list->add_option("--status", pol.status, "active, expired or cancelled");
  policy_list->add_option("--limit", pol.limit, "At most this many");
  policy_list->callback([&] {
    command = [](Context& c) -> Result<Output> {
      PolicyFilter f;
      if (!pol.holder.empty()) {
        BULWARK_TRY(h, parse_address(pol.holder, "--holder"));
        f.holder = h;
      }
      if (pol.product) f.product_id = pol.product;
      if (!pol.status.empty()) {
        BULWARK_TRY(s, parse_policy_status(pol.status));
        f.status = s;
      }
      f.limit = pol.limit;
      BULWARK_CHECK(c.ledger->expire_due());
      BULWARK_TRY(ps, c.ledger->policies(f));
      Output o{json::array(), ""};
      std::map<std::string, Asset> assets;
      for (const auto& p : ps) {
        if (!assets.count(p.asset)) {
          BULWARK_TRY(a, c.ledger->asset(p.asset));
          assets[p.asset] = a;
        }
        Output one = policy_output(p, assets[p.asset], {});
        one.data.erase("allocations");
        o.data.push_back(one.data);
        o.text += one.text;
      }
      return o;
    };
  });
  auto* policy_show = policy_cmd->add_subcommand("show", "Show a policy, its terms and its pools");
  policy_show->add_option("policy", pol.id, "Policy id")->required();
  policy_show->callback([&] {
    command = [](Context& c) -> Result<Output> {
      BULWARK_CHECK(c.ledger->expire_due());
      BULWARK_TRY(p, c.ledger->policy(pol.id));
      BULWARK_TRY(a, c.ledger->asset(p.asset));
      BULWARK_TRY(allocs, c.ledger->allocations(p.id));
      return policy_output(p, a, allocs);
    };
  });
  auto* policy_cancel =
      policy_cmd->add_subcommand("cancel", "Cancel an active policy; refunds the unexpired premium pro rata");
  policy_cancel->add_option("policy", pol.id, "Policy id")->required();
  policy_cancel->add_option("--holder", pol.holder, "The policy's holder (must match)")->required();
  policy_cancel->callback([&] {
    command = [](Context& c) -> Result<Output> {
      BULWARK_TRY(h, parse_address(pol.holder, "--holder"));
      BULWARK_TRY(p, c.ledger->cancel(pol.id, h));
      BULWARK_TRY(a, c.ledger->asset(p.asset));
      BULWARK_TRY(allocs, c.ledger->allocations(p.id));
      return policy_output(p, a, allocs);
    };
  });

  // ---- ledger ----
  auto* ledger_cmd = app.add_subcommand("ledger", "The journal and the books: verify, export, show balances");
  ledger_cmd->require_subcommand(1);
  static struct { std::string file, out; } lo;
  auto* verify_cmd = ledger_cmd->add_subcommand(
      "verify",
      "Re-walk the hash-chained journal and check every balance against it (exit 9 if anything is off)");
  verify_cmd->add_option("--file", lo.file, "Verify an exported journal file instead of the store");
  verify_cmd->callback([&] {
    needs_store = lo.file.empty();
    command = [](Context& c) -> Result<Output> {
      VerifyReport r;
      if (lo.file.empty()) {
        BULWARK_TRY(rep, verify_store(*c.store));
        r = std::move(rep);
      } else {
        std::ifstream in(lo.file);
        if (!in) return fail(ErrorCode::kIo, "cannot read " + lo.file);
        BULWARK_TRY(rep, verify_export(in));
        r = std::move(rep);
      }
      Output o{{{"ok", r.ok()},
                {"entries", r.entries},
                {"head", r.head.to_hex()},
                {"rows_compared", r.rows_compared},
                {"problems", r.problems}},
               ""};
      o.text = fmt::format("journal: {} entries, head {}\nstate rows checked: {}\n", r.entries,
                           r.head.to_hex(), r.rows_compared);
      for (const auto& p : r.problems) o.text += "PROBLEM: " + p + "\n";
      o.text += r.ok() ? "ledger verifies\n" : "ledger does NOT verify\n";
      if (!r.ok()) {
        if (c.global.json_out)
          std::cout << o.data.dump() << '\n';
        else
          std::cout << o.text;
        return fail(ErrorCode::kCorrupt, std::to_string(r.problems.size()) + " problem(s) found");
      }
      return o;
    };
  });
  auto* export_cmd =
      ledger_cmd->add_subcommand("export", "Write the journal as JSON lines (stdout, or --out FILE)");
  export_cmd->add_option("--out", lo.out, "File to write (written whole, then renamed into place)");
  export_cmd->callback([&] {
    command = [](Context& c) -> Result<Output> {
      if (lo.out.empty()) {
        BULWARK_TRY(n, export_journal(*c.store, std::cout));
        std::cerr << "exported " << n << " journal entries\n";
        return Output{json(nullptr), ""};
      }
      const std::string tmp = lo.out + ".tmp";
      std::int64_t n = 0;
      {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out) return fail(ErrorCode::kIo, "cannot write " + tmp);
        BULWARK_TRY(count, export_journal(*c.store, out));
        n = count;
        out.flush();
        if (!out) return fail(ErrorCode::kIo, "writing " + tmp + " failed");
      }
      if (std::rename(tmp.c_str(), lo.out.c_str()) != 0)
        return fail(ErrorCode::kIo, "cannot rename " + tmp + " to " + lo.out);
      return Output{{{"file", lo.out}, {"entries", n}},
                    fmt::format("exported {} journal entries to {}\n", n, lo.out)};
    };
  });
  ledger_cmd->add_subcommand("books", "Show every account balance")->callback([&] {
    command = [](Context& c) -> Result<Output> {
      BULWARK_TRY(b, c.ledger->books());
      return books_output(b);
    };
  });
  ledger_cmd->add_subcommand("expire", "Retire every policy whose period has ended")->callback([&] {
    command = [](Context& c) -> Result<Output> {
      BULWARK_TRY(n, c.ledger->expire_due());
      return Output{{{"expired", n}}, fmt::format("{} policies expired\n", n)};
    };
  });

  // ---- risk (risk_cmd.cpp) ----
  add_risk_commands(app, command, needs_store);

  // ---- detection ----
  std::function<int()> detect_run;
  add_detect_commands(app, detect_run, ctx.global);
  std::function<int()> claims_run;
  add_claims_commands(app, ctx.global, claims_run);

  // ---- demo ----
  app.add_subcommand("demo", "A guided tour of the ledger on the embedded store (what `make run` shows)")
      ->callback([&] {
        command = [](Context& c) -> Result<Output> {
          const int rc = run_demo(*c.ledger, std::cout);
          if (rc != 0) return fail(ErrorCode::kInternal, "demo failed");
          return Output{json(nullptr), ""};
        };
      });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (detect_run) return detect_run();
  if (claims_run) return claims_run();
  if (!command) return 2;
  auto report = [&](const Error& e) {
    if (ctx.global.json_out)
      std::cerr << json{{"error", {{"code", to_string(e.code)}, {"message", e.message}}}}.dump() << '\n';
    else
      std::cerr << "error: " << e.message << '\n';
    return exit_code(e.code);
  };
  try {
    if (needs_store)
      if (auto s = ctx.open(); !s) return report(s.error());
    auto out = command(ctx);
    if (!out) return report(out.error());
    if (ctx.global.json_out) {
      if (!out->data.is_null()) std::cout << out->data.dump() << '\n';
    } else {
      std::cout << out->text;
    }
    return 0;
  } catch (const std::exception& e) {
    return report(Error{ErrorCode::kInternal, e.what()});
  }
}

}  // namespace bulwark::cli
