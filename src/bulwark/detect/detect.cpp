#include "bulwark/detect/detect.hpp"

#include <charconv>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <ranges>
#include <set>
#include <span>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bulwark/detect/address_set.hpp"

namespace bulwark::detect {
namespace {

using chain::CallKind;
using chain::Frame;
using chain::Trace;

// Selectors of the calls the rules look for (4-byte keccak prefixes of the signatures named).
constexpr std::uint32_t kBalanceOf = 0x70a08231;    // balanceOf(address)
constexpr std::uint32_t kGetReserves = 0x0902f1ac;  // getReserves()
using selector::kTransferFrom;
// Liquidations: a liquidator repays debt and takes collateral at a discount, by design.
constexpr std::uint32_t kLiquidationSelectors[] = {
    0x00a718a9,  // liquidationCall(address,address,address,uint256,bool): Aave v2/v3
    0xf5e3c462,  // liquidateBorrow(address,uint256,address): Compound cToken
    0xaae40a2a,  // liquidateBorrow(address,address): Compound cEther
    0x96cd4ddb,  // liquidate(address,address,address,uint256): Euler
    0x3b5b4d6d,  // absorb(address,address[]): Compound v3
};
// Governance actions: proposing, voting and executing.
constexpr std::uint32_t kGovernanceSelectors[] = {
    0xda95691a,  // propose(address[],uint256[],string[],bytes[],string): GovernorAlpha/Bravo
    0x7d5e81e2,  // propose(address[],uint256[],bytes[],string): OpenZeppelin Governor
    0x15373e3d,  // castVote(uint256,bool): GovernorAlpha
    0x56781388,  // castVote(uint256,uint8): Bravo / OpenZeppelin
    0x7b3c71d3,  // castVoteWithReason(uint256,uint8,string)
    0xfe0d94c1,  // execute(uint256): GovernorAlpha/Bravo
    0x2656227d,  // execute(address[],uint256[],bytes[],bytes32): OpenZeppelin Governor
    0x0d61b519,  // execute(uint256) variants: ...
};

// Callbacks a pool or lender makes into the contract that called it: swap callbacks (Uniswap v3,
// PancakeSwap v3, Algebra), flash-swap callbacks (Uniswap v2, PancakeSwap), flash-loan callbacks
// (Uniswap v3 and PancakeSwap v3 flash, Balancer, Aave v2 and v3, ERC-3156, dYdX, DODO).
constexpr std::array<std::uint32_t, 13> kCallbackSelectors = {
    0xfa461e33,  // uniswapV3SwapCallback(int256,int256,bytes)
    0x23a69e75,  // pancakeV3SwapCallback(int256,int256,bytes)
    0x2c8958f6,  // algebraSwapCallback(int256,int256,bytes)
    0x10d1e85c,  // uniswapV2Call(address,uint256,uint256,bytes)
    0x84800812,  // pancakeCall(address,uint256,uint256,bytes)
    0xe9cbafb0,  // uniswapV3FlashCallback(uint256,uint256,bytes)
    0xa1d48336,  // pancakeV3FlashCallback(uint256,uint256,bytes)
    0xf04f2707,  // receiveFlashLoan(address[],uint256[],uint256[],bytes)
    0x920f5c84,  // executeOperation(address[],uint256[],uint256[],address,bytes)
    0x1b11d0ff,  // executeOperation(address,uint256,uint256,address,bytes)
    0x23e30c8b,  // onFlashLoan(address,address,uint256,uint256,bytes)
    0x8b418713,  // callFunction(address,(address,uint256),bytes)
    0x7ed1f1dd,  // DPPFlashLoanCall(address,uint256,uint256,bytes)
};
// A pool's swap entry points.
constexpr std::uint32_t kPoolSwapSelectors[] = {
    0x128acb08,  // swap(address,bool,int256,uint160,bytes): Uniswap v3, PancakeSwap v3, Algebra
    0x022c0d9f,  // swap(uint256,uint256,address,bytes): Uniswap v2 pairs and their forks
};
constexpr std::uint32_t kApprove = 0x095ea7b3;            // approve(address,uint256)
constexpr std::uint32_t kIncreaseAllowance = 0x39509351;  // increaseAllowance(address,uint256)
constexpr std::uint32_t kPermit =
    0xd505accf;  // permit(address,address,uint256,uint256,uint8,bytes32,bytes32)
constexpr std::uint32_t kDaiPermit =
    0x8fcbaf0c;  // permit(address,address,uint256,uint256,bool,uint8,bytes32,bytes32)
constexpr std::uint32_t kIsValidSignature = 0x1626ba7e;  // isValidSignature(bytes32,bytes): ERC-1271

bool in(std::uint32_t sel, std::span<const std::uint32_t> set) {
  return std::find(set.begin(), set.end(), sel) != set.end();
}

/// A 256-bit filter of every selector above by its low byte: a frame whose selector is not in it calls
/// none of them, which most frames show with one bit test instead of the list scans.
struct SelectorFilter {
  std::array<std::uint64_t, 4> bits{};
  constexpr void add(std::uint32_t sel) { bits[(sel >> 6) & 3] |= std::uint64_t{1} << (sel & 63); }
  constexpr bool may_hold(std::uint32_t sel) const { return (bits[(sel >> 6) & 3] >> (sel & 63)) & 1; }
};
constexpr SelectorFilter kRuleSelectors = [] {
  SelectorFilter f;
  for (std::uint32_t sel : kLiquidationSelectors) f.add(sel);
  for (std::uint32_t sel : kGovernanceSelectors) f.add(sel);
  for (std::uint32_t sel : kCallbackSelectors) f.add(sel);
  for (std::uint32_t sel : kPoolSwapSelectors) f.add(sel);
  for (std::uint32_t sel : {kApprove, kIncreaseAllowance, kBalanceOf, kGetReserves}) f.add(sel);
  return f;
}();

/// The account whose storage a frame runs in: the callee, except under DELEGATECALL/CALLCODE.
const Address& context_of(const Frame& f) {
  return f.kind == CallKind::kDelegateCall || f.kind == CallKind::kCallCode ? f.from : f.to;
}

/// True when a frame could be a batch transfer (the batch-overflow rule's shape): a CALL with a selector
/// and at least five whole ABI words.
bool batch_shaped_call(const Frame& f) {
  return f.kind == CallKind::kCall && f.input_size >= 4 + 32 * 5 && (f.input_size - 4) % 32 == 0;
}

double to_double(const U256& v) {
  double r = 0;
  const auto& l = v.limbs();
  for (std::size_t i = 4; i-- > 0;) r = r * 18446744073709551616.0 + static_cast<double>(l[i]);
  return r;
}

/// The first of `flows` (in frame order) moved at frame `frame` or after it: the flows of a subtree
/// [i, frames[i].end) are the adjacent run from first_flow_at(flows, i).
std::vector<Flow>::const_iterator first_flow_at(const std::vector<Flow>& flows, std::size_t frame) {
  return std::lower_bound(flows.begin(), flows.end(), frame,
                          [](const Flow& fl, std::size_t f) { return fl.frame < f; });
}

/// True when a flow is a mint: a `mint` call (traces without logs) or a `Transfer` from the zero address.
bool is_mint(const Flow& fl) {
  return fl.source == FlowSource::kMint ||
         (fl.source == FlowSource::kTransferLog && !fl.asset.native && fl.from == fl.asset.token);
}

/// The account that had a mint made: the caller of the token, above the frames running in the token's
/// context (a proxied token emits from its implementation's frame).
const Address& minter_of(const Trace& t, const Flow& fl) {
  std::size_t k = fl.frame;
  while (t.frames[k].parent >= 0 &&
         context_of(t.frames[static_cast<std::size_t>(t.frames[k].parent)]) == fl.asset.token)
    k = static_cast<std::size_t>(t.frames[k].parent);
  return t.frames[k].from;
}

/// True when `holder` ends the transaction with a gain in `asset` and a loss in nothing: a pure beneficiary.
bool only_gains(const FlowSummary& s, const Address& holder, const AssetRef& asset) {
  bool gained = false;
  // The net changes are ordered by holder: its entries are adjacent ({zero, false} is the least asset).
  for (auto it = s.net.lower_bound({holder, AssetRef{}}); it != s.net.end() && it->first.first == holder;
       ++it) {
    if (it->second.loss()) return false;
    gained = gained || (it->first.second == asset && it->second.gain());
  }
  return gained;
}

/// Everything the rules share about one transaction.
struct Facts {
  const Trace& t;
  const DetectConfig& cfg;
  const FlowSummary& flows;
  Address sender;
  std::unordered_set<Address> created;  // iterated (attackers_of): its order is part of the output
  AddressSet contracts;                 // addresses seen running code
  AddressSet actors;                    // sender, created contracts, and the entry contract
  std::vector<Address> helpers;  // contracts found acting for the sender's side (`tied`), among the actors
  /// Contracts the sender's side deployed in the transaction (not those a third-party factory deployed
  /// at its call), and tokens it minted for itself by calling their `mint` directly: a token among them
  /// has no value outside the transaction (whoever may mint it at will gives it none).
  AddressSet issued;
  AddressSet wrapped;  // cfg.tables.wrapped_native, for the many lookups of neutral()
  bool liquidation = false;
  // Whether the calls some rules look for are made at all (by frames that did not fail): those rules skip
  // their pass over the frames when they are not.
  bool governance = false;     // kGovernanceSelectors
  bool callbacks = false;      // kCallbackSelectors, a CALL below the root
  bool approvals = false;      // approve or increaseAllowance, a CALL below the root
  bool balance_reads = false;  // balanceOf
  bool reserve_reads = false;  // getReserves
  bool batch_shaped = false;   // a CALL with a selector and at least five whole words
  bool pool_swaps = false;     // kPoolSwapSelectors, a CALL below the root

  Facts(const Trace& tr, const DetectConfig& c, const FlowSummary& fl)
      // Frames call the same few contracts again and again: room for a quarter of them, grown if need be.
      : t(tr), cfg(c), flows(fl), contracts(tr.frames.size() / 4) {
    for (const Address& w : cfg.tables.wrapped_native) wrapped.insert(w);
    const Frame& root = t.frames[0];
    sender = root.from;
    actors.insert(sender);
    const Address* last_from = nullptr;  // the caller last inserted into `contracts`
    const Address* last_to = nullptr;    // the callee last inserted into `contracts`
    // Whether a frame's callee is put in `contracts` (below): a call with input, or a DELEGATECALL.
    const auto callee_runs = [](const Frame& f) {
      return f.input_size > 0 || f.kind == CallKind::kDelegateCall;
    };
    for (std::size_t i = 0; i < t.frames.size(); ++i) {
      const Frame& f = t.frames[i];
      if (f.failed) continue;
      if (f.kind == CallKind::kCreate || f.kind == CallKind::kCreate2) {
        created.insert(f.to);
        actors.insert(f.to);
      }
      // A frame's caller is in `contracts` already when it called the frame before (sibling calls share
      // their caller: once per run of them), when it is the parent's callee and that was put in, or when
      // it is the parent's caller (below the root; under DELEGATECALL the caller stays the same). A frame
      // that did not fail has a parent that did not, so the parent is put in too (the set is only read
      // once it is whole). A frame with no parent (a trace of several top-level calls) is put in.
      if (i > 0 && (last_from == nullptr || f.from != *last_from)) {
        const Frame* p = f.parent >= 0 ? &t.frames[static_cast<std::size_t>(f.parent)] : nullptr;
        const bool put_in =
            p != nullptr && ((f.from == p->to && callee_runs(*p)) || (f.parent > 0 && f.from == p->from));
        if (!put_in) contracts.insert(f.from);
        last_from = &f.from;
      }
      // Consecutive frames often call the same contract (a token, a pool): put in once per run of them.
      if (callee_runs(f) && (last_to == nullptr || f.to != *last_to)) {
        contracts.insert(f.to);
        last_to = &f.to;
      }
      batch_shaped = batch_shaped || batch_shaped_call(f);
      if (const std::uint32_t sel = t.selector(f); kRuleSelectors.may_hold(sel)) {
        const bool call_below = i > 0 && f.kind == CallKind::kCall;
        liquidation = liquidation || in(sel, kLiquidationSelectors);
        governance = governance || in(sel, kGovernanceSelectors);
        callbacks = callbacks || (call_below && in(sel, kCallbackSelectors));
        approvals = approvals || (call_below && (sel == kApprove || sel == kIncreaseAllowance));
        balance_reads = balance_reads || sel == kBalanceOf;
        reserve_reads = reserve_reads || sel == kGetReserves;
        pool_swaps = pool_swaps || (call_below && in(sel, kPoolSwapSelectors));
      }
    }
    if (root.kind == CallKind::kCall && root.input_size > 0) actors.insert(root.to);
    derive();
  }

  /// Counts `more` (contracts a first look found acting for the sender's side) among the actors, and
  /// what follows from the actors again.
  void tie(std::span<const Address> more) {
    for (const Address& a : more) {
      actors.insert(a);
      helpers.push_back(a);
    }
    derive();
  }

  bool is_actor(const Address& a) const { return actors.contains(a); }

 private:
  /// What the actors decide: the contracts they deploy and the tokens they mint themselves (`issued`),
  /// and the accounts they pay (counted among them). The actors only grow, so each run adds to the last.
  void derive() {
    // The paid accounts of an earlier run are not actors here (a fresh look would not have them yet).
    const auto side = [&](const Address& a) { return actors.contains(a) && !paid_.contains(a); };
    for (const Frame& f : t.frames)
      if (!f.failed && (f.kind == CallKind::kCreate || f.kind == CallKind::kCreate2) && side(f.from))
        issued.insert(f.to);
    for (const auto& m : flows.flows)
      if (is_mint(m) && side(m.to) && side(minter_of(t, m))) issued.insert(m.asset.token);
    // Where the sender's side sends what it takes: accounts that run no code in the transaction, are
    // paid by the sender's side and end with a gain (the attacker's other wallets). Only direct
    // payments count, and only once: the set is not grown transitively.
    thread_local std::vector<Address> paid;  // scratch: kept per thread, not allocated per transaction
    paid.clear();
    for (const auto& f2 : flows.flows)
      if (side(f2.from) && !side(f2.to) && !contracts.contains(f2.to) && !f2.to.is_zero() &&
          only_gains(flows, f2.to, f2.asset))
        paid.push_back(f2.to);
    for (const auto& p : paid) {
      actors.insert(p);
      paid_.insert(p);
    }
    if (paid.capacity() > 1 << 12) paid = {};
  }

