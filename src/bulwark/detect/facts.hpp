#pragma once
/// What the detectors share about one transaction: `Facts` (the sender's side, the accounts that run
/// code, the calls the rules look for), the selectors the rules name, and the small helpers the rules
/// ask in their loops. Internal to detect/ (the rules, their combiner and their tests): not part of
/// its interface (detect.hpp).

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "bulwark/chain/trace.hpp"
#include "bulwark/detect/address_set.hpp"
#include "bulwark/detect/detect.hpp"
#include "bulwark/detect/flows.hpp"

namespace bulwark::detect::rules {

using chain::CallKind;
using chain::Frame;
using chain::Trace;

// Selectors of the calls the rules look for (4-byte keccak prefixes of the signatures named).
inline constexpr std::uint32_t kBalanceOf = 0x70a08231;    // balanceOf(address)
inline constexpr std::uint32_t kGetReserves = 0x0902f1ac;  // getReserves()
using selector::kTransferFrom;
/// A lending market's call on a borrower's position: `borrower_word` is the ABI word that names the
/// borrower, or -1 where the call names none (a repayment of the caller's own debt).
struct PositionCall {
  std::uint32_t selector;
  int borrower_word;
};

// Liquidations: a liquidator repays a borrower's debt and takes collateral at a discount, by design. One
// counts where the call did not fail, is not a static call, paid something of the sender's side's into an
// account off it, and names a borrower off the sender's side: a liquidation of the sender's side's own
// position (a self-liquidation at a discount the market should not give) is no liquidator's, and a call
// whose borrower cannot be read counts as none. (Compound v3's `absorb` pays the absorber nothing: no
// exception is needed for it.)
inline constexpr PositionCall kLiquidationSelectors[] = {
    {0x00a718a9, 2},  // liquidationCall(address,address,address,uint256,bool): Aave v2/v3 (user)
    {0xf5e3c462, 0},  // liquidateBorrow(address,uint256,address): Compound cToken (borrower)
    {0xaae40a2a, 0},  // liquidateBorrow(address,address): Compound cEther (borrower)
    {0x6f70e66f, 0},  // liquidate(address,address,address,uint256,uint256): Euler (violator)
    {0xc1342574, 0},  // liquidate(address,address,uint256,uint256): Euler v2 vaults (violator)
    // Morpho Blue's liquidate (borrower):
    {0xd8eabcb8, 5},  // liquidate((address,address,address,address,uint256),address,uint256,uint256,bytes)
};

// Debt repaid to a lending market. A borrower closing or shrinking its own position repays its debt and
// takes collateral out, often with a flash loan: the collateral's holder pays out with nothing back that
// the flows show (the debt and the deposit it cancels are the market's own accounting), as in a
// liquidation. A repayment counts under the same conditions as a liquidation, but for a borrower on the
// sender's side.
inline constexpr PositionCall kRepaySelectors[] = {
    {0x573ade81, 3},   // repay(address,uint256,uint256,address): Aave v2/v3 and forks (onBehalfOf)
    {0x2dad97d4, -1},  // repayWithATokens(address,uint256,uint256): Aave v3
    // Aave v3's repayWithPermit (onBehalfOf):
    {0xee3e210b, 3},   // repayWithPermit(address,uint256,uint256,address,uint256,uint8,bytes32,bytes32)
    {0x0e752702, -1},  // repayBorrow(uint256): Compound cToken
    {0x4e4d9fea, -1},  // repayBorrow(): Compound cEther
    {0x2608f818, 0},   // repayBorrowBehalf(address,uint256): Compound cToken (borrower)
    {0xe5974619, 0},   // repayBorrowBehalf(address): Compound cEther (borrower)
    // Morpho Blue's repay (onBehalf):
    {0x20b76e81, 7},   // repay((address,address,address,address,uint256),uint256,uint256,address,bytes)
    {0xacb70815, 1},   // repay(uint256,address): Euler v2 vaults (receiver)
    {0x0e704d50, -1},  // closeTrove(): Liquity
    {0x04491fa7, -1},  // repayLUSD(uint256,address,address): Liquity
    {0x4b666199, -1},  // wipe(address,address,uint256,uint256): Maker proxy actions
    {0x036a2395, -1},  // wipeAll(address,address,uint256): Maker proxy actions
    {0xbe5e6c03, -1},  // wipeAndFreeETH(address,address,address,uint256,uint256,uint256): Maker proxy actions
    {0x6d68b70b, -1},  // wipeAllAndFreeETH(address,address,address,uint256,uint256): Maker proxy actions
    {0xa6add011, -1},  // wipeAndFreeGem(address,address,address,uint256,uint256,uint256): Maker proxy actions
    {0xbcd6deec, -1},  // wipeAllAndFreeGem(address,address,address,uint256,uint256): Maker proxy actions
};

// Governance actions: proposing, voting and executing.
inline constexpr std::uint32_t kGovernanceSelectors[] = {
    0xda95691a,  // propose(address[],uint256[],string[],bytes[],string): GovernorAlpha/Bravo
    0x7d5e81e2,  // propose(address[],uint256[],bytes[],string): OpenZeppelin Governor
    0x15373e3d,  // castVote(uint256,bool): GovernorAlpha
    0x56781388,  // castVote(uint256,uint8): Bravo / OpenZeppelin
    0x7b3c71d3,  // castVoteWithReason(uint256,uint8,string)
    0xfe0d94c1,  // execute(uint256): GovernorAlpha/Bravo
    0x2656227d,  // execute(address[],uint256[],bytes[],bytes32): OpenZeppelin Governor
};

// Callbacks a pool or lender makes into the contract that called it: swap callbacks (Uniswap v3,
// PancakeSwap v3, Algebra), flash-swap callbacks (Uniswap v2, PancakeSwap), flash-loan callbacks
// (Uniswap v3 and PancakeSwap v3 flash, Balancer, Aave v2 and v3, ERC-3156, dYdX, DODO).
inline constexpr std::array<std::uint32_t, 13> kCallbackSelectors = {
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
inline constexpr std::uint32_t kPoolSwapSelectors[] = {
    0x128acb08,  // swap(address,bool,int256,uint160,bytes): Uniswap v3, PancakeSwap v3, Algebra
    0x022c0d9f,  // swap(uint256,uint256,address,bytes): Uniswap v2 pairs and their forks
};

inline constexpr std::uint32_t kApprove = 0x095ea7b3;            // approve(address,uint256)
inline constexpr std::uint32_t kIncreaseAllowance = 0x39509351;  // increaseAllowance(address,uint256)
inline constexpr std::uint32_t kPermit =
    0xd505accf;  // permit(address,address,uint256,uint256,uint8,bytes32,bytes32)
inline constexpr std::uint32_t kDaiPermit =
    0x8fcbaf0c;  // permit(address,address,uint256,uint256,bool,uint8,bytes32,bytes32)
inline constexpr std::uint32_t kIsValidSignature = 0x1626ba7e;  // isValidSignature(bytes32,bytes): ERC-1271

inline bool in(std::uint32_t sel, std::span<const std::uint32_t> set) {
  return std::find(set.begin(), set.end(), sel) != set.end();
}

/// A 256-bit filter of selectors by their low byte: a frame whose selector is not in it calls none of
/// them, which most frames show with one bit test instead of the list scans.
struct SelectorFilter {
  std::array<std::uint64_t, 4> bits{};
  constexpr void add(std::uint32_t sel) { bits[(sel >> 6) & 3] |= std::uint64_t{1} << (sel & 63); }
  constexpr bool may_hold(std::uint32_t sel) const { return (bits[(sel >> 6) & 3] >> (sel & 63)) & 1; }
};

inline constexpr SelectorFilter kRuleSelectors = [] {
  SelectorFilter f;
  for (const PositionCall& c : kLiquidationSelectors) f.add(c.selector);
  for (std::uint32_t sel : kGovernanceSelectors) f.add(sel);
  for (std::uint32_t sel : kCallbackSelectors) f.add(sel);
  for (std::uint32_t sel : kPoolSwapSelectors) f.add(sel);
  for (std::uint32_t sel : {kApprove, kIncreaseAllowance, kBalanceOf, kGetReserves}) f.add(sel);
  return f;
}();

/// The calls on a borrower's position (liquidations and repayments). The repayments are not in
/// `kRuleSelectors`, which decides which transactions the rules read at all: they only take a sign of
/// attack away, so a transaction in which no rule can find anything need not be read for them.
inline constexpr SelectorFilter kPositionFilter = [] {
  SelectorFilter f;
  for (const PositionCall& c : kLiquidationSelectors) f.add(c.selector);
  for (const PositionCall& c : kRepaySelectors) f.add(c.selector);
  return f;
}();

/// The account whose storage a frame runs in: the callee, except under DELEGATECALL/CALLCODE.
inline const Address& context_of(const Frame& f) {
  return f.kind == CallKind::kDelegateCall || f.kind == CallKind::kCallCode ? f.from : f.to;
}

/// True when a frame could be a batch transfer (the batch-overflow rule's shape): a CALL with a selector
/// and at least five whole ABI words.
inline bool batch_shaped_call(const Frame& f) {
  return f.kind == CallKind::kCall && f.input_size >= 4 + 32 * 5 && (f.input_size - 4) % 32 == 0;
}

inline double to_double(const U256& v) {
  double r = 0;
  const auto& l = v.limbs();
  for (std::size_t i = 4; i-- > 0;) r = r * 18446744073709551616.0 + static_cast<double>(l[i]);
  return r;
}

/// The first of `flows` (in frame order) moved at frame `frame` or after it: the flows of a subtree
/// [i, frames[i].end) are the adjacent run from first_flow_at(flows, i).
inline std::vector<Flow>::const_iterator first_flow_at(const std::vector<Flow>& flows, std::size_t frame) {
  return std::lower_bound(flows.begin(), flows.end(), frame,
                          [](const Flow& fl, std::size_t f) { return fl.frame < f; });
}

/// True when a flow is a mint: a `mint` call (traces without logs) or a `Transfer` from the zero address.
inline bool is_mint(const Flow& fl) {
  return fl.source == FlowSource::kMint ||
         (fl.source == FlowSource::kTransferLog && !fl.asset.native && fl.from == fl.asset.token);
}

/// The account that had a mint made: the caller of the token, above the frames running in the token's
/// context (a proxied token emits from its implementation's frame).
inline const Address& minter_of(const Trace& t, const Flow& fl) {
  std::size_t k = fl.frame;
  while (t.frames[k].parent >= 0 &&
         context_of(t.frames[static_cast<std::size_t>(t.frames[k].parent)]) == fl.asset.token)
    k = static_cast<std::size_t>(t.frames[k].parent);
  return t.frames[k].from;
}

/// True when `holder` ends the transaction with a gain in `asset` and a loss in nothing: a pure beneficiary.
inline bool only_gains(const FlowSummary& s, const Address& holder, const AssetRef& asset) {
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
  AddressSet wrapped;        // cfg.tables.wrapped_native, for the many lookups of neutral()
  bool liquidation = false;  // kLiquidationSelectors, of a borrower off the sender's side
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
      const std::uint32_t sel = t.selector(f);
      if (kPositionFilter.may_hold(sel)) {
        note(i, sel, kLiquidationSelectors, liquidated_);
        note(i, sel, kRepaySelectors, repays_);
      }
      if (kRuleSelectors.may_hold(sel)) {
        const bool call_below = i > 0 && f.kind == CallKind::kCall;
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

  /// True when the sender's side repays a debt of its own to a lending market (`kRepaySelectors`: called
  /// by an actor, for an actor, paying something: `pays`): it unwinds a position of its own, and a flash loan
  /// funding that is no sign of attack. Repaying someone else's debt is not: it may free collateral the
  /// caller then takes.
  bool repays_debt() const { return repays_debt_; }

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
    liquidation = std::ranges::any_of(liquidated_, [&](const PositionNote& n) {
      return pays(n.frame) && !n.borrower.is_zero() && !actors.contains(n.borrower);
    });
    repays_debt_ = std::ranges::any_of(
        repays_, [&](const PositionNote& n) { return pays(n.frame) && actors.contains(n.borrower); });
  }

  /// True when frame `i` is a position call the sender's side made that paid something: not a static
  /// call, its caller on the sender's side, and inside it an asset moved from the sender's side to an
  /// account off it.
  bool pays(std::size_t i) const {
    const Frame& f = t.frames[i];
    if (f.kind == CallKind::kStaticCall || !actors.contains(f.from)) return false;
    for (auto it = first_flow_at(flows.flows, i); it != flows.flows.end() && it->frame < f.end; ++it)
      if (!it->amount.is_zero() && actors.contains(it->from) && !actors.contains(it->to)) return true;
    return false;
  }

  AddressSet paid_;  // the accounts derive() counted among the actors
  struct PositionNote {
    std::size_t frame;
    Address borrower;  // named by the call; the caller where the call names none
  };
  // The calls of the two tables above, in frames that did not fail (derive() decides which count).
  std::vector<PositionNote> repays_;
  std::vector<PositionNote> liquidated_;
  bool repays_debt_ = false;

  void note(std::size_t i, std::uint32_t sel, std::span<const PositionCall> table,
            std::vector<PositionNote>& out) {
    const Frame& f = t.frames[i];
    for (const PositionCall& c : table) {
      if (c.selector != sel) continue;
      U256 w;
      if (c.borrower_word < 0)
        out.push_back({i, f.from});
      else if (t.word(f, static_cast<std::size_t>(c.borrower_word), w) && is_address_word(w))
        out.push_back({i, word_address(w)});
      return;
    }
  }

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
inline std::ranges::subrange<FlowSummary::Net::const_iterator> holder_net(const FlowSummary& s,
                                                                          const Address& h) {
  auto b = s.net.lower_bound({h, AssetRef{}});  // {zero, false} is the least AssetRef
  auto e = b;
  while (e != s.net.end() && e->first.first == h) ++e;
  return {b, e};
}

/// Tokens minted to the sender's side at the call of a contract off the sender's side (other than the token
/// itself): the account that called the token, for a `mint` call or a mint `Transfer` log. What it issued to
/// the attacker, per minter and asset (summed, saturating).
std::map<Address, std::vector<Loss>> mints_to_actors(const Facts& x);

/// What `holder` lost, when it gained nothing of value: its net losses (in address order of the assets),
/// or nothing when it ended with a gain in some asset other than a token the sender's side issued. Assets
/// whose change is no one's loss (`Facts::neutral`) are left out.
std::optional<std::vector<Loss>> one_sided_loss(const Facts& x, const Address& holder);

/// A holder's net losses, in address order of the assets, leaving out what is no one's loss
/// (`Facts::neutral`).
std::vector<Loss> net_losses(const Facts& x, const Address& holder);

/// Contracts that lost some asset and gained none, other than the actors, in address order. Tokens a
/// contract had minted to the sender's side count as its loss.
std::vector<Victim> one_sided_losers(const Facts& x, const std::map<Address, std::vector<Loss>>& issued_by);

/// True when a net change is an actor's gain.
inline bool is_actor_gain(const Facts& x, const FlowSummary::Net::value_type& e) {
  return e.second.gain() && x.is_actor(e.first.first);
}

/// True when the sender's side gained something: exactly when actor_gains is not empty.
bool has_profit(const Facts& x);

/// Actors that ended with a net gain, and what they gained.
std::vector<Loss> actor_gains(const Facts& x);

Evidence evidence_of(const Facts& x, std::size_t i, std::string note);

}  // namespace bulwark::detect::rules
