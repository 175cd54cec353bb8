// Approvals spent on the sender's side's behalf (approval pulls) and approvals granted to it.
// Declared in rules.hpp.

#include "bulwark/detect/rules.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bulwark::detect::rules {

namespace {

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

}  // namespace

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

}  // namespace bulwark::detect::rules