  AddressSet paid_;  // the accounts derive() counted among the actors

 public:
  /// True when `holder`'s change in `asset` is not a loss to anyone: the zero address, a token's
  /// holdings of itself (minting and burning), a wrapped-native contract's backing.
  bool neutral(const Address& holder, const AssetRef& asset) const {
    if (holder.is_zero()) return true;
    if (!asset.native && holder == asset.token) return true;
    return wrapped.contains(holder);
  }
};

struct Victim {
  Address holder;
  std::vector<Loss> losses;
};

/// The net changes of one holder, all its assets in order: a range of FlowSummary::net (ordered by
/// holder first, so they are adjacent).
std::ranges::subrange<FlowSummary::Net::const_iterator> holder_net(const FlowSummary& s, const Address& h) {
  auto b = s.net.lower_bound({h, AssetRef{}});  // {zero, false} is the least AssetRef
  auto e = b;
  while (e != s.net.end() && e->first.first == h) ++e;
  return {b, e};
}

/// Tokens minted to the sender's side at the call of a contract off the sender's side (other than the token
/// itself): the account that called the token, for a `mint` call or a mint `Transfer` log. What it issued to
/// the attacker, per minter and asset (summed, saturating).
std::map<Address, std::vector<Loss>> mints_to_actors(const Facts& x) {
  std::map<Address, std::vector<Loss>> out;
  std::map<std::pair<Address, AssetRef>, std::size_t> at;  // where each (minter, asset) is in its list
  for (const auto& fl : x.flows.flows) {
    if (!is_mint(fl) || !x.is_actor(fl.to)) continue;
    const Address& minter = minter_of(x.t, fl);
    if (x.is_actor(minter) || minter == fl.asset.token) continue;
    auto& losses = out[minter];
    if (const auto [it, fresh] = at.try_emplace({minter, fl.asset}, losses.size()); fresh)
      losses.push_back(Loss{minter, fl.asset, fl.amount});
    else
      losses[it->second].amount = losses[it->second].amount.checked_add(fl.amount).value_or(U256::max());
  }
  return out;
}

/// What `holder` lost, when it gained nothing of value: its net losses (in address order of the assets),
/// or nothing when it ended with a gain in some asset other than a token the sender's side issued. Assets
/// whose change is no one's loss (`Facts::neutral`) are left out.
std::optional<std::vector<Loss>> one_sided_loss(const Facts& x, const Address& holder) {
  std::vector<Loss> losses;
  for (const auto& [key, n] : holder_net(x.flows, holder)) {
    const AssetRef& asset = key.second;
    if (x.neutral(holder, asset)) continue;
    // A token the sender's side deployed or minted itself is worth nothing to whoever it is paid to.
    if (n.gain() && (asset.native || !x.issued.contains(asset.token))) return std::nullopt;
    if (n.loss()) losses.push_back(Loss{holder, asset, n.magnitude()});
  }
  return losses;
}

/// A holder's net losses, in address order of the assets, leaving out what is no one's loss
/// (`Facts::neutral`).
std::vector<Loss> net_losses(const Facts& x, const Address& holder) {
  std::vector<Loss> out;
  for (const auto& [key, n] : holder_net(x.flows, holder))
    if (n.loss() && !x.neutral(holder, key.second)) out.push_back(Loss{holder, key.second, n.magnitude()});
  return out;
}

/// Contracts that lost some asset and gained none, other than the actors, in address order. Tokens a
/// contract had minted to the sender's side count as its loss.
std::vector<Victim> one_sided_losers(const Facts& x, const std::map<Address, std::vector<Loss>>& issued_by) {
  std::vector<Victim> out;
  // The holders of the net changes and the minters, in address order: a merge of the two sorted
  // sequences (the net changes are by holder), each holder once.
  auto net = x.flows.net.begin();
  auto minter = issued_by.begin();
  while (net != x.flows.net.end() || minter != issued_by.end()) {
    const bool from_net =
        net != x.flows.net.end() && (minter == issued_by.end() || !(minter->first < net->first.first));
    const Address holder = from_net ? net->first.first : minter->first;
    while (net != x.flows.net.end() && net->first.first == holder) ++net;
    if (minter != issued_by.end() && minter->first == holder) ++minter;
    if (x.is_actor(holder) || !x.contracts.contains(holder)) continue;
    auto lost = one_sided_loss(x, holder);
    if (!lost) continue;
    std::vector<Loss> losses;
    if (auto m = issued_by.find(holder); m != issued_by.end()) losses = m->second;
    losses.insert(losses.end(), lost->begin(), lost->end());
    if (!losses.empty()) out.push_back(Victim{holder, std::move(losses)});
  }
  return out;
}

/// True when a net change is an actor's gain.
bool is_actor_gain(const Facts& x, const FlowSummary::Net::value_type& e) {
  return e.second.gain() && x.is_actor(e.first.first);
}

/// True when the sender's side gained something: exactly when actor_gains is not empty.
bool has_profit(const Facts& x) {
  return std::any_of(x.flows.net.begin(), x.flows.net.end(),
                     [&](const auto& e) { return is_actor_gain(x, e); });
}

/// Actors that ended with a net gain, and what they gained.
std::vector<Loss> actor_gains(const Facts& x) {
  std::vector<Loss> out;
  for (const auto& e : x.flows.net)
    if (is_actor_gain(x, e)) out.push_back(Loss{e.first.first, e.first.second, e.second.magnitude()});
  return out;
}

Evidence evidence_of(const Facts& x, std::size_t i, std::string note) {
  const Frame& f = x.t.frames[i];
  return Evidence{frame_path(x.t, i), f.from, f.to, x.t.selector(f), std::move(note)};
}

// ---- flash loans: the generic borrow-and-repay rule ----

struct FlashLoan {
  std::size_t entry;     // the frame that entered the lender
  std::size_t callback;  // the lender's call back into the borrower
  Address lender;        // the contract the loan was asked of
  Address holder;        // where the borrowed funds came from and went back to
  Address borrower;
  AssetRef asset;
  U256 amount;
};

/// A lender L, entered at frame F, pays asset A from a holder H to borrower B, then calls B (the
/// callback, from L's context, after the payment), and within F receives back into H at least what it
/// paid. This covers Aave, Balancer, dYdX, Maker, ERC-3156, Uniswap v2 flash swaps repaid in kind,
/// Uniswap v3 flash and the like without naming any of them. A loan of the native coin may be paid by
/// the callback itself (a value-carrying call into the borrower's receive function, which runs code);
/// then more than was paid must come back (a fee).
std::vector<FlashLoan> find_flash_loans(const Facts& x) {
  std::vector<FlashLoan> out;
  const auto& frames = x.t.frames;
  const auto& flows = x.flows.flows;
  std::set<std::pair<std::size_t, AssetRef>> seen;
  // Per (entry, borrower): the first flow of the entry not yet looked at for that borrower.
  std::map<std::pair<std::size_t, Address>, std::vector<Flow>::const_iterator> scanned;
  // A borrower is paid before its callback: only calls into accounts some flow pays can be callbacks.
  AddressSet paid(flows.size());
  for (const Flow& fl : flows) paid.insert(fl.to);
  for (std::size_t y = 1; y < frames.size(); ++y) {
    const Frame& cb = frames[y];
    // A loan of the native coin may be paid by the callback itself: a value-carrying call into the
    // borrower's receive function, whose code repays it (it runs calls of its own).
    const bool paid_by_callback = cb.input_size == 0 && !cb.value.is_zero() && cb.end > y + 1;
    if (cb.failed || cb.kind != CallKind::kCall || (cb.input_size < 4 && !paid_by_callback) ||
        !paid.contains(cb.to))
      continue;
    // The nearest enclosing frame running in the caller's context that was entered from outside.
    std::int32_t p = cb.parent;
    std::int32_t entry = -1;
    while (p >= 0) {
      const Frame& pf = frames[static_cast<std::size_t>(p)];
      if (context_of(pf) != cb.from) break;
      entry = p;
      p = pf.parent;
    }
    if (entry < 0) continue;
    const auto F = static_cast<std::size_t>(entry);
    const Address& lender = context_of(frames[F]);
    // The sender's own contracts moving funds between themselves are not a loan.
    if (lender == cb.to || x.wrapped.contains(lender) || x.is_actor(lender)) continue;
    // Payments to the borrower inside F before the callback. Flows are in frame order: only those in
    // [F, y) can be the loan. Those an earlier callback from F to the same borrower looked at are not
    // looked at again (a lender calling back thousands of times would make this quadratic): they either
    // were no payment to it or gave their (F, asset) already.
    // A loan paid by its callback is only a loan if more comes back than was paid (a fee). A contract that
    // pays the coin into a receive function and is paid exactly as much back may have sold something for
    // it (a re-entered sale whose proceeds buy again); a lender paid by its callback charges for the loan.
    const auto consider = [&](const Flow& fl) {
      if (fl.to != cb.to || fl.from == cb.to) return;
      if (!seen.insert({F, fl.asset}).second) return;
      U256 back;
      for (auto rt = first_flow_at(flows, y); rt != flows.end() && rt->frame < frames[F].end; ++rt)
        if (const Flow& r = *rt; r.asset == fl.asset && r.to == fl.from) {
          auto s = back.checked_add(r.amount);
          back = s ? *s : U256::max();
        }
      if (paid_by_callback ? back > fl.amount : back >= fl.amount)
        out.push_back(FlashLoan{F, y, lender, fl.from, cb.to, fl.asset, fl.amount});
    };
    if (!paid_by_callback) {
      auto& from = scanned.try_emplace({F, cb.to}, first_flow_at(flows, F)).first->second;
      for (; from != flows.end() && from->frame < y; ++from) consider(*from);
    } else if (const auto own = first_flow_at(flows, y);  // the callback's own value: its frame's first flow
               own != flows.end() && own->frame == y && own->asset.native) {
      consider(*own);
    }
  }
  return out;
}

/// Borrowers that act for the sender's side: a contract off it that the sender's side CALLed, and that
/// from within that call asked the lender for the loan itself (it called the lender, and the lender
/// called it back). A standing helper the attack contract calls to run the attack is one; a router or
/// a pool called by the sender's side takes no loan of its own.
std::vector<Address> loan_borrowers(const Facts& x, const std::vector<FlashLoan>& loans) {
  std::vector<Address> out;
  AddressSet listed;
  const auto& frames = x.t.frames;
  for (const auto& l : loans) {
    if (x.is_actor(l.borrower) || frames[l.entry].from != l.borrower) continue;
    // The frames in which the borrower runs, up from the one that called the lender (its DELEGATECALLs
    // and its calls into itself), to the call that entered it from another account.
    const auto borrower_runs_in = [&](const Frame& f) {
      return context_of(f) == l.borrower && (f.kind == CallKind::kDelegateCall || f.from == l.borrower);
    };
    std::int32_t p = frames[l.entry].parent;
    while (p >= 0 && borrower_runs_in(frames[static_cast<std::size_t>(p)]))
      p = frames[static_cast<std::size_t>(p)].parent;
    if (p < 0) continue;
    const Frame& entered = frames[static_cast<std::size_t>(p)];
    if (entered.kind != CallKind::kCall || entered.to != l.borrower || !x.is_actor(entered.from)) continue;
    if (listed.insert(l.borrower)) out.push_back(l.borrower);
  }
  return out;
}

/// The call behind a frame: the frame itself, or under DELEGATECALLs the call into the proxy (whose caller
/// made the move). Flows come in frame order: the last frame's answer is kept, so many flows of one deep
/// frame climb once.
class CallBehind {
 public:
  explicit CallBehind(const Trace& t) : t_(t) {}
  const Frame& operator()(std::size_t frame) const {
    if (frame != last_) {
      std::size_t i = frame;
      while (t_.frames[i].kind == CallKind::kDelegateCall && t_.frames[i].parent >= 0)
        i = static_cast<std::size_t>(t_.frames[i].parent);
      last_ = frame;
      call_ = i;
    }
    return t_.frames[call_];
  }

