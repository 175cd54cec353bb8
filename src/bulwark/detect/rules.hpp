#pragma once
/// The detectors' rules, one unit each (rules/*.cpp): what each finds in a transaction, from its `Facts`.
/// docs/detection.md gives each rule's conditions; the combiner (detect.cpp) turns what they find into
/// one finding per transaction. Internal to detect/.

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "bulwark/detect/facts.hpp"

namespace bulwark::detect::rules {

// ---- rules/loans.cpp: flash loans, who acts for the sender's side, loans repaid as deposits ----

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
std::vector<FlashLoan> find_flash_loans(const Facts& x);

/// Borrowers that act for the sender's side: a contract off it that the sender's side CALLed, and that
/// from within that call asked the lender for the loan itself (it called the lender, and the lender
/// called it back). A standing helper the attack contract calls to run the attack is one; a router or
/// a pool called by the sender's side takes no loan of its own.
std::vector<Address> loan_borrowers(const Facts& x, const std::vector<FlashLoan>& loans);

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
std::vector<Address> pass_throughs(const Facts& x);

/// Contracts that gather for the sender's side: pass-throughs (above) that take nothing from it, neither
/// paid by it nor moving its funds (a router or an aggregator is paid by its caller, or spends its
/// caller's approval, for what it passes on), and that never call into it (a lender calls its borrower
/// back, a pool its swapper).
std::vector<Address> standing_helpers(const Facts& x);

/// Contracts that repay, inside the callback, a flash loan the sender's side took, and end the transaction
/// with no gain in anything: they pass through what the loan bought, for the sender's side (a swap venue
/// that pays the lender is paid in another asset and keeps it).
std::vector<Address> loan_repayers(const Facts& x, const std::vector<FlashLoan>& loans);

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

std::vector<LoanDeposit> find_loans_repaid_as_deposits(const Facts& x, const std::vector<FlashLoan>& loans);

// ---- rules/reentry.cpp: re-entries: a contract called back into while an outer frame of it is open ----

struct Reentry {
  std::size_t outer;  // the open frame of the victim
  std::size_t inner;  // the frame that entered it again
  Address contract;
  U256 inner_outflow_count;
};

/// A contract C is re-entered when a CALL into C starts while an outer frame running in C's context
/// is still open and, between them, execution left C (a frame running in another account). It matters
/// when assets leave C inside the re-entered frame.
std::vector<Reentry> find_reentries(const Facts& x);

// ---- rules/balances.cpp: balances the trace reveals (drains), outsized returns ----

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
                                                                         const std::vector<Victim>& victims);

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
std::vector<OutsizedReturn> find_outsized_returns(const Facts& x);

// ---- rules/prices.cpp: posed pools, round trips, price moves ----

/// Calls from a contract off the sender's side into a pool's swap entry point on a contract of the
/// sender's side (its entry contract or one it deployed): the caller (a router, an aggregator, a vault)
/// took the sender's contract for a pool, as a router that trusts a pool address from its calldata does.
/// No pool is the sender's own; a pool a third-party factory deploys in the transaction is not counted.
std::vector<std::size_t> find_posed_pools(const Facts& x);

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

std::vector<RoundTrip> find_round_trips(const Facts& x);

/// Pools whose price (reserve1 / reserve0, from successful `getReserves` outputs) moved at least
/// `price_move` from the first read within the transaction: how far at most, whether a contract off the
/// sender's side read the moved price (and which), and whether the last read is back within the band.
std::vector<PriceMove> find_price_moves(const Facts& x);

// ---- rules/approvals.cpp: approvals spent for the sender's side, approvals granted to it ----

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

std::vector<Pull> find_approval_pulls(const Facts& x);

/// A contract off the sender's side that, inside a call the sender's side made into it, approves a
/// contract of the sender's side to spend its tokens without limit, and the allowance is not spent in
/// the transaction: the caller took the allowance of the contract's holdings (an unprotected approve or
/// an arbitrary call) to pull them later. Per approving contract, the first such approval; only owners
/// that pay the sender's side nothing in the transaction, and only when at least two contracts do it.
struct GrantedApproval {
  std::size_t frame = 0;
  Address owner, token, spender;
};

std::vector<GrantedApproval> find_granted_approvals(const Facts& x);

// ---- rules/valuation.cpp: dollars per smallest unit ----

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

/// For each holder whose tokens a contract off the sender's side moved with `transferFrom` (the token's
/// call made by that contract, not by the holder; under a DELEGATECALL, the call into the proxy), the
/// first such contract in frame order.
std::map<Address, Address> allowance_spenders(const Facts& x);

/// Dollar stablecoins are worth $1 a whole unit, the native coin and its wrapped token `native_usd`.
/// Any other token is valued through the transaction's own swaps: a holder off the sender's side whose
/// net change is one asset in and one out exchanged them at that rate. Values spread from the assets
/// already valued, one swap away at a time (the fewest swaps from a dollar wins); where several swaps
/// value an asset at the same distance, the largest in dollars (its valued side) sets the rate. So the
/// values depend on the trades alone, not on the order in which their holders' addresses sort.
Values unit_values(const Facts& x);

/// The dollar value of a set of net changes; assets without a value count as zero.
double value_of(const Values& v, const AssetRef& a, const NetAmount& n);

// ---- rules/markets.cpp: borrows backed in the same transaction ----

/// True when every victim (of `victims`) paid the sender's side, and made every such payment inside a call
/// the sender's side made into some contract M (a market's entry point: the nearest such call at or above the
/// payment), where, inside its calls into M, the sender's side paid holders of M other than the victims,
/// the flash lenders' holders and neutral accounts, in assets other than the tokens it issued
/// (`Facts::issued`: worth nothing outside the transaction), each counted as far as it kept it (its net gain
/// in value: a deposit withdrawn again backs nothing), at least `cover` times the dollar value of what the
/// victims paid under M (valued by `values`; an unvalued payment counts as nothing paid back). A borrow
/// against collateral deposited in the same transaction (a flash-loan-funded leverage, a collateral swap)
/// pays out of one holder of the market (the borrowed asset's reserve) what it took into another (the
/// collateral's): the flows show the market paid in one asset and paying in another, as a pool is.
bool borrows_backed(const Facts& x, const std::vector<Victim>& victims, const std::vector<FlashLoan>& loans,
                    const Values& values, double cover);

// ---- rules/callbacks.cpp: callbacks nobody asked for ----

/// A callback into contract C from the sender's side, where C has no open call into the caller: a pool
/// or lender calls back the contract that called it, so a callback nobody asked for is the caller
/// impersonating a pool, and C then acts on what the caller wrote (pays it, or pulls from those who
/// approved C). Victims: accounts off the sender's side that lose inside the callback and gain nothing.
struct SpoofedCallback {
  std::size_t frame = 0;
  std::vector<Victim> victims;  // the callee first (without losses where it lost nothing)
};

std::vector<SpoofedCallback> find_spoofed_callbacks(const Facts& x);

// ---- rules/batches.cpp: batch transfers whose total overflows 256 bits ----

/// A call with the ABI shape (address[] recipients, uint256 amount) or (uint256 amount, address[]
/// recipients) that succeeded although recipients x amount overflows 256 bits: a token that checks the
/// sender's balance against the overflowed total credits every recipient the full amount out of nothing
/// (the batchTransfer overflow). No honest caller passes such an amount.
struct BatchOverflow {
  std::size_t frame = 0;
  U256 amount;
  std::vector<Address> recipients;
};

std::vector<BatchOverflow> find_batch_overflows(const Facts& x);

}  // namespace bulwark::detect::rules
