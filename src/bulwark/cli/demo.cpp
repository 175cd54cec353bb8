#include <fmt/format.h>

#include <ostream>

#include "bulwark/cli/app.hpp"
#include "bulwark/cover/verify.hpp"

namespace bulwark::cli {

int run_demo(cover::Ledger& ledger, std::ostream& out) {
  using namespace bulwark::cover;
  auto step = [&](const std::string& text) { out << "\n== " << text << "\n"; };
  auto check = [&](const auto& r) -> bool {
    if (r) return true;
    out << "   failed: " << r.error().message << "\n";
    return false;
  };
  const auto usdc_address = *Address::parse("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48");
  const auto vault = *Address::parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
  const auto underwriter = *Address::parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  const auto buyer = *Address::parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  const Asset usdc{1, usdc_address, "USDC", 6};
  auto units = [&](const char* s) { return *parse_units(s, 6); };
  auto money = [&](const U256& v) { return format_units(v, 6) + " USDC"; };

  step("1. Register USDC (chain 1, 6 decimals): every amount is an exact integer of its smallest unit");
  if (!check(ledger.register_asset(usdc))) return 1;
  out << "   asset key " << usdc.key() << "\n";

  step("2. Create a capital pool; an underwriter deposits 1,000,000 USDC and receives shares");
  auto pool = ledger.create_pool({"Blue-chip DeFi pool", usdc.key(), 20'000});
  if (!check(pool)) return 1;
  auto dep = ledger.deposit(pool->id, underwriter, units("1000000"));
  if (!check(dep)) return 1;
  out << fmt::format("   pool {} '{}', {} shares to {}\n", pool->id, pool->name, dep->shares.to_dec(),
                     underwriter.to_checksum());

  step(
      "3. Add a product (a lending vault's contracts, smart-contract exploit cover, 2%/year) and back it at "
      "weight 50");
  ProductSpec spec;
  spec.name = "Example lending vault";
  spec.contracts = {vault};
  spec.asset = usdc.key();
  spec.deductible = units("100");
  spec.base_rate_bps = 200;
  auto product = ledger.add_product(spec);
  if (!check(product)) return 1;
  if (!check(ledger.set_backing(pool->id, product->id, 50))) return 1;
  out << "   capacity = stake x 2 (capacity ratio) x 50% (weight) = 1,000,000 USDC\n";

  step("4. Quote, then buy 250,000 USDC of cover for 90 days");
  const QuoteRequest req{product->id, units("250000"), usdc.key(), 90};
  auto quote = ledger.quote(req);
  if (!check(quote)) return 1;
  out << fmt::format("   premium = 250,000 x 2% x 90/365 = {} (stakers {}, fee {}, reserve {})\n",
                     money(quote->premium), money(quote->reward), money(quote->fee), money(quote->reserve));
  auto policy = ledger.buy({buyer, req, quote->premium});
  if (!check(policy)) return 1;
  out << fmt::format("   policy {} for {} until unix time {}\n", policy->id, buyer.to_checksum(),
                     policy->end_time);

  step("5. The pool now: part of the stake is locked behind the cover");
  auto view = ledger.pool_view(pool->id);
  if (!check(view)) return 1;
  out << fmt::format("   capital {}, locked {}, free {}; capacity left for the product {}\n",
                     money(view->capital), money(view->locked), money(view->free),
                     money(view->products.at(0).available));
  auto too_much = ledger.withdraw(pool->id, underwriter, view->capital);
  out << "   withdrawing everything is refused: "
      << (too_much ? "(unexpectedly accepted)" : too_much.error().message) << "\n";

  step("6. The books: every unit is in exactly one account");
  auto books = ledger.books();
  if (!check(books)) return 1;
  for (const auto& a : books->accounts) out << fmt::format("   {:<44} {:>24}\n", a.key, money(a.balance));

  step("7. Verify: re-walk the hash-chained journal and rebuild every balance from it");
  auto report = verify_store(ledger.store());
  if (!check(report)) return 1;
  out << fmt::format("   {} journal entries, head {}, {} state rows checked: {}\n", report->entries,
                     report->head.to_hex(), report->rows_compared,
                     report->ok() ? "the ledger verifies" : "PROBLEMS");
  for (const auto& p : report->problems) out << "   " << p << "\n";
  out << "\nTry: bulwark --db " << ledger.store().describe() << " pool show " << pool->id << "\n";
  return report->ok() ? 0 : 1;
}

}  // namespace bulwark::cli