 private:
  const Trace& t_;
  mutable std::size_t last_ = static_cast<std::size_t>(-1), call_ = 0;
};

/// Contracts that pass on, for the sender's side, what they are paid: each was CALLed by the sender's side,
/// paid it, and ends the transaction with no net change in anything, as an attack's standing helper
/// (deployed before the transaction) does, or a router the sender's side calls. Candidates first (the
/// contracts off the sender's side that end with no net change): most transactions have none, and the
/// frames and flows are then not read again.
std::vector<Address> pass_throughs(const Facts& x) {
  std::vector<Address> out;
  const auto& net = x.flows.net;
  for (auto it = net.begin(); it != net.end();) {  // holders in order, each one's assets adjacent
    const Address& holder = it->first.first;
    bool even = true;
    for (; it != net.end() && it->first.first == holder; ++it) even = even && it->second.in == it->second.out;
    if (even && !x.is_actor(holder) && x.contracts.contains(holder)) out.push_back(holder);
  }
  if (out.empty()) return out;
  AddressSet candidates(out.size()), paying, called;
  for (const Address& h : out) candidates.insert(h);
  for (const Frame& f : x.t.frames)
    if (!f.failed && f.kind == CallKind::kCall && candidates.contains(f.to) && x.is_actor(f.from))
      called.insert(f.to);
  for (const Flow& fl : x.flows.flows)
    if (candidates.contains(fl.from) && x.is_actor(fl.to)) paying.insert(fl.from);
  std::erase_if(out, [&](const Address& h) { return !paying.contains(h) || !called.contains(h); });
  return out;
}

/// Contracts that gather for the sender's side: pass-throughs (above) that take nothing from it, neither
/// paid by it nor moving its funds (a router or an aggregator is paid by its caller, or spends its
/// caller's approval, for what it passes on), and that never call into it (a lender calls its borrower
/// back, a pool its swapper).
std::vector<Address> standing_helpers(const Facts& x) {
  std::vector<Address> out = pass_throughs(x);
  if (out.empty()) return out;
  AddressSet candidates(out.size()), excluded;
  for (const Address& h : out) candidates.insert(h);
  const CallBehind call_behind(x.t);
  for (const Flow& fl : x.flows.flows) {
    if (x.is_actor(fl.from) && candidates.contains(fl.to))
      excluded.insert(fl.to);  // paid by the sender's side
    // A contract that moved tokens it does not hold with transferFrom spent an approval: the sender's
    // side's (a router's pull of its caller's input), or a third party's (a spender with an unchecked
    // `from`, which is a victim's shape, not a helper's).
    const bool pull =
        fl.source == FlowSource::kTransferLog ||
        (fl.source == FlowSource::kTokenCall && x.t.selector(x.t.frames[fl.frame]) == kTransferFrom);
    if (!pull) continue;
    if (const Address& m = call_behind(fl.frame).from; m != fl.from && candidates.contains(m))
      excluded.insert(m);
  }
  // A contract that calls into the sender's side (a lender's callback, a pool's) serves it.
  for (const Frame& f : x.t.frames)
    if (!f.failed && f.kind == CallKind::kCall && f.input_size > 0 && candidates.contains(f.from) &&
        x.is_actor(f.to))
      excluded.insert(f.from);
  std::erase_if(out, [&](const Address& h) { return excluded.contains(h); });
  return out;
}

/// Contracts that repay, inside the callback, a flash loan the sender's side took, and end the transaction
/// with no gain in anything: they pass through what the loan bought, for the sender's side (a swap venue
/// that pays the lender is paid in another asset and keeps it).
std::vector<Address> loan_repayers(const Facts& x, const std::vector<FlashLoan>& loans) {
  std::vector<Address> out;
  AddressSet listed;
  for (const auto& l : loans) {
    if (!x.is_actor(l.borrower)) continue;
    for (auto r = first_flow_at(x.flows.flows, l.callback);
         r != x.flows.flows.end() && r->frame < x.t.frames[l.callback].end; ++r) {
      if (r->asset != l.asset || r->to != l.holder || x.is_actor(r->from) || !x.contracts.contains(r->from) ||
          r->from == l.lender || r->from == l.holder)
        continue;
      bool gains = false;
      for (const auto& [key, n] : holder_net(x.flows, r->from)) gains = gains || n.gain();
      if (!gains && listed.insert(r->from)) out.push_back(r->from);
    }
  }
  return out;
}

/// A flash loan the lender counted back as a deposit: inside the loan's callback the sender's side calls
/// the lender again, and that call moves the borrowed asset back into the holder for nothing but the
/// lender's own token (shares); without those deposits the loan would not be repaid. The lender took its
/// own money as the borrower's deposit, and owes the shares it issued for it. A lender that pulls its
/// repayment after the callback (Aave, dYdX) or is paid by a plain transfer (Uniswap, Balancer; for the
/// native coin a call that names no function) is repaid whatever the borrower deposited.
struct LoanDeposit {
  const FlashLoan* loan;
  std::size_t frame;  // the first call into the lender inside the callback that moved the asset back
  U256 deposited;
};

std::vector<LoanDeposit> find_loans_repaid_as_deposits(const Facts& x, const std::vector<FlashLoan>& loans) {
  std::vector<LoanDeposit> out;
  const auto& frames = x.t.frames;
  const auto& flows = x.flows.flows;
  for (const auto& l : loans) {
    const std::size_t y = l.callback;
    std::map<std::size_t, bool> paid_in;  // per call into the lender: whether it paid the sender's side
    U256 deposited, back;
    std::optional<std::size_t> first;
    const auto from_y = first_flow_at(flows, y);
    for (auto it = from_y; it != flows.end() && it->frame < frames[l.entry].end; ++it) {
      const Flow& r = *it;
      if (r.asset != l.asset || r.to != l.holder) continue;
      back = back.checked_add(r.amount).value_or(U256::max());
      if (!x.is_actor(r.from) || !x.t.within(r.frame, y)) continue;
      // The outermost call into the lender inside the callback, from the sender's side, that encloses this
      // repayment.
      std::optional<std::size_t> into;
      for (auto p = static_cast<std::int32_t>(r.frame); p > static_cast<std::int32_t>(y);
           p = frames[static_cast<std::size_t>(p)].parent) {
        const Frame& g = frames[static_cast<std::size_t>(p)];
        // A plain transfer of the coin (no function called) repays; it deposits nothing.
        if (g.kind == CallKind::kCall && g.to == l.lender && x.is_actor(g.from) && g.input_size >= 4)
          into = static_cast<std::size_t>(p);
      }
      if (!into) continue;
      // A swap pays the caller another asset for it; a deposit pays nothing but the lender's own token.
      // Asked once per call into the lender, however many repayments it encloses.
      const auto [known, fresh] = paid_in.try_emplace(*into, false);
      for (auto p = first_flow_at(flows, *into);
           fresh && p != flows.end() && p->frame < frames[*into].end && !known->second; ++p)
        known->second = x.is_actor(p->to) &&
                        (p->asset.native || (p->asset.token != l.lender && p->asset.token != l.holder));
      if (known->second) continue;
      deposited = deposited.checked_add(r.amount).value_or(U256::max());
      if (!first) first = *into;
    }
    if (!first) continue;
    const U256 without = back.checked_sub(deposited).value_or(U256{});
    if (without < l.amount)
      out.push_back(LoanDeposit{&l, *first, deposited < l.amount ? deposited : l.amount});
  }
  return out;
}

// ---- reentrancy ----

struct Reentry {
  std::size_t outer;  // the open frame of the victim
  std::size_t inner;  // the frame that entered it again
  Address contract;
  U256 inner_outflow_count;
};

/// A contract C is re-entered when a CALL into C starts while an outer frame running in C's context
/// is still open and, between them, execution left C (a frame running in another account). It matters
/// when assets leave C inside the re-entered frame.
std::vector<Reentry> find_reentries(const Facts& x) {
  std::vector<Reentry> out;
  const auto& frames = x.t.frames;
  AddressSet reported;
  const auto& flows = x.flows.flows;
  for (std::size_t j = 1; j < frames.size(); ++j) {
    const Frame& f = frames[j];
    if (f.failed || f.kind != CallKind::kCall || f.input_size == 0) continue;
    const Address& c = f.to;
    if (reported.contains(c) || x.is_actor(c)) continue;
    bool left = false;
    std::int32_t outer = -1;
    for (std::int32_t p = f.parent; p >= 0; p = frames[static_cast<std::size_t>(p)].parent) {
      const Address& ctx = context_of(frames[static_cast<std::size_t>(p)]);
      if (ctx == c) {
        if (left) {
          outer = p;
          break;
        }
      } else {
        left = true;
      }
    }
    if (outer < 0) continue;
    // The re-entry must come from the sender's side (its own contract took control and called back),
    // not from a third contract's ordinary callback.
    if (!x.is_actor(f.from)) continue;
    // Flows are in frame order: those of the subtree [j, f.end) are adjacent.
    std::size_t outflows = 0;
    const auto first = first_flow_at(flows, j);
    for (auto it = first; it != flows.end() && it->frame < f.end; ++it)
      if (it->from == c && !x.neutral(c, it->asset)) ++outflows;
    if (outflows == 0) continue;
    reported.insert(c);
    out.push_back(Reentry{static_cast<std::size_t>(outer), j, c, U256(outflows)});
  }
  return out;
}

// ---- balances observed through balanceOf outputs: the drain rule ----

/// A balance the trace reveals: what the holder had before the transaction, and the reads of it the
/// sender's side made (frame, value read), for the drain rule to ask whether the caller then passed that
/// value to the holder (an attack contract sizing what it takes to what the victim holds).
struct PreBalance {
  U256 amount;
  std::vector<std::pair<std::size_t, U256>> actor_reads;
};

/// The ABI words of the calls the sender's side made into some holders, each with the last frame that
/// passed it: built in one pass over the frames, so that asking about each of many balance reads is a
/// binary search rather than a scan of every later call (a loop of reads and calls would be quadratic).
class PassedWords {
 public:
  PassedWords(const Facts& x, const AddressSet& holders) {
    const auto& frames = x.t.frames;
    for (std::size_t j = 0; j < frames.size(); ++j) {
      const Frame& g = frames[j];
      if (g.failed || g.kind != CallKind::kCall || !holders.contains(g.to) || !x.is_actor(g.from)) continue;
      U256 v;
      for (std::size_t k = 0; x.t.word(g, k, v); ++k) words_.push_back({g.to, v, j});
    }
    std::sort(words_.begin(), words_.end());
  }

  /// True when a call into `holder` after frame `i` carried `w`.
  bool after(const Address& holder, std::size_t i, const U256& w) const {
    // The last entry for (holder, w) holds the last frame that passed it.
    const auto it = std::upper_bound(words_.begin(), words_.end(),
                                     Entry{holder, w, std::numeric_limits<std::size_t>::max()});
    return it != words_.begin() && std::prev(it)->holder == holder && std::prev(it)->word == w &&
           std::prev(it)->frame > i;
  }

 private:
  struct Entry {
    Address holder;
    U256 word;
    std::size_t frame;
    auto operator<=>(const Entry&) const = default;
  };
  std::vector<Entry> words_;
};

/// For (holder, token) pairs whose balance the trace reveals (a successful balanceOf with output),
/// the balance before the transaction: observed value + what it sent before − what it received before.
std::map<std::pair<Address, AssetRef>, PreBalance> observed_pre_balances(const Facts& x,
                                                                         const std::vector<Victim>& victims) {
  std::map<std::pair<Address, AssetRef>, PreBalance> pre;
  // Only a victim's balance is ever asked for (the drain rule): the others are not worked out.
  if (victims.empty() || !x.balance_reads) return pre;
  AddressSet victim(victims.size());
  for (const auto& v : victims) victim.insert(v.holder);
  // What each victim had sent and received of each asset before the frame being read: the reads and the
  // flows are both in frame order, so one pass over the flows serves every read.
  std::map<std::pair<Address, AssetRef>, std::pair<U256, U256>> moved;  // (sent, received)
  const auto& flows = x.flows.flows;
  std::size_t next = 0;  // the first flow not yet counted
  const auto& frames = x.t.frames;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const Frame& f = frames[i];
    if (f.failed || !f.has_output || f.output_size != 32 || x.t.selector(f) != kBalanceOf) continue;
    U256 w;
    if (!x.t.word(f, 0, w) || w.bit_length() > 160) continue;
    const Address holder = word_address(w);
    if (!victim.contains(holder)) continue;
    const AssetRef asset{f.to, false};
    U256 bal;
    x.t.output_word(f, 0, bal);
    const bool by_actor = x.is_actor(f.from) && !x.is_actor(holder) && !bal.is_zero();
    if (auto known = pre.find({holder, asset}); known != pre.end()) {
      if (by_actor) known->second.actor_reads.emplace_back(i, bal);
      continue;
    }
    PreBalance& entry = pre[{holder, asset}];
    if (by_actor) entry.actor_reads.emplace_back(i, bal);
    for (; next < flows.size() && flows[next].frame < i; ++next) {
      const Flow& fl = flows[next];
      if (victim.contains(fl.from)) {
        U256& sent = moved[{fl.from, fl.asset}].first;
        sent = sent.checked_add(fl.amount).value_or(U256::max());
      }
      if (victim.contains(fl.to)) {
        U256& received = moved[{fl.to, fl.asset}].second;
        received = received.checked_add(fl.amount).value_or(U256::max());
      }
    }
    if (const auto m = moved.find({holder, asset}); m != moved.end())
      bal = bal.checked_add(m->second.first)
                .value_or(U256::max())
                .checked_sub(m->second.second)
                .value_or(U256{});
    entry.amount = bal;
  }
  return pre;
}

// ---- outsized returns: paid out far more than was paid in ----

struct OutsizedReturn {
  Address holder;
  AssetRef asset;
  double ratio;  // paid to the sender's side / received from it
};

/// A contract off the sender's side that received some amount of an asset from the sender's side and,
/// later in the transaction, paid the sender's side at least `outsized_return` times that amount of the
/// same asset, ending with a net loss of it. A deposit, stake or position that pays back a multiple of
/// what was put in within one transaction is how an overflow, a mis-scaled share price or an unchecked
/// withdrawal amount shows in the flows; a refund, a withdrawal of an earlier deposit or a claim pays
/// without a matching payment in just before it.
std::vector<OutsizedReturn> find_outsized_returns(const Facts& x) {
  std::map<std::pair<Address, AssetRef>, std::pair<double, double>> by;  // (paid in, paid out after it)
  for (const auto& fl : x.flows.flows) {
    if (x.is_actor(fl.from) && !x.is_actor(fl.to) && x.contracts.contains(fl.to) &&
        !x.neutral(fl.to, fl.asset))
      by[{fl.to, fl.asset}].first += to_double(fl.amount);
    else if (x.is_actor(fl.to) && !x.is_actor(fl.from) && !x.neutral(fl.from, fl.asset))
      if (auto it = by.find({fl.from, fl.asset}); it != by.end()) it->second.second += to_double(fl.amount);
  }
  std::vector<OutsizedReturn> out;
  for (const auto& [key, io] : by)
    if (io.first > 0 && io.second >= x.cfg.outsized_return * io.first &&
        x.flows.net_of(key.first, key.second).loss())
      out.push_back(OutsizedReturn{key.first, key.second, io.second / io.first});
  return out;
}

// ---- a contract of the sender's side posing as a pool ----

/// Calls from a contract off the sender's side into a pool's swap entry point on a contract of the
/// sender's side (its entry contract or one it deployed): the caller (a router, an aggregator, a vault)
/// took the sender's contract for a pool, as a router that trusts a pool address from its calldata does.
/// No pool is the sender's own; a pool a third-party factory deploys in the transaction is not counted.
std::vector<std::size_t> find_posed_pools(const Facts& x) {
  std::vector<std::size_t> out;
  if (!x.pool_swaps) return out;
  const Trace& t = x.t;
  const Frame& root = t.frames[0];
  for (std::size_t i = 1; i < t.frames.size(); ++i) {
    const Frame& f = t.frames[i];
    if (f.failed || f.kind != CallKind::kCall || !in(t.selector(f), kPoolSwapSelectors)) continue;
    const bool own_contract =
        (root.kind == CallKind::kCall && root.input_size > 0 && f.to == root.to) || x.issued.contains(f.to);
    if (own_contract && !x.is_actor(f.from) && x.contracts.contains(f.from)) out.push_back(i);
  }
  return out;
}

// ---- price moves seen through getReserves outputs ----

struct PriceMove {
  Address pool;
  double max_move = 0;  // largest |p/p0 - 1|
  bool read_by_other = false;
  std::vector<Address> readers;  // contracts off the sender's side that read the moved price
  bool moved_back = false;
  std::size_t first = 0, peak = 0;
};

/// A round trip through one pool at a profit: the sender's side sold A for B in pool P and later sold
/// the B (or less) back to P for more A than it paid. A constant-function pool only loses on a round trip
/// if someone changed its state in between (a donation, a burn, a skewed sync), so the pool's price was
/// manipulated within the transaction. Found from flows alone, for traces without outputs.
struct RoundTrip {
  Address pool;
  AssetRef paid;      // A
  AssetRef received;  // B
  std::size_t first_frame, second_frame;
  double gain;  // a2 / a1 - 1
};

std::vector<RoundTrip> find_round_trips(const Facts& x) {
  struct Leg {
    AssetRef in, out;
    double a_in = 0, a_out = 0;
    std::size_t frame = 0;
  };
  // Legs per pool: an inflow from the sender's side followed by an outflow to it of another asset.
  std::map<Address, std::vector<Leg>> legs;
  std::map<Address, std::pair<bool, Flow>> open_in;  // pool -> last inflow not yet matched
  for (const auto& fl : x.flows.flows) {
    if (x.is_actor(fl.to) && !x.is_actor(fl.from) && x.contracts.contains(fl.from) &&
        !x.neutral(fl.from, fl.asset)) {
      auto it = open_in.find(fl.from);
      if (it != open_in.end() && it->second.first && it->second.second.asset != fl.asset) {
        const Flow& in = it->second.second;
        legs[fl.from].push_back(
            Leg{in.asset, fl.asset, to_double(in.amount), to_double(fl.amount), fl.frame});
        it->second.first = false;
      }
    } else if (x.is_actor(fl.from) && !x.is_actor(fl.to) && x.contracts.contains(fl.to) &&
               !x.neutral(fl.to, fl.asset)) {
      open_in[fl.to] = {true, fl};
    }
  }
  // Leg b undoes leg a at a profit: the reverse trade, back in at most what it got, out clearly more than
  // it paid.
  auto undoes = [](const Leg& a, const Leg& b) {
    return b.in == a.out && b.out == a.in && a.a_in > 0 && b.a_in > 0 && b.a_in <= a.a_out * 1.001 &&
           b.a_out >= a.a_in * 1.05;
  };
  std::vector<RoundTrip> out;
  for (const auto& [pool, ls] : legs) {
    // The first leg that some later leg undoes, then the first leg that undoes it. Pairing every leg with
    // every later one would be quadratic in the legs (a crafted transaction can trade thousands of times
    // through one pool), so the first is found sweeping back from the last leg, each direction's later legs
    // kept in a Fenwick tree: for an amount paid in, the most paid out by a later leg paying in at most it.
    using Direction = std::pair<AssetRef, AssetRef>;
    std::map<Direction, std::vector<double>> paid_in;  // per direction: the legs' amounts in, sorted
    for (const Leg& l : ls)
      if (l.a_in > 0) paid_in[{l.in, l.out}].push_back(l.a_in);
    std::map<Direction, std::vector<double>> most_out;  // per direction: the tree, by rank of amount in
    for (auto& [d, v] : paid_in) {
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
      most_out[d].assign(v.size() + 1, -std::numeric_limits<double>::infinity());
    }
    std::optional<std::size_t> first;
    for (std::size_t i = ls.size(); i-- > 0;) {
      const Leg& a = ls[i];
      if (a.a_in <= 0) continue;
      if (const auto keys = paid_in.find({a.out, a.in}); keys != paid_in.end()) {
        const auto& tree = most_out[keys->first];
        double most = -std::numeric_limits<double>::infinity();
        for (auto n = static_cast<std::size_t>(
                 std::upper_bound(keys->second.begin(), keys->second.end(), a.a_out * 1.001) -
                 keys->second.begin());
             n > 0; n &= n - 1)
          most = std::max(most, tree[n]);
        if (most >= a.a_in * 1.05) first = i;
      }
      const auto& keys = paid_in[{a.in, a.out}];
      auto& tree = most_out[{a.in, a.out}];
      for (auto n =
               static_cast<std::size_t>(std::lower_bound(keys.begin(), keys.end(), a.a_in) - keys.begin()) +
               1;
           n < tree.size(); n += n & (~n + 1))
        tree[n] = std::max(tree[n], a.a_out);
    }
    if (!first) continue;
    const Leg& a = ls[*first];
    for (std::size_t j = *first + 1; j < ls.size(); ++j)
      if (const Leg& b = ls[j]; undoes(a, b)) {
        out.push_back(RoundTrip{pool, a.in, a.out, a.frame, b.frame, b.a_out / a.a_in - 1});
        break;
      }
  }
  return out;
}

std::vector<PriceMove> find_price_moves(const Facts& x) {
  struct Obs {
    std::size_t frame;
    double price;
    Address reader;
  };
  if (!x.reserve_reads) return {};
  std::map<Address, std::vector<Obs>> by_pool;
  const auto& frames = x.t.frames;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const Frame& f = frames[i];
    if (f.failed || !f.has_output || f.output_size < 64 || x.t.selector(f) != kGetReserves) continue;
    U256 w0, w1;
    x.t.output_word(f, 0, w0);
    x.t.output_word(f, 1, w1);
    const double r0 = to_double(w0);
    const double r1 = to_double(w1);
    if (r0 <= 0 || r1 <= 0) continue;
    by_pool[f.to].push_back(Obs{i, r1 / r0, f.from});
  }
  std::vector<PriceMove> out;
  for (const auto& [pool, obs] : by_pool) {
    if (obs.size() < 2) continue;
    PriceMove m{pool};
    m.first = obs[0].frame;
    for (std::size_t k = 1; k < obs.size(); ++k) {
      const double mv = std::fabs(obs[k].price / obs[0].price - 1.0);
      if (mv > m.max_move) {
        m.max_move = mv;
        m.peak = obs[k].frame;
      }
      if (mv >= x.cfg.price_move && !x.is_actor(obs[k].reader)) {
        m.read_by_other = true;
        if (std::find(m.readers.begin(), m.readers.end(), obs[k].reader) == m.readers.end())
          m.readers.push_back(obs[k].reader);
      }
    }
    m.moved_back = std::fabs(obs.back().price / obs[0].price - 1.0) < x.cfg.price_move;
    if (m.max_move >= x.cfg.price_move) out.push_back(m);
  }
  return out;
}

/// True when `input` (calldata hex, after the selector) carries `addr` (40 lowercase hex digits) as an ABI
/// word: left-padded with zeros to 32 bytes, at a word boundary.
bool names_word(std::string_view input, std::string_view addr) {
  for (std::size_t at = 8; at + 64 <= input.size(); at += 64) {
    const std::string_view w = input.substr(at, 64);
    if (w.find_first_not_of('0') < 24) continue;
    if (std::equal(addr.begin(), addr.end(), w.begin() + 24, [](char a, char b) { return a == (b | 0x20); }))
      return true;
  }
  return false;
}

/// True when hex text `outer` holds the hex text `inner` at a byte boundary (an even offset), compared
/// without regard to case. Where `inner` starts with a digit (a selector mostly does), the candidates are
/// found with memchr, which skips the text a vector at a time, instead of comparing at every offset.
bool holds_calldata(std::string_view outer, std::string_view inner) {
  if (inner.empty() || inner.size() > outer.size()) return false;
  auto same_at = [&](std::size_t at) {
    return std::equal(inner.begin(), inner.end(), outer.begin() + static_cast<std::ptrdiff_t>(at),
                      [](char a, char b) { return (a | 0x20) == (b | 0x20); });
  };
  const std::size_t last = outer.size() - inner.size();  // the last offset it can start at
  if (inner[0] < '0' || inner[0] > '9') {
    for (std::size_t at = 0; at <= last; at += 2)
      if (same_at(at)) return true;
    return false;
  }
  for (std::size_t at = 0; at <= last;) {
    const void* hit = std::memchr(outer.data() + at, inner[0], last - at + 1);
    if (hit == nullptr) return false;
    at = static_cast<std::size_t>(static_cast<const char*>(hit) - outer.data());
    if (at % 2 == 0 && same_at(at)) return true;
    ++at;
  }
  return false;
}

/// True when the subtree of frame `i` verifies a signature: a call to the ecrecover precompile (0x01) or an
/// ERC-1271 `isValidSignature(bytes32,bytes)` (0x1626ba7e). An order, permit or meta-transaction signed
/// by the owner names the owner too, with the owner's consent.
bool checks_signature(const Trace& t, std::size_t i) {
  static const Address kEcrecover = *Address::parse("0x0000000000000000000000000000000000000001");
  for (std::size_t k = i; k < t.frames[i].end; ++k)
    if (t.frames[k].to == kEcrecover || t.selector(t.frames[k]) == kIsValidSignature) return true;
  return false;
}

/// Tokens pulled with transferFrom out of a third party (not on the sender's side) into the sender's
/// side, where that party ends the transaction with a loss and no gain: spending somebody else's
/// approval. Routers and aggregators pull only from the sender itself; an order fill pays the maker back.
struct Pull {
  std::size_t frame = 0;  // the first pull from this owner
  Victim victim;
  Address recipient;             // where it went
  bool to_named = false;         // into an account the sender's side named, off the sender's side
  bool to_pass_through = false;  // into a contract that passed it on to the sender's side (PassThroughs)
};

/// The calls that carry each address as an ABI word of their input, in frame order: calls that can pass
/// an address on (not failed; no delegate call, which runs in its caller's context, nor static call, which
/// pays no one). Built in one pass, so that asking about many addresses does not read every call again.
class NamingCalls {
 public:
  explicit NamingCalls(const Trace& t) {
    for (std::uint32_t k = 0; k < t.frames.size(); ++k) {
      const Frame& c = t.frames[k];
      if (c.failed || c.kind == CallKind::kDelegateCall || c.kind == CallKind::kCallCode ||
          c.kind == CallKind::kStaticCall)
        continue;
      U256 w;
      for (std::size_t i = 0; t.word(c, i, w); ++i) {
        if (!is_address_word(w) || w.is_zero()) continue;
        auto& calls = by_[word_address(w)];
        if (calls.empty() || calls.back() != k) calls.push_back(k);
      }
    }
  }
  /// The calls naming `a`, in frame order.
  std::span<const std::uint32_t> of(const Address& a) const {
    const auto it = by_.find(a);
    return it == by_.end() ? std::span<const std::uint32_t>{} : std::span<const std::uint32_t>(it->second);
  }

 private:
  std::unordered_map<Address, std::vector<std::uint32_t>, KeyedAddressHash> by_;  // keys are calldata words
};

/// pass_throughs(), found on the first question: the approval-pull rule asks it only of a contract that a
/// third party's tokens were pulled into.
class PassThroughs {
 public:
  explicit PassThroughs(const Facts& x) : x_(x) {}
  bool contains(const Address& a) {
    if (!found_) {
      found_.emplace();
      for (const Address& p : pass_throughs(x_)) found_->insert(p);
    }
    return found_->contains(a);
  }

 private:
  const Facts& x_;
  std::optional<AddressSet> found_;
};

/// True when the first ABI argument of call `c` is the address `owner` (lowercase hex, no prefix).
bool first_argument_is(const Trace& t, const Frame& c, std::string_view owner) {
  return t.input_hex(c).substr(8, 64).ends_with(owner);
}

/// True when call `c` asks `token` for a permit of `owner`'s (EIP-2612 `permit`, or DAI's): the owner's
/// consent, valid only through the signature the token checks.
bool is_permit_of(const Trace& t, const Frame& c, const Address& token, std::string_view owner) {
  const std::uint32_t sel = t.selector(c);
  return (sel == kPermit || sel == kDaiPermit) && c.to == token && first_argument_is(t, c, owner);
}

std::vector<Pull> find_approval_pulls(const Facts& x) {
  std::map<Address, Pull> by;
  std::optional<bool> signature_checked;  // checks_signature(x.t, 0), asked at most once
  std::optional<NamingCalls> naming;      // built for the first owner it is asked of
  PassThroughs pass_throughs(x);
  for (const auto& fl : x.flows.flows) {
    if (fl.source != FlowSource::kTokenCall && fl.source != FlowSource::kTransferLog) continue;
    const Frame& f = x.t.frames[fl.frame];
    if (fl.source == FlowSource::kTokenCall && x.t.selector(f) != kTransferFrom) continue;
    if (fl.source == FlowSource::kTransferLog && f.from == fl.from) continue;
    if (x.is_actor(fl.from) || x.neutral(fl.from, fl.asset)) continue;
    // Into the sender's side, or (for a pull whose owner the sender's side named) into an account that runs
    // no code and that the same call named as well: the caller chose both ends of the transfer.
    const bool into_side = x.is_actor(fl.to);
    const bool entry_pays_sender = f.from == x.t.frames[0].to && fl.to == x.sender;
    if (x.is_actor(f.from) && !entry_pays_sender) continue;
    // Or into a contract that passes it on for the sender's side.
    const bool into_pass_through = !into_side && x.contracts.contains(fl.to);
    if (into_pass_through && !pass_throughs.contains(fl.to)) continue;
    // Only the first pull from each owner is kept, and only from an owner left with a loss and no gain
    // (checked before the calldata searches below, which cost more).
    if (by.contains(fl.from)) continue;
    const NetAmount n = x.flows.net_of(fl.from, fl.asset);
    if (!n.loss() || !one_sided_loss(x, fl.from)) continue;
    // An approval given to the sender's side (the sender, its entry contract, a contract it deploys) is
    // the owner's own choice; the rule is about a third contract spending approvals given to it.
    // The one exception: the entry contract itself moving a third party's tokens straight to the sender,
    // which is what an arbitrary-call or unchecked-spender flaw called directly looks like.
    // The pull's calldata must appear verbatim in a call the sender's side made into the spending
    // contract: the contract executed a call the attacker wrote (an arbitrary-call flaw). Signed orders
    // and permits, where the owner consented, carry a signature instead.
    bool forwarded = false;
    const std::string_view inner = x.t.input_hex(f);
    for (std::int32_t p = f.parent; p >= 0 && !forwarded && !inner.empty();
         p = x.t.frames[static_cast<std::size_t>(p)].parent) {
      const Frame& pf = x.t.frames[static_cast<std::size_t>(p)];
      if (!x.is_actor(pf.from)) continue;
      forwarded = holds_calldata(x.t.input_hex(pf), inner);
    }
    // Or the owner was named by the sender's side: its address is an argument of a call the sender's side
    // made into the spending contract (an unchecked `from` parameter: the contract moves whoever's tokens
    // the caller names). Only for pulls into the sender's side by a contract off it.
    // Not where a signature was checked anywhere in the transaction (a signed order or permit names its
    // owner with the owner's consent), nor where a contract off the sender's side passed the owner's address
    // on in a call other than a pull from it (an order settlement paying the owner in an NFT or another asset
    // the flows do not show).
    if (!into_side && forwarded) continue;
    // Tokens pulled into a pass-through: only an owner named by the sender's side or by the pass-through.
    if (into_pass_through) forwarded = false;
    if (!forwarded && !x.is_actor(f.from) &&
        !(signature_checked ? *signature_checked : *(signature_checked = checks_signature(x.t, 0)))) {
      const std::string owner = fl.from.to_lower_hex().substr(2);
      const std::string recipient = fl.to.to_lower_hex().substr(2);
      bool named = false, passed_on = false;
      if (!naming) naming.emplace(x.t);
      for (const std::uint32_t k : naming->of(fl.from)) {
        if (passed_on) break;
        const Frame& c = x.t.frames[k];
        if (x.is_actor(c.from) || (into_pass_through && c.from == fl.to))
          named = named || (c.to == f.from &&
                            (into_side || into_pass_through || names_word(x.t.input_hex(c), recipient)));
        else if ((x.t.selector(c) != kTransferFrom || !first_argument_is(x.t, c, owner)) &&
                 !is_permit_of(x.t, c, fl.asset.token, owner) && c.to != fl.to)
          // Not passed on: a permit, which asks for the owner's consent that only a signature gives (and
          // none was checked); a call into the pull's recipient (a pass-through, or a helper on the
          // sender's side), which pays the owner nothing.
          passed_on = true;
      }
      forwarded = named && !passed_on;
    }
    if (!forwarded) continue;
    by[fl.from] = Pull{fl.frame, Victim{fl.from, {Loss{fl.from, fl.asset, n.magnitude()}}}, fl.to,
                       !into_side && !into_pass_through, into_pass_through};
  }
  std::vector<Pull> out;
  for (auto& [a, e] : by) out.push_back(std::move(e));
  // In frame order, not the owners' address order: the evidence kept is the first pulls made.
  std::sort(out.begin(), out.end(), [](const Pull& p, const Pull& q) { return p.frame < q.frame; });
  return out;
}

// ---- valuation: dollars per smallest unit, from stablecoins, the native coin and in-transaction swaps ----

/// Dollars per smallest unit, by asset: a sorted vector (a transaction values a few assets, and looks
/// them up for every net change), with the lookups of a std::map.
class Values {
 public:
  using Entry = std::pair<AssetRef, double>;
  using const_iterator = std::vector<Entry>::const_iterator;
  Values() = default;
  /// These values, of distinct assets, in any order.
  explicit Values(std::vector<Entry> e) : e_(std::move(e)) {
    std::sort(e_.begin(), e_.end(), [](const Entry& a, const Entry& b) { return a.first < b.first; });
  }
  const_iterator find(const AssetRef& a) const {
    const auto it = lower(a);
    return it != e_.end() && it->first == a ? it : e_.end();
  }
  const_iterator end() const { return e_.end(); }
  bool contains(const AssetRef& a) const { return find(a) != end(); }
  /// The value of `a`, added as 0 when absent (as std::map's).
  double& operator[](const AssetRef& a) {
    auto it = e_.begin() + (lower(a) - e_.cbegin());
    if (it == e_.end() || it->first != a) it = e_.insert(it, Entry{a, 0.0});
    return it->second;
  }

 private:
  const_iterator lower(const AssetRef& a) const {
    return std::lower_bound(e_.cbegin(), e_.cend(), a,
                            [](const Entry& e, const AssetRef& k) { return e.first < k; });
  }
  std::vector<Entry> e_;
};

double signed_amount(const NetAmount& n) {
  return n.gain() ? to_double(n.magnitude()) : -to_double(n.magnitude());
}

/// unit_values' working memory, reused from one transaction to the next.
struct ValuationScratch {
  /// A two-asset swap venue: asset in, asset out, the amounts (> 0), and their nodes in the graph.
  struct Swap {
    const AssetRef* in;
    const AssetRef* out;
    double a_in, a_out;
    std::uint32_t a = 0, b = 0;
  };
  std::vector<Swap> swaps;
  std::vector<AssetRef> assets;
  std::vector<std::uint32_t> first, adjacent, fill, frontier, next;
  std::vector<double> value;
  std::vector<char> known;
  std::vector<std::pair<double, double>> best;
  void clear() {
    if (swaps.capacity() > 1 << 12) *this = {};  // a very large transaction's memory is not kept
    swaps.clear();
    assets.clear();
    frontier.clear();
    next.clear();
  }
};

/// For each holder whose tokens a contract off the sender's side moved with `transferFrom` (the token's
/// call made by that contract, not by the holder; under a DELEGATECALL, the call into the proxy), the
/// first such contract in frame order.
std::map<Address, Address> allowance_spenders(const Facts& x) {
  std::map<Address, Address> out;
  const Trace& t = x.t;
  const CallBehind call_behind(t);
  for (const auto& fl : x.flows.flows) {
    if (fl.asset.native) continue;
    const Frame& f = call_behind(fl.frame);
    if (t.selector(f) != kTransferFrom || f.kind != CallKind::kCall || f.from == fl.from ||
        x.is_actor(f.from) || !x.contracts.contains(f.from))
      continue;
    out.emplace(fl.from, f.from);
  }
  return out;
}

/// Dollar stablecoins are worth $1 a whole unit, the native coin and its wrapped token `native_usd`.
/// Any other token is valued through the transaction's own swaps: a holder off the sender's side whose
/// net change is one asset in and one out exchanged them at that rate. Values spread from the assets
/// already valued, one swap away at a time (the fewest swaps from a dollar wins); where several swaps
/// value an asset at the same distance, the largest in dollars (its valued side) sets the rate. So the
/// values depend on the trades alone, not on the order in which their holders' addresses sort.
Values unit_values(const Facts& x) {
  // 10^-d for the decimals tokens use, computed once (as std::pow computes it).
  static const std::array<double, 78> kUnit = [] {
    std::array<double, 78> u{};
    for (std::size_t d = 0; d < u.size(); ++d) u[d] = std::pow(10.0, -double(d));
    return u;
  }();
  const auto unit = [&](unsigned dec) {
    return dec < kUnit.size() ? kUnit[dec] : std::pow(10.0, -double(dec));
  };
  const AssetRef native{Address{}, true};
  const auto& wrapped = x.cfg.tables.wrapped_native;
  // The native coin and its wrapped tokens are one value: one node of the graph below.
  auto is_native = [&](const AssetRef& a) { return a.native || x.wrapped.contains(a.token); };
  // Scratch kept per thread: valuing runs for many transactions, most with a few swaps.
  thread_local ValuationScratch scratch;
  auto& [swaps, assets, first, adjacent, fill, frontier, next, value, known, best] = scratch;
  scratch.clear();
  // Per holder (adjacent in the net map, in address order): the assets whose balance changed.
  const auto& net = x.flows.net;
  for (auto it = net.begin(); it != net.end();) {
    const Address& holder = it->first.first;
    const bool venue = !x.is_actor(holder) && !holder.is_zero();
    const FlowSummary::Net::value_type* list[2] = {nullptr, nullptr};
    std::size_t count = 0;
    for (; it != net.end() && it->first.first == holder; ++it)
      if (venue && (it->second.gain() || it->second.loss())) {
        if (count < 2) list[count] = &*it;
        ++count;
      }
    if (count != 2 || list[0]->second.gain() == list[1]->second.gain()) continue;
    const auto& gin = list[0]->second.gain() ? *list[0] : *list[1];
    const auto& gout = list[0]->second.gain() ? *list[1] : *list[0];
    const ValuationScratch::Swap sw{&gin.first.second, &gout.first.second, to_double(gin.second.magnitude()),
                                    to_double(gout.second.magnitude())};
    if (sw.a_in > 0 && sw.a_out > 0 && !(is_native(*sw.in) && is_native(*sw.out))) swaps.push_back(sw);
  }
  // The graph: node 0 is the native coin with its wrapped tokens, then each other asset of a swap.
  for (const auto& sw : swaps)
    for (const AssetRef* a : {sw.in, sw.out})
      if (!is_native(*a)) assets.push_back(*a);
  std::sort(assets.begin(), assets.end());
  assets.erase(std::unique(assets.begin(), assets.end()), assets.end());
  auto node = [&](const AssetRef& a) -> std::uint32_t {
    if (is_native(a)) return 0;
    return 1 + static_cast<std::uint32_t>(std::lower_bound(assets.begin(), assets.end(), a) - assets.begin());
  };
  const std::size_t nodes = assets.size() + 1;
  for (auto& sw : swaps) {
    sw.a = node(*sw.in);
    sw.b = node(*sw.out);
  }
  const auto& edges = swaps;
  // Each node's edges, grouped by node (counting sort).
  first.assign(nodes + 1, 0);
  adjacent.resize(2 * edges.size());
  for (const auto& e : edges) ++first[e.a + 1], ++first[e.b + 1];
  for (std::size_t n = 0; n < nodes; ++n) first[n + 1] += first[n];
  fill.assign(first.begin(), first.end() - 1);
  for (std::uint32_t k = 0; k < edges.size(); ++k)
    adjacent[fill[edges[k].a]++] = adjacent[fill[edges[k].b]++] = k;
  value.assign(nodes, 0.0);
  constexpr char kValued = 1, kDollar = 2;  // known[n]: 0 while n has no value
  known.assign(nodes, 0);
  for (const auto& [token, dec] : x.cfg.tables.usd_tokens) {
    const AssetRef a{token, false};
    if (is_native(a) || !std::binary_search(assets.begin(), assets.end(), a)) continue;
    const std::uint32_t n = node(a);
    value[n] = unit(dec);
    known[n] = kDollar;
    frontier.push_back(n);
  }
  // Breadth first from the valued nodes: each round values the nodes one swap beyond the last round's,
  // each at the rate of its largest swap into that round (ties: the higher value; the result does not
  // depend on the order of the swaps).
  best.assign(nodes, {-1.0, 0.0});  // (dollars of the swap, value)
  auto spread = [&] {
    while (!frontier.empty()) {
      next.clear();
      for (const std::uint32_t n : frontier)
        for (std::uint32_t k = first[n]; k < first[n + 1]; ++k) {
          const auto& e = edges[adjacent[k]];
          const bool from_a = e.a == n;
          const std::uint32_t o = from_a ? e.b : e.a;
          if (known[o]) continue;
          const double dollars = value[n] * (from_a ? e.a_in : e.a_out);
          const double v = dollars / (from_a ? e.a_out : e.a_in);
          auto& b = best[o];
          if (b.first < 0) next.push_back(o);
          if (dollars > b.first || (dollars == b.first && v > b.second)) b = {dollars, v};
        }
      for (const std::uint32_t o : next) {
        value[o] = best[o].second;
        known[o] = kValued;
      }
      frontier.swap(next);
    }
  };
  // Stablecoins first, so the native coin takes the transaction's own dollar rate when it has one;
  // the configured native price only where the transaction never traded it against dollars.
  spread();
  if (!known[0]) {
    value[0] = x.cfg.native_usd / 1e18;
    known[0] = kValued;
    frontier.assign(1, 0);
    spread();
  }
  std::vector<Values::Entry> entries;
  entries.reserve(x.cfg.tables.usd_tokens.size() + nodes + wrapped.size());
  for (const auto& [token, dec] : x.cfg.tables.usd_tokens)
    if (!is_native(AssetRef{token, false})) entries.emplace_back(AssetRef{token, false}, unit(dec));
  for (std::size_t n = 1; n < nodes; ++n)  // the dollars are listed above
    if (known[n] == kValued) entries.emplace_back(assets[n - 1], value[n]);
  entries.emplace_back(native, value[0]);
  for (const auto& w : wrapped) entries.emplace_back(AssetRef{w, false}, value[0]);
  return Values(std::move(entries));
}

/// The dollar value of a set of net changes; assets without a value count as zero.
double value_of(const Values& v, const AssetRef& a, const NetAmount& n) {
  auto it = v.find(a);
  return it == v.end() ? 0.0 : it->second * signed_amount(n);
}

// ---- callbacks called by someone the callee never called: a spoofed callback ----

/// A callback into contract C from the sender's side, where C has no open call into the caller: a pool
/// or lender calls back the contract that called it, so a callback nobody asked for is the caller
/// impersonating a pool, and C then acts on what the caller wrote (pays it, or pulls from those who
/// approved C). Victims: accounts off the sender's side that lose inside the callback and gain nothing.
struct SpoofedCallback {
  std::size_t frame = 0;
  std::vector<Victim> victims;  // the callee first (without losses where it lost nothing)
};

std::vector<SpoofedCallback> find_spoofed_callbacks(const Facts& x) {
  std::vector<SpoofedCallback> out;
  if (!x.callbacks) return out;
  const Trace& t = x.t;
  for (std::size_t i = 1; i < t.frames.size(); ++i) {
    const Frame& f = t.frames[i];
    if (f.failed || f.kind != CallKind::kCall || !in(t.selector(f), kCallbackSelectors)) continue;
    if (!x.is_actor(f.from) || x.is_actor(f.to)) continue;
    bool asked = false;
    for (std::int32_t p = f.parent; p >= 0 && !asked; p = t.frames[static_cast<std::size_t>(p)].parent) {
      const Frame& pf = t.frames[static_cast<std::size_t>(p)];
      asked = pf.from == f.to && pf.to == f.from;
    }
    if (asked) continue;
    SpoofedCallback s{i, {Victim{f.to, {}}}};
    AddressSet seen;
    seen.insert(f.to);
    // Flows are in frame order: those of the subtree [i, f.end) are adjacent.
    const auto& flows = x.flows.flows;
    for (auto it = first_flow_at(flows, i); it != flows.end() && it->frame < f.end; ++it) {
      const Flow& fl = *it;
      if (x.is_actor(fl.from) || x.neutral(fl.from, fl.asset)) continue;
      const bool callee = fl.from == f.to;
      if (!callee && seen.contains(fl.from)) continue;
      auto lost = one_sided_loss(x, fl.from);
      if (!lost || lost->empty()) continue;
      Victim v{fl.from, std::move(*lost)};
      if (callee) {
        if (s.victims[0].losses.empty()) s.victims[0].losses = std::move(v.losses);
        continue;
      }
      seen.insert(fl.from);
      s.victims.push_back(std::move(v));
    }
    const bool lost =
        std::any_of(s.victims.begin(), s.victims.end(), [](const Victim& v) { return !v.losses.empty(); });
    if (lost) out.push_back(std::move(s));
  }
  return out;
}

// ---- approvals handed to the sender's side ----

/// A contract off the sender's side that, inside a call the sender's side made into it, approves a
/// contract of the sender's side to spend its tokens without limit, and the allowance is not spent in
/// the transaction: the caller took the allowance of the contract's holdings (an unprotected approve or
/// an arbitrary call) to pull them later. Per approving contract, the first such approval; only owners
/// that pay the sender's side nothing in the transaction, and only when at least two contracts do it.
struct GrantedApproval {
  std::size_t frame = 0;
  Address owner, token, spender;
};

std::vector<GrantedApproval> find_granted_approvals(const Facts& x) {
  std::vector<GrantedApproval> out;
  if (!x.approvals) return out;
  const Trace& t = x.t;
  AddressSet owners;
  // Read once, on the first approval that asks, rather than for each.
  std::optional<std::map<std::array<Address, 3>, std::size_t>> pulls;
  std::optional<AddressSet> payers;  // accounts that pay the sender's side
  for (std::size_t i = 1; i < t.frames.size(); ++i) {
    const Frame& f = t.frames[i];
    const std::uint32_t sel = t.selector(f);
    if (f.failed || f.kind != CallKind::kCall || (sel != kApprove && sel != kIncreaseAllowance)) continue;
    if (f.input_size != 68 || x.is_actor(f.from) || owners.contains(f.from)) continue;
    U256 spender, amount;
    if (!t.word(f, 0, spender) || !t.word(f, 1, amount) || !is_address_word(spender) || amount.is_zero())
      continue;
    const Address to = word_address(spender);
    // Unlimited (at least 2^128), and not spent in the transaction: a contract approving its caller for
    // an exact amount that the caller then pulls is paying it (a flash-loan repayment, a protocol's pull
    // of what it is owed); an open-ended allowance taken and kept is the caller's for later.
    if (!x.is_actor(to) || !x.contracts.contains(to) || amount.bit_length() <= 128) continue;
    if (!pulls) {  // the last successful transferFrom of each (spender, token, owner), read once
      pulls.emplace();
      for (std::size_t k = 0; k < t.frames.size(); ++k) {
        const Frame& c = t.frames[k];
        U256 from;
        if (!c.failed && t.selector(c) == kTransferFrom && t.word(c, 0, from))
          (*pulls)[{c.from, c.to, word_address(from)}] = k;
      }
    }
    if (const auto spent = pulls->find({to, f.to, f.from}); spent != pulls->end() && spent->second > i)
      continue;
    // The call that entered the owner's code (not a delegate call inside it) came from the sender's side.
    std::int32_t p = f.parent;
    while (p >= 0 && (t.frames[static_cast<std::size_t>(p)].kind == CallKind::kDelegateCall ||
                      t.frames[static_cast<std::size_t>(p)].kind == CallKind::kCallCode))
      p = t.frames[static_cast<std::size_t>(p)].parent;
    if (p < 0) continue;
    const Frame& entered = t.frames[static_cast<std::size_t>(p)];
    if (entered.to != f.from || !x.is_actor(entered.from)) continue;
    // An owner that also pays the sender's side now is operated by it (a forwarder swept by its owner).
    if (!payers) {
      payers.emplace();
      for (const Flow& fl : x.flows.flows)
        if (x.is_actor(fl.to)) payers->insert(fl.from);
    }
    owners.insert(f.from);
    if (!payers->contains(f.from)) out.push_back(GrantedApproval{i, f.from, f.to, to});
  }
  // One contract approving its caller may be the caller's own (a wallet, a vault it controls); several
  // doing it at one caller's call is the caller harvesting allowances.
  if (out.size() < 2) out.clear();
  return out;
}

// ---- batch transfers whose total overflows ----

/// A call with the ABI shape (address[] recipients, uint256 amount) or (uint256 amount, address[]
/// recipients) that succeeded although recipients x amount overflows 256 bits: a token that checks the
/// sender's balance against the overflowed total credits every recipient the full amount out of nothing
/// (the batchTransfer overflow). No honest caller passes such an amount.
struct BatchOverflow {
  std::size_t frame = 0;
  U256 amount;
  std::vector<Address> recipients;
};

std::vector<BatchOverflow> find_batch_overflows(const Facts& x) {
  std::vector<BatchOverflow> out;
  if (!x.batch_shaped) return out;
  const Trace& t = x.t;
  for (std::size_t i = 0; i < t.frames.size(); ++i) {
    const Frame& f = t.frames[i];
    if (f.failed || !batch_shaped_call(f)) continue;
    // The length word (the third) must count exactly the words after it: read it before the others.
    const std::uint64_t n = (f.input_size - 4) / 32 - 3;
    U256 w0, w1, w2;
    if (!t.word(f, 2, w2) || w2 != U256(n) || !t.word(f, 0, w0) || !t.word(f, 1, w1)) continue;
    const U256* amount = w0 == U256(0x40) ? &w1 : w1 == U256(0x40) ? &w0 : nullptr;
    if (amount == nullptr || amount->is_zero() || amount->checked_mul(U256(n))) continue;
    BatchOverflow b{i, *amount, {}};
    bool addresses = true;
    for (std::uint64_t k = 0; k < n && addresses; ++k) {
      U256 w;
      addresses = t.word(f, 3 + k, w) && is_address_word(w) && !w.is_zero();
      if (addresses) b.recipients.push_back(word_address(w));
    }
    if (addresses) out.push_back(std::move(b));
  }
  return out;
}

/// Names, after each victim, the contracts whose code the victim ran by DELEGATECALL (a proxy's
/// implementation, a diamond's facets, a module of a modular protocol): the vulnerable code often lives
/// there, and covers are often written on it. They are named as victims; the losses stay the holder's.
void name_proxy_code(const Facts& x, Finding& f) {
  // The code each victim ran by DELEGATECALL, in frame order: read in one pass over the frames.
  AddressSet victims(f.victims.size());
  for (const auto& v : f.victims)
    if (!x.is_actor(v)) victims.insert(v);
  std::unordered_map<Address, std::vector<Address>, KeyedAddressHash> code;
  for (const Frame& fr : x.t.frames)
    if (fr.kind == CallKind::kDelegateCall && !fr.failed && victims.contains(fr.from) && !x.is_actor(fr.to))
      code[fr.from].push_back(fr.to);
  std::vector<Address> named;
  AddressSet in_named(f.victims.size());
  auto name = [&](const Address& a) {
    if (in_named.insert(a)) named.push_back(a);
  };
  for (const auto& v : f.victims) {
    name(v);
    if (const auto it = code.find(v); it != code.end() && !x.is_actor(v))
      for (const auto& c : it->second) name(c);
  }
  f.victims = std::move(named);
}

void add_losses(Finding& f, const std::vector<Victim>& victims) {
  for (const auto& v : victims) {
    f.victims.push_back(v.holder);
    for (const auto& l : v.losses) f.loss.push_back(l);
  }
}

/// Appends to `list`, in order, those of `more` it does not hold yet: a set lookup each, not a scan of the
/// list (a transaction can name thousands).
void append_missing(std::vector<Address>& list, const std::vector<Address>& more) {
  AddressSet held(list.size() + more.size());
  for (const auto& a : list) held.insert(a);
  for (const auto& a : more)
    if (held.insert(a)) list.push_back(a);
}

std::vector<Address> attackers_of(const Facts& x, const std::vector<Loss>& gains) {
  std::vector<Address> a;
  AddressSet in_a;
  auto add = [&](const Address& b) {
    if (in_a.insert(b)) a.push_back(b);
  };
  add(x.sender);
  for (const auto& g : gains) add(g.victim);
  for (const auto& c : x.created) add(c);
  for (const auto& h : x.helpers) add(h);
  // Accounts that run no code and were paid by the sender's side, ending with a gain: where the
  // proceeds went.
  for (const auto& fl : x.flows.flows) {
    if (!x.is_actor(fl.from) || x.is_actor(fl.to) || x.contracts.contains(fl.to) || fl.to.is_zero()) continue;
    if (!in_a.contains(fl.to) && only_gains(x.flows, fl.to, fl.asset)) add(fl.to);
  }
  return a;
}

/// True when no rule can fire in `t`, told before any of their work: every flow is paid by the sender and
/// none is a mint, and no frame deploys a contract, calls a selector a rule looks for or is shaped as a
/// batch transfer. Every rule needs one of: a flow paid by an account other than the sender, hence off the
/// sender's side or its own contract (a flash loan repays the holder it was paid from, and the holder would
/// have to be the sender; a re-entered contract, a pulled owner, a round trip's pool and a one-sided loser
/// pay; a loss of value needs a loser other than the sender, or a mint to the sender's side); a deployed
/// contract (whose losses count as a loss of value); or a call the selector filter sees (balance and
/// reserve reads, callbacks, approvals, pool swaps, liquidations, governance) or a batch-shaped one. The
/// rules read logs only through the flows. Most transactions are of this shape (plain transfers of the
/// native coin or of a token, proxied or not, approvals aside), and the rules' fixed work would cost about
/// as much as their parse. The filter may hold selectors no rule looks for: such a frame only sends the
/// transaction through the rules.
bool only_the_sender_pays(const Trace& t, const FlowSummary& s) {
  const Address& sender = t.frames[0].from;
  for (const Flow& fl : s.flows)
    if (fl.from != sender || is_mint(fl)) return false;
  return std::none_of(t.frames.begin(), t.frames.end(), [&](const Frame& f) {
    return f.kind == CallKind::kCreate || f.kind == CallKind::kCreate2 || batch_shaped_call(f) ||
           kRuleSelectors.may_hold(t.selector(f));
  });
}

}  // namespace

std::string_view to_string(FindingKind k) {
  switch (k) {
    case FindingKind::kReentrancy: return "reentrancy";
    case FindingKind::kFlashLoan: return "flash_loan";
    case FindingKind::kPriceManipulation: return "price_manipulation";
    case FindingKind::kDrain: return "drain";
    case FindingKind::kDepeg: return "depeg";
    case FindingKind::kGovernance: return "governance";
    case FindingKind::kExtraction: return "extraction";
  }
  return "extraction";
}

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::kInfo: return "info";
    case Severity::kLow: return "low";
    case Severity::kMedium: return "medium";
    case Severity::kHigh: return "high";
    case Severity::kCritical: return "critical";
  }
  return "info";
}

Severity Analysis::max_severity() const {
  Severity s = Severity::kInfo;
  for (const auto& f : findings) s = std::max(s, f.severity);
  return s;
}

std::span<const std::uint32_t> known_selectors() {
  static const std::vector<std::uint32_t> all = [] {
    std::vector<std::uint32_t> v(std::begin(kFlowSelectors), std::end(kFlowSelectors));
    for (const auto list : {std::span<const std::uint32_t>(kLiquidationSelectors),
                            std::span<const std::uint32_t>(kGovernanceSelectors),
                            std::span<const std::uint32_t>(kCallbackSelectors),
                            std::span<const std::uint32_t>(kPoolSwapSelectors)})
      v.insert(v.end(), list.begin(), list.end());
    for (std::uint32_t sel : {kApprove, kIncreaseAllowance, kBalanceOf, kGetReserves, kTransferFrom, kPermit,
                              kDaiPermit, kIsValidSignature})
      v.push_back(sel);
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  }();
  return all;
}

std::string frame_path(const Trace& t, std::size_t i) {
  std::vector<std::size_t> idx;
  while (t.frames[i].parent >= 0) {
    const auto p = static_cast<std::size_t>(t.frames[i].parent);
    std::size_t k = 0;
    for (std::size_t c = p + 1; c < i; c = t.frames[c].end) ++k;
    idx.push_back(k);
    i = p;
  }
  std::string s = "0";
  for (auto it = idx.rbegin(); it != idx.rend(); ++it) {
    s += '.';
    s += std::to_string(*it);
  }
  return s;
}

Analysis analyze(const Trace& trace, const DetectConfig& cfg) {
  Analysis a;
  analyze_into(trace, cfg, a);
  return a;
}

void analyze_into(const Trace& trace, const DetectConfig& cfg, Analysis& a) {
  a.findings.clear();
  compute_flows_into(trace, cfg.tables, a.flows);
  if (trace.frames.empty() || trace.frames[0].reverted) return;  // a reverted transaction changes nothing
  if (only_the_sender_pays(trace, a.flows)) return;
  std::optional<Facts> facts(std::in_place, trace, cfg, a.flows);
  auto loans = find_flash_loans(*facts);
  auto tied = loan_repayers(*facts, loans);
  append_missing(tied, loan_borrowers(*facts, loans));
  append_missing(tied, standing_helpers(*facts));
  if (!tied.empty()) {
    facts->tie(tied);
    // More actors only take loans away: a lender now on the sender's side lends to itself. (Whether a
    // frame is a loan depends on the actors only through its lender.)
    std::erase_if(loans, [&](const FlashLoan& l) { return facts->is_actor(l.lender); });
  }
  const Facts& x = *facts;
  // A lender repaid with its fee ends with a gain and so is never a victim; one that was not made whole
  // (a pool drained through its own flash loan) is.
  const auto issued_by = mints_to_actors(x);
  const auto victims = one_sided_losers(x, issued_by);
  const bool profit = has_profit(x);
  const auto pulls = find_approval_pulls(x);
  const auto batches = find_batch_overflows(x);
  const auto granted = find_granted_approvals(x);
  // Whether some contract can end with a loss of value (the only way the profit rule below fires).
  bool may_lose_value = false;
  for (const auto& [key, n] : a.flows.net)
    if (n.loss() && ((!x.created.empty() && x.created.contains(key.first)) ||
                     (x.contracts.contains(key.first) && !x.is_actor(key.first)))) {
      may_lose_value = true;
      break;
    }
  for (const auto& fl : a.flows.flows)
    if (!may_lose_value && x.is_actor(fl.to) &&
        (fl.source == FlowSource::kMint ||
         (fl.source == FlowSource::kTransferLog && !fl.asset.native && fl.from == fl.asset.token)))
      may_lose_value = true;
  // Every rule below needs one of these signs; most transactions show none, and what the other rules
  // would compute (re-entries, balances, signals, values) is then never read. The price and round-trip
  // rules and the spoofed-callback rule fire only with a profit: looked at only when nothing else is
  // there. (A loss of value needs a contract's loss or a token issued to the sender's side.)
  const auto posed = find_posed_pools(x);
  bool may_find = !loans.empty() || !victims.empty() || !pulls.empty() || !batches.empty() ||
                  !granted.empty() || !posed.empty() || (profit && (may_lose_value || !issued_by.empty()));
  std::vector<PriceMove> moves;
  std::vector<RoundTrip> trips;
  std::optional<std::vector<SpoofedCallback>> spoofed;
  if (!may_find && profit) {
    moves = find_price_moves(x);
    trips = find_round_trips(x);
    spoofed = find_spoofed_callbacks(x);
    may_find = !moves.empty() || !trips.empty() || !spoofed->empty();
  }
  if (!may_find) return;
  if (!spoofed) {  // not looked at above
    moves = find_price_moves(x);
    trips = find_round_trips(x);
  }
  const auto gains = actor_gains(x);  // not empty exactly when there is a profit
  const auto reentries = find_reentries(x);
  const auto pre = observed_pre_balances(x, victims);
  const auto outsized = find_outsized_returns(x);

  std::vector<std::string> signals;
  for (const auto& l : loans)
    signals.push_back(fmt::format("flash loan of {} {} from {} to {}", l.amount.to_dec(), l.asset.to_string(),
                                  l.lender.to_checksum(), l.borrower.to_checksum()));
  for (const auto& r : reentries) signals.push_back("re-entered " + r.contract.to_checksum());
  for (const auto& m : moves)
    signals.push_back(fmt::format("price of {} moved {:.1f}%", m.pool.to_checksum(), 100 * m.max_move));
  for (const auto& r : trips)
    signals.push_back(fmt::format("round trip through {} returned {:.0f}% more than it paid",
                                  r.pool.to_checksum(), 100 * r.gain));
  for (const auto& o : outsized)
    signals.push_back(fmt::format("{} paid the sender's side {:.0f}x what it was paid in {}",
                                  o.holder.to_checksum(), o.ratio, o.asset.to_string()));
  for (std::size_t i : posed)
    signals.push_back(fmt::format("{} called a pool's swap on the sender's side's {}",
                                  trace.frames[i].from.to_checksum(), trace.frames[i].to.to_checksum()));
  if (x.liquidation) signals.push_back("liquidation call");
  if (!x.created.empty())
    signals.push_back(fmt::format("{} contract(s) deployed in the transaction", x.created.size()));

  // Drained victims: an observed balance mostly gone.
  std::vector<Victim> drained;
  // The drained balances the sender's side read.
  std::vector<std::pair<Address, const PreBalance*>> read_by_actor;
  for (const auto& v : victims) {
    Victim d{v.holder, {}};
    for (const auto& l : v.losses) {
      auto it = pre.find({v.holder, l.asset});
      if (it == pre.end() || it->second.amount.is_zero()) continue;
      const double share = to_double(l.amount) / to_double(it->second.amount);
      if (share >= cfg.drain_fraction || 1.0 - share <= cfg.drain_floor) {
        d.losses.push_back(l);
        if (!it->second.actor_reads.empty()) read_by_actor.emplace_back(v.holder, &it->second);
      }
    }
    if (!d.losses.empty()) drained.push_back(std::move(d));
  }
  // Whether the sender's side read a balance, passed it to its holder, then took it.
  bool measured_drain = false;
  if (!read_by_actor.empty()) {
    AddressSet holders(read_by_actor.size());
    for (const auto& [holder, balance] : read_by_actor) holders.insert(holder);
    const PassedWords passed(x, holders);
    for (const auto& [holder, balance] : read_by_actor)
      for (const auto& [frame, seen] : balance->actor_reads)
        measured_drain = measured_drain || passed.after(holder, frame, seen);
  }

  // Governance actions taken with borrowed voting power: inside a flash-loan callback.
  std::vector<std::size_t> gov_frames;
  for (std::size_t i = 0; x.governance && !loans.empty() && i < trace.frames.size(); ++i) {
    const Frame& f = trace.frames[i];
    if (f.failed || !in(trace.selector(f), kGovernanceSelectors)) continue;
    for (const auto& l : loans)
      if (trace.within(i, l.callback) && (l.borrower == f.from || x.is_actor(f.from)))
        gov_frames.push_back(i);
  }

  // The sender's side's profit in dollars, and the contracts that lost value to it. Valuing is the dearest
  // step and only matters when a finding is made: when no rule below can fire without it (none of their
  // signs is present) and no contract can end with a loss of value (the only way the profit rule fires),
  // the transaction has no finding whatever the values, so none are computed.
  const bool may_need_values = !gov_frames.empty() || !reentries.empty() || !moves.empty() ||
                               !trips.empty() || !pulls.empty() || !drained.empty() || !victims.empty() ||
                               !loans.empty() || may_lose_value;
  // No gain on the sender's side: nothing to value, unless a contract took the sender's for a pool (the
  // posed-pool rule asks what that contract lost in value).
  const Values values = (profit && may_need_values) || !posed.empty() ? unit_values(x) : Values{};
  double profit_usd = 0;
  bool profit_known = true;  // false when the sender's side gave up something we cannot value
  std::map<Address, double> value_change;
  std::map<Address, double> account_change;  // holders that run no code, off the sender's side
  std::map<Address, std::vector<Loss>> unseen_mints;
  for (const auto& [key, n] : a.flows.net) {
    // A contract deployed in this transaction started with nothing: tokens it gave away beyond what it
    // was seen to receive were minted to it unseen (no logs in the trace), at the token holders' expense.
    if (!x.created.empty() && x.created.contains(key.first) && n.loss() && !key.second.native &&
        !x.neutral(key.first, key.second)) {
      if (auto it = values.find(key.second); it != values.end()) {
        value_change[key.second.token] -= it->second * to_double(n.magnitude());
        unseen_mints[key.second.token].push_back(Loss{key.second.token, key.second, n.magnitude()});
      }
      continue;
    }
    if (x.is_actor(key.first) && n.loss() && !values.contains(key.second) && !key.first.is_zero())
      profit_known = false;
    if (x.neutral(key.first, key.second)) continue;
    const double usd = value_of(values, key.second, n);
    if (x.is_actor(key.first))
      profit_usd += usd;
    else if (x.contracts.contains(key.first))
      value_change[key.first] += usd;
    else if (!key.first.is_zero())
      account_change[key.first] += usd;
  }
  // An account that runs no code and ends down in value, where a contract off the sender's side moved its
  // tokens with transferFrom (spending the allowance the account gave it): the loss is that contract's,
  // which moved what it was entrusted with, and the account's losses are listed with it.
  std::map<Address, std::vector<Loss>> spent;
  if (std::any_of(account_change.begin(), account_change.end(), [](const auto& e) { return e.second < 0; })) {
    const auto spenders = allowance_spenders(x);
    for (const auto& [holder, usd] : account_change) {
      const auto it = usd < 0 ? spenders.find(holder) : spenders.end();
      if (it == spenders.end()) continue;
      value_change[it->second] += usd;
      for (auto& l : net_losses(x, holder)) spent[it->second].push_back(std::move(l));
    }
  }
  // Tokens minted to the sender's side at another contract's call dilute every holder: the value issued
  // is a loss, booked to the contract that had them minted.
  std::map<Address, std::vector<Loss>> minted;
  for (const auto& [minter, losses] : issued_by)
    for (const auto& l : losses)
      if (auto it = values.find(l.asset); it != values.end()) {
        value_change[minter] -= it->second * to_double(l.amount);
        minted[minter].push_back(l);
      }
  std::vector<Victim> value_losers;
  double lost_usd = 0;
  for (const auto& [holder, usd] : value_change) {
    if (usd >= 0) continue;
    lost_usd -= usd;
    Victim v{holder, minted[holder]};
    for (const auto& l : unseen_mints[holder]) v.losses.push_back(l);
    for (auto& l : net_losses(x, holder)) v.losses.push_back(std::move(l));
    for (const auto& l : spent[holder]) v.losses.push_back(l);
    value_losers.push_back(std::move(v));
  }
  if (!profit_known) profit_usd = 0;
  // (From half a dollar, as it is written: a sum of rounding errors in the last bits is no profit.)
  if (profit_usd >= 0.5) signals.push_back(fmt::format("sender's side profit ${:.0f}", profit_usd));

  std::optional<Finding> best;
  auto consider = [&](Finding f) {
    f.signals = signals;
    f.profit_usd = std::max(0.0, profit_usd);
    if (!best || f.severity > best->severity) best = std::move(f);
  };

  // A finding naming `vs` with their losses and the sender's side as its attackers, each of `frames` its
  // evidence with `note`.
  auto consider_at = [&](Finding f, const std::vector<Victim>& vs, const std::vector<std::size_t>& frames,
                         const char* note) {
    add_losses(f, vs);
    f.attackers = attackers_of(x, gains);
    for (std::size_t i : frames) f.evidence.push_back(evidence_of(x, i, note));
    consider(std::move(f));
  };

  if (!gov_frames.empty()) {
    Finding f{FindingKind::kGovernance, Severity::kCritical, 0.9};
    f.rule =
        "a governance action (propose, vote or execute) taken with voting power borrowed in the same "
        "transaction";
    consider_at(std::move(f), victims, gov_frames, "governance call inside a flash loan");
  }
  for (const auto& r : reentries) {
    // The victims are in address order.
    const auto v = std::lower_bound(victims.begin(), victims.end(), r.contract,
                                    [](const Victim& w, const Address& c) { return w.holder < c; });
    if (v == victims.end() || v->holder != r.contract) continue;
    Finding f{FindingKind::kReentrancy, profit ? Severity::kCritical : Severity::kHigh, profit ? 0.9 : 0.7};
    f.rule =
        "contract re-entered while its outer frame was open, paying out inside the re-entered call, and left "
        "with a net loss";
    add_losses(f, {*v});
    f.attackers = attackers_of(x, gains);
    f.evidence.push_back(evidence_of(x, r.outer, "outer frame of the victim, still open"));
    f.evidence.push_back(evidence_of(x, r.inner, "re-entry into the victim"));
    consider(std::move(f));
  }
  // Before the generic extraction rules: at the same severity, the finding that names the mechanism wins.
  if (profit && !x.liquidation)
    if (const auto deposits = find_loans_repaid_as_deposits(x, loans); !deposits.empty()) {
      Finding f{FindingKind::kReentrancy, Severity::kHigh, 0.8};
      f.rule =
          "a flash loan repaid by a deposit into the lender made inside the loan's callback: the lender took "
          "its own money back as the borrower's deposit";
      std::vector<Address> lenders;
      for (const auto& d : deposits) {
        lenders.push_back(d.loan->lender);
        // What the holder lost, where it ended the transaction down (the shares already redeemed); else
        // what the shares issued for its own money are worth: the deposits (one entry per holder and asset).
        const NetAmount n = x.flows.net_of(d.loan->holder, d.loan->asset);
        auto l = std::find_if(f.loss.begin(), f.loss.end(), [&](const Loss& e) {
          return e.victim == d.loan->holder && e.asset == d.loan->asset;
        });
        if (l == f.loss.end())
          f.loss.push_back(Loss{d.loan->holder, d.loan->asset, n.loss() ? n.magnitude() : d.deposited});
        else if (!n.loss())
          l->amount = l->amount.checked_add(d.deposited).value_or(U256::max());
        if (f.evidence.size() + 2 <= cfg.max_evidence) {
          f.evidence.push_back(evidence_of(x, d.loan->entry, "flash loan asked of the lender"));
          f.evidence.push_back(evidence_of(x, d.frame, "deposit into the lender inside the loan's callback"));
        }
      }
      append_missing(f.victims, lenders);
      f.attackers = attackers_of(x, gains);
      consider(std::move(f));
    }
  if (!moves.empty() && profit && !x.liquidation) {
    const auto m = std::max_element(moves.begin(), moves.end(), [](const PriceMove& p, const PriceMove& q) {
      return p.max_move < q.max_move;
    });
    // Victims: contracts that acted on the moved price and lost (even if they took something in return,
    // such as over-valued collateral), and contracts that lost without return.
    std::vector<Victim> hurt = victims;
    AddressSet in_hurt(hurt.size() + m->readers.size());  // each reader looked at once
    for (const auto& v : hurt) in_hurt.insert(v.holder);
    for (const auto& r : m->readers) {
      if (!in_hurt.insert(r)) continue;
      Victim v{r, net_losses(x, r)};
      if (!v.losses.empty()) hurt.push_back(std::move(v));
    }
    if (m->read_by_other && !hurt.empty()) {
      Finding f{FindingKind::kPriceManipulation, Severity::kHigh, m->moved_back ? 0.85 : 0.7};
      f.rule = fmt::format(
          "pool price moved {:.0f}% within the transaction and read by another contract while moved{}; the "
          "sender's "
          "side profited and the contracts that acted on the price lost",
          100 * m->max_move, m->moved_back ? ", then moved back" : "");
      add_losses(f, hurt);
      f.attackers = attackers_of(x, gains);
      f.evidence.push_back(evidence_of(x, m->first, "first price read"));
      f.evidence.push_back(evidence_of(x, m->peak, "price read at the peak of the move"));
      consider(std::move(f));
    }
  }
  if (!trips.empty() && profit && !x.liquidation) {
    const auto& r = *std::max_element(trips.begin(), trips.end(),
                                      [](const RoundTrip& p, const RoundTrip& q) { return p.gain < q.gain; });
    Finding f{FindingKind::kPriceManipulation, Severity::kHigh, 0.75};
    f.rule = fmt::format(
        "the sender's side sold into pool {} and bought back {:.0f}% more than it paid for no more than it "
        "got: the "
        "pool's state was changed between the two trades within the transaction",
        r.pool.to_checksum(), 100 * r.gain);
    std::vector<Victim> hurt = victims;
    if (std::none_of(hurt.begin(), hurt.end(), [&](const Victim& v) { return v.holder == r.pool; })) {
      Victim v{r.pool, net_losses(x, r.pool)};
      if (!v.losses.empty()) hurt.push_back(std::move(v));
    }
    add_losses(f, hurt);
    f.attackers = attackers_of(x, gains);
    f.evidence.push_back(evidence_of(x, r.first_frame, "first trade"));
    f.evidence.push_back(evidence_of(x, r.second_frame, "trade back at the moved price"));
    consider(std::move(f));
  }
  // A whole balance moved by a plain call is what an owner's sweep looks like too: a drain is incident-grade
  // only with another sign of attack (a flash loan, a re-entry, a price move or an attack contract).
  const bool corroborated = !loans.empty() || !reentries.empty() || !moves.empty() || !trips.empty() ||
                            !x.created.empty() || !outsized.empty();
  const bool pulled_to_named =
      std::any_of(pulls.begin(), pulls.end(), [](const Pull& p) { return p.to_named; });
  if (!pulls.empty() && (profit || pulled_to_named)) {
    Finding f{FindingKind::kExtraction, Severity::kHigh, 0.8};
    f.rule =
        "tokens pulled with transferFrom from accounts outside the sender's side, by a contract spending "
        "their approval on calldata the sender's side wrote or on an owner it named, into the sender's side "
        "(or a recipient it named, or a contract that passed them on to it), with nothing paid back";
    std::vector<Victim> vs;
    for (const auto& p : pulls) {
      vs.push_back(p.victim);
      if (f.evidence.size() < cfg.max_evidence)
        f.evidence.push_back(evidence_of(x, p.frame, "third-party transferFrom"));
    }
    add_losses(f, vs);
    // The contracts whose approvals were spent are named too (without a loss of their own): the loss came
    // through them, and a cover on such a router or vault is what its users hold.
    std::vector<Address> spenders, recipients;
    for (const auto& p : pulls) {
      if (const Address& spender = x.t.frames[p.frame].from; !x.is_actor(spender))
        spenders.push_back(spender);
      if (p.to_named || p.to_pass_through) recipients.push_back(p.recipient);
    }
    append_missing(f.victims, spenders);
    f.attackers = attackers_of(x, gains);
    append_missing(f.attackers, recipients);
    consider(std::move(f));
  }
  if (!drained.empty() && profit) {
    // An owner sweeps its contract with a call that takes whatever it holds; an attack contract reads the
    // victim's balance and writes it into the call that takes it.
    const bool grave = corroborated || measured_drain;
    Finding f{FindingKind::kDrain, grave ? Severity::kHigh : Severity::kMedium, grave ? 0.8 : 0.5};
    f.rule = fmt::format(
        "a contract lost at least {:.0f}% of an asset balance the transaction itself revealed, to the "
        "sender's side{}",
        100 * cfg.drain_fraction,
        measured_drain && !corroborated
            ? ", which had read that balance and written it into its call to the holder"
            : "");
    add_losses(f, drained);
    f.attackers = attackers_of(x, gains);
    consider(std::move(f));
  }
  if (profit && !victims.empty()) {
    const bool deployed = !x.created.empty();
    const bool funded_by_loan = !loans.empty() && !x.liquidation;
    Finding f{FindingKind::kExtraction, Severity::kMedium, 0.5};
    if (deployed || funded_by_loan) {
      f.kind = funded_by_loan ? FindingKind::kFlashLoan : FindingKind::kExtraction;
      f.severity = Severity::kHigh;
      f.confidence = deployed && funded_by_loan ? 0.85 : 0.75;
    }
    f.rule =
        deployed || funded_by_loan
            ? std::string("the sender's side profited while contracts lost assets and got nothing back, ") +
                  (funded_by_loan ? "funded by a flash loan"
                                  : "through a contract deployed in the same transaction")
            : "the sender's side profited while contracts lost assets and got nothing back";
    add_losses(f, victims);
    f.attackers = attackers_of(x, gains);
    consider(std::move(f));
  }
  // A large dollar profit taken from contracts: whatever the mechanism, someone's money moved to the sender.
  // Without another sign of attack a controller moving its own funds looks the same, so the bar is ten times
  // higher.
  const double profit_bar = corroborated ? cfg.profit_usd : cfg.profit_usd_alone;
  if (profit_known && profit_usd >= profit_bar && lost_usd >= 0.5 * profit_usd && !x.liquidation &&
      !value_losers.empty()) {
    const bool loan = !loans.empty();
    Finding f{loan ? FindingKind::kFlashLoan : FindingKind::kExtraction, Severity::kHigh, loan ? 0.8 : 0.7};
    f.rule = fmt::format(
        "the sender's side gained ${:.0f} (valued at stablecoin, native and in-transaction swap prices) "
        "while contracts lost ${:.0f}{}",
        profit_usd, lost_usd, loan ? ", with a flash loan" : "");
    add_losses(f, value_losers);
    f.attackers = attackers_of(x, gains);
    consider(std::move(f));
  }
  // A contract that took a contract of the sender's side for a pool (called its swap) and ended the
  // transaction down in value: the sender's side wrote the pool it trusted. Without a profit too: what
  // such a router pays out may be taken in a later transaction (paid to a pair the sender's side skims).
  if (!posed.empty()) {
    std::vector<Victim> hurt;
    std::vector<std::size_t> where;
    AddressSet asked;  // each caller once
    for (std::size_t i : posed) {
      const Address& c = trace.frames[i].from;
      if (!asked.insert(c)) continue;
      const auto change = value_change.find(c);
      if (change == value_change.end() || !(change->second < 0)) continue;
      Victim v{c, net_losses(x, c)};
      if (v.losses.empty()) continue;
      hurt.push_back(std::move(v));
      where.push_back(i);
    }
    if (!hurt.empty()) {
      Finding f{FindingKind::kExtraction, Severity::kHigh, 0.75};
      f.rule =
          "a contract took a contract of the sender's side for a pool (called its swap) and ended the "
          "transaction down in value";
      consider_at(std::move(f), hurt, where, "pool swap called on the sender's side's contract");
    }
  }
  for (const auto& b : batches) {
    Finding f{FindingKind::kExtraction, Severity::kCritical, 0.9};
    f.rule = fmt::format(
        "a batch transfer of {} to each of {} recipients succeeded although the total overflows 256 bits: "
        "the token credited tokens it never debited",
        b.amount.to_dec(), b.recipients.size());
    const Frame& bf = trace.frames[b.frame];
    f.victims.push_back(bf.to);
    for (std::size_t k = 0; k < b.recipients.size(); ++k)
      f.loss.push_back(Loss{bf.to, AssetRef{bf.to, false}, b.amount});
    f.attackers = attackers_of(x, gains);
    append_missing(f.attackers, b.recipients);
    f.evidence.push_back(evidence_of(x, b.frame, "batch transfer with an overflowing total"));
    consider(std::move(f));
    break;
  }
  if (profit) {
    if (!spoofed) spoofed = find_spoofed_callbacks(x);
    if (!spoofed->empty()) {
      Finding f{FindingKind::kExtraction, Severity::kHigh, 0.8};
      f.rule =
          "the sender's side called a contract's pool or lender callback without that contract having called "
          "it, and accounts lost assets inside the callback";
      for (const auto& c : *spoofed) {
        add_losses(f, c.victims);
        if (f.evidence.size() < cfg.max_evidence)
          f.evidence.push_back(evidence_of(x, c.frame, "callback the callee never asked for"));
      }
      f.attackers = attackers_of(x, gains);
      consider(std::move(f));
    }
  }
  if (!granted.empty()) {
    Finding f{FindingKind::kExtraction, Severity::kHigh, 0.7};
    f.rule = fmt::format(
        "{} contract(s) off the sender's side approved the sender's side to spend their tokens, inside "
        "calls the sender's side made into them",
        granted.size());
    for (const auto& g : granted) {
      f.victims.push_back(g.owner);
      if (f.evidence.size() < cfg.max_evidence)
        f.evidence.push_back(evidence_of(x, g.frame, "approval of " + g.spender.to_checksum()));
    }
    f.attackers = attackers_of(x, gains);
    consider(std::move(f));
  }
  for (const auto& l : loans) {
    Finding f{FindingKind::kFlashLoan, Severity::kInfo, 0.9};
    f.rule = "assets borrowed and repaid within the transaction";
    f.attackers = {l.borrower};
    f.evidence.push_back(evidence_of(x, l.entry, "loan asked of the lender"));
    f.evidence.push_back(evidence_of(x, l.callback, "lender calls the borrower back"));
    if (!best || best->severity < Severity::kLow) {
      f.signals = signals;
      best = std::move(f);
    }
    break;
  }
  if (best) {
    if (best->evidence.size() > cfg.max_evidence) best->evidence.resize(cfg.max_evidence);
    name_proxy_code(x, *best);
    a.findings.push_back(std::move(*best));
  }
}

std::optional<std::uint64_t> depeg_first_block(const Finding& f) {
  if (f.kind != FindingKind::kDepeg || f.evidence.empty()) return std::nullopt;
  const std::string& p = f.evidence.front().path;
  std::uint64_t n = 0;
  if (!p.starts_with("block ") ||
      std::from_chars(p.data() + 6, p.data() + p.size(), n).ptr != p.data() + p.size())
    return std::nullopt;
  return n;
}

std::optional<Finding> DepegWatch::observe(std::uint64_t block, std::uint64_t time, double price) {
  if (std::fabs(price - 1.0) <= band_) {
    out_since_.reset();
    reported_ = false;
    worst_ = 1.0;
    return std::nullopt;
  }
  if (!out_since_) out_since_ = {block, time};
  if (std::fabs(price - 1.0) > std::fabs(worst_ - 1.0)) worst_ = price;
  if (reported_ || time - out_since_->second < min_duration_) return std::nullopt;
  reported_ = true;
  Finding f{FindingKind::kDepeg, Severity::kHigh, 0.9};
  f.victims = {coin_};
  f.rule = fmt::format("price outside its {:.1f}% band since block {} for {} s (worst {:.4f})", 100 * band_,
                       out_since_->first, time - out_since_->second, worst_);
  f.evidence.push_back(
      Evidence{fmt::format("block {}", out_since_->first), coin_, coin_, 0, "first block out of band"});
  f.evidence.push_back(
      Evidence{fmt::format("block {}", block), coin_, coin_, 0, fmt::format("price {:.4f}", price)});
  return f;
}

std::optional<Finding> DrainWatch::observe(std::uint64_t block, const U256& balance,
                                           unsigned suspicious_txs) {
  // Forget what fell out of the window [block - window + 1, block].
  const std::uint64_t start = block >= window_ ? block - window_ + 1 : 0;
  std::erase_if(st_.peaks, [&](const auto& p) { return p.first < start; });
  std::erase_if(st_.suspicious, [&](const auto& p) { return p.first < start; });
  if (suspicious_txs > 0) st_.suspicious.emplace_back(block, suspicious_txs);
  // A sliding-window maximum: a balance below the new one can never be the highest again.
  while (!st_.peaks.empty() && !(balance < st_.peaks.back().second)) st_.peaks.pop_back();
  st_.peaks.emplace_back(block, balance);
  const auto& [peak_block, peak] = st_.peaks.front();
  if (peak.is_zero() || peak_block == block) return std::nullopt;
  const U256 lost = peak.checked_sub(balance).value_or(U256{});
  const double share = to_double(lost) / to_double(peak);
  if (share < fraction_ && 1.0 - share > floor_) return std::nullopt;
  unsigned txs = 0;
  for (const auto& [b, n] : st_.suspicious)
    if (b >= peak_block) txs += n;
  const bool repeated = txs >= 2;
  Finding f{FindingKind::kDrain, repeated ? Severity::kHigh : Severity::kMedium, repeated ? 0.8 : 0.5};
  f.victims = {holder_};
  f.loss.push_back(Loss{holder_, asset_, lost});
  f.rule = fmt::format(
      "a watched contract's balance of {} fell {:.0f}% between block {} and block {} (window {} blocks){}",
      asset_.to_string(), 100 * share, peak_block, block, window_,
      repeated ? fmt::format(", taken in {} transactions whose findings named it", txs) : "");
  f.evidence.push_back(Evidence{fmt::format("block {}", peak_block), holder_, holder_, 0,
                                "balance " + peak.to_dec() + " (the window's highest)"});
  f.evidence.push_back(
      Evidence{fmt::format("block {}", block), holder_, holder_, 0, "balance " + balance.to_dec()});
  // Watch afresh from here: the same fall is reported once.
  st_.peaks = {{block, balance}};
  st_.suspicious.clear();
  return f;
}

nlohmann::json to_json(const Finding& f) {
  nlohmann::json j{{"kind", to_string(f.kind)},
                   {"severity", to_string(f.severity)},
                   {"confidence", std::round(f.confidence * 100) / 100},
                   {"rule", f.rule}};
  if (f.profit_usd > 0) j["profit_usd"] = std::round(f.profit_usd);
  j["victims"] = nlohmann::json::array();
  for (const auto& v : f.victims) j["victims"].push_back(v.to_checksum());
  j["attackers"] = nlohmann::json::array();
  for (const auto& v : f.attackers) j["attackers"].push_back(v.to_checksum());
  j["loss"] = nlohmann::json::array();
  for (const auto& l : f.loss)
    j["loss"].push_back(
        {{"victim", l.victim.to_checksum()}, {"asset", l.asset.to_string()}, {"amount", l.amount.to_dec()}});
  j["evidence"] = nlohmann::json::array();
  for (const auto& e : f.evidence)
    j["evidence"].push_back({{"path", e.path},
                             {"from", e.from.to_checksum()},
                             {"to", e.to.to_checksum()},
                             {"selector", fmt::format("0x{:08x}", e.selector)},
                             {"note", e.note}});
  j["signals"] = f.signals;
  return j;
}

nlohmann::json flows_to_json(const FlowSummary& s, std::size_t max_flows) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [key, n] : s.net) {
    if (j.size() >= max_flows) break;
    if (!n.gain() && !n.loss()) continue;
    std::string change = n.magnitude().to_dec();
    if (n.loss()) change.insert(change.begin(), '-');
    j.push_back({{"holder", key.first.to_checksum()}, {"asset", key.second.to_string()}, {"change", change}});
  }
  return j;
}

}  // namespace bulwark::detect
