#include "bulwark/detect/flows.hpp"

#include "bulwark/detect/address_set.hpp"

#include <algorithm>

namespace bulwark::detect {
namespace {

using namespace selector;

/// A call's boolean return of false (an ERC-20 that reports failure instead of reverting).
bool returned_false(const chain::Trace& t, const chain::Frame& f) {
  if (!f.has_output || f.output_size != 32) return false;
  static constexpr std::string_view kZeroWord =
      "0000000000000000000000000000000000000000000000000000000000000000";
  return t.output_hex(f) == kZeroWord;  // one memcmp, not a loop a character at a time
}

U256 sat_add(const U256& a, const U256& b) {
  auto s = a.checked_add(b);
  return s ? *s : U256::max();
}

const Hash32 kDepositTopic =  // Deposit(address,uint256) of WETH9
    *Hash32::parse("0xe1fffcc4923d04b559f4d29a8bfc6cda04eb5b0d3c460751c2402c5c5cc9109c");
const Hash32 kWithdrawalTopic =  // Withdrawal(address,uint256) of WETH9
    *Hash32::parse("0x7fcf532c15f0a6db0bd6d0e038bea71d30d808c7d98cb3bf7268a95bf5081b65");

Address topic_address(const Hash32& h) {
  return Address::from_bytes(std::span<const std::uint8_t, 20>(h.bytes.data() + 12, 20));
}

}  // namespace

const Hash32 kTransferTopic =
    *Hash32::parse("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");

std::string AssetRef::to_string() const {
  return native ? "native" : token.to_lower_hex();
}

U256 NetAmount::magnitude() const {
  return in > out ? *in.checked_sub(out) : *out.checked_sub(in);
}

ChainTables ChainTables::defaults() {
  ChainTables t;
  for (const char* a : {"0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2",   // WETH (Ethereum)
                        "0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c"})  // WBNB (BNB Chain)
    t.wrapped_native.insert(*Address::parse(a));
  // Dollar stablecoins with their decimals (from each token's contract).
  const std::pair<const char*, unsigned> usd[] = {
      {"0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", 6},   // USDC (Ethereum)
      {"0xdac17f958d2ee523a2206206994597c13d831ec7", 6},   // USDT (Ethereum)
      {"0x6b175474e89094c44da98b954eedeac495271d0f", 18},  // DAI (Ethereum)
      {"0x4fabb145d64652a948d72533023f6e7a623c7c53", 18},  // BUSD (Ethereum)
      {"0x853d955acef822db058eb8505911ed77f175b99e", 18},  // FRAX (Ethereum)
      {"0x55d398326f99059ff775485246999027b3197955", 18},  // BSC-USD (BNB Chain)
      {"0xe9e7cea3dedca5984780bafc599bd69add087d56", 18},  // BUSD (BNB Chain)
      {"0x8ac76a51cc950d9822d68b83fe1ad97b32cd580d", 18},  // USDC (BNB Chain)
  };
  for (const auto& [a, d] : usd) {
    t.stablecoins.insert(*Address::parse(a));
    t.usd_tokens[*Address::parse(a)] = d;
  }
  return t;
}

NetChanges::const_iterator NetChanges::lower_bound(const key_type& key) const {
  return std::lower_bound(entries_.begin(), entries_.end(), key,
                          [](const value_type& e, const key_type& k) { return e.first < k; });
}

NetChanges::const_iterator NetChanges::find(const key_type& key) const {
  const auto it = lower_bound(key);
  return it != entries_.end() && it->first == key ? it : entries_.end();
}

void NetChanges::assign(std::span<const Flow> flows) {
  // Each flow's two sides (sender, receiver) are summed per key into one accumulator each, found by a
  // keyed hash of the key (the holders are the sender's choice), or by a scan while there are few; the
  // accumulators, one per key, are then sorted by a 24-byte handle that orders as the key does: the
  // holder's bytes, big-endian, then the asset's rank among the flows' assets (a transaction moves few
  // assets). A saturating sum of unsigned amounts does not depend on order. Scratch kept per thread:
  // most transactions are small, and allocations each would cost more than the work.
  thread_local std::vector<AssetRef> assets;
  assets.clear();
  for (const Flow& fl : flows)  // runs of one asset are common: each run listed once before the sort
    if (assets.empty() || assets.back() != fl.asset) assets.push_back(fl.asset);
  std::sort(assets.begin(), assets.end());
  assets.erase(std::unique(assets.begin(), assets.end()), assets.end());
  struct Acc {
    std::uint64_t k0, k1, k2;  // holder bytes 0-7, 8-15, then 16-19 above the asset's rank
    const Address* holder;
    const AssetRef* asset;
    NetAmount sum;
    bool operator<(const Acc& o) const { return k0 != o.k0 ? k0 < o.k0 : k1 != o.k1 ? k1 < o.k1 : k2 < o.k2; }
    bool has_key(std::uint64_t a, std::uint64_t b, std::uint64_t c) const {
      return k0 == a && k1 == b && k2 == c;
    }
  };
  thread_local std::vector<Acc> accs;
  thread_local std::vector<std::uint32_t> table;  // open addressing: an index into accs plus one; 0 empty
  accs.clear();
  constexpr std::size_t kScan = 8;  // up to this many sides, a scan of the accumulators
  const bool hashed = 2 * flows.size() > kScan;
  std::size_t mask = 0;
  if (hashed) {
    std::size_t capacity = 16;
    while (capacity < 4 * flows.size()) capacity *= 2;  // at most 2 per flow: half full at most
    table.assign(capacity, 0);
    mask = capacity - 1;
  }
  std::uint32_t rank = 0;
  for (std::size_t i = 0; i < flows.size(); ++i) {
    const Flow& fl = flows[i];
    if (i == 0 || fl.asset != flows[i - 1].asset)
      rank = static_cast<std::uint32_t>(std::lower_bound(assets.begin(), assets.end(), fl.asset) -
                                        assets.begin());
    for (const bool receives : {false, true}) {
      const Address& holder = receives ? fl.to : fl.from;
      const std::uint8_t* h = holder.bytes().data();
      const std::uint64_t k0 = bulwark::detail::load_be64(h), k1 = bulwark::detail::load_be64(h + 8);
      const std::uint32_t w2 = bulwark::detail::load_be32(h + 16);
      const std::uint64_t k2 = std::uint64_t{w2} << 32 | rank;
      Acc* acc = nullptr;
      if (!hashed) {
        for (Acc& a : accs)
          if (a.has_key(k0, k1, k2)) {
            acc = &a;
            break;
          }
      } else {
        std::size_t slot = (detail::keyed_mix({k0, k1, w2}) + rank * 0x9e3779b97f4a7c15ULL) & mask;
        for (; table[slot] != 0; slot = (slot + 1) & mask) {
          Acc& a = accs[table[slot] - 1];
          if (a.has_key(k0, k1, k2)) {
            acc = &a;
            break;
          }
        }
        if (acc == nullptr) table[slot] = static_cast<std::uint32_t>(accs.size() + 1);
      }
      if (acc == nullptr) acc = &accs.emplace_back(Acc{k0, k1, k2, &holder, &fl.asset, {}});
      if (receives)
        acc->sum.in = sat_add(acc->sum.in, fl.amount);
      else
        acc->sum.out = sat_add(acc->sum.out, fl.amount);
    }
  }
  std::sort(accs.begin(), accs.end());
  entries_.clear();
  entries_.reserve(accs.size());  // one allocation
  for (const Acc& a : accs) {
    value_type& e = entries_.emplace_back();  // in place: a temporary key stalls on store forwarding
    e.first.first = *a.holder;
    e.first.second = *a.asset;
    e.second = a.sum;
  }
  if (accs.capacity() > 1 << 14) {  // a very large transaction's scratch is not kept
    accs = {};
    table = {};
    assets = {};
  }
}

NetAmount FlowSummary::net_of(const Address& holder, const AssetRef& asset) const {
  auto it = net.find({holder, asset});
  return it == net.end() ? NetAmount{} : it->second;
}

FlowSummary compute_flows(const chain::Trace& t, const ChainTables& tables) {
  FlowSummary s;
  compute_flows_into(t, tables, s);
  return s;
}

void compute_flows_into(const chain::Trace& t, const ChainTables& tables, FlowSummary& s) {
  s.flows.clear();
  auto add = [&](std::uint32_t frame, AssetRef asset, const Address& from, const Address& to,
                 const U256& amount, FlowSource src) {
    if (amount.is_zero() || from == to) return;
    s.flows.push_back(Flow{frame, asset, from, to, amount, src});
  };
  const AssetRef native{Address{}, true};
  // At most a native and a token flow per frame, or a native flow per frame and one per log: one allocation.
  s.flows.reserve(2 * t.frames.size() + (t.has_logs ? t.logs.size() : 0));
  for (std::uint32_t i = 0; i < t.frames.size(); ++i) {
    const chain::Frame& f = t.frames[i];
    if (f.failed) continue;
    const bool moves_value = f.kind == chain::CallKind::kCall || f.kind == chain::CallKind::kCreate ||
                             f.kind == chain::CallKind::kCreate2 || f.kind == chain::CallKind::kSelfDestruct;
    if (moves_value && !f.value.is_zero()) add(i, native, f.from, f.to, f.value, FlowSource::kNative);
    if (t.has_logs) {
      for (std::uint32_t k = f.log_begin; k < f.log_begin + f.log_count; ++k) {
        const chain::TraceLog& log = t.logs[k];
        if (log.topics.empty()) continue;
        const AssetRef token{log.address, false};
        U256 amount;
        if (log.data_size != 32 || !t.data_word(log, 0, amount)) continue;
        if (log.topics[0] == kTransferTopic && log.topics.size() == 3) {
          Address from = topic_address(log.topics[1]), to = topic_address(log.topics[2]);
          if (from.is_zero()) from = log.address;  // mint
          if (to.is_zero()) to = log.address;      // burn
          add(i, token, from, to, amount, FlowSource::kTransferLog);
        } else if (tables.wrapped_native.contains(log.address) && log.topics.size() == 2) {
          if (log.topics[0] == kDepositTopic)
            add(i, token, log.address, topic_address(log.topics[1]), amount, FlowSource::kWrap);
          else if (log.topics[0] == kWithdrawalTopic)
            add(i, token, topic_address(log.topics[1]), log.address, amount, FlowSource::kUnwrap);
        }
      }
      continue;
    }
    if (f.kind != chain::CallKind::kCall) continue;
    const std::uint32_t sel = t.selector(f);
    const AssetRef token{f.to, false};
    U256 a, b, c;
    switch (sel) {
      case kTransfer:
        if (t.word(f, 0, a) && t.word(f, 1, b) && is_address_word(a) && !returned_false(t, f))
          add(i, token, f.from, word_address(a), b, FlowSource::kTokenCall);
        break;
      case kTransferFrom:
        if (t.word(f, 0, a) && t.word(f, 1, b) && t.word(f, 2, c) && is_address_word(a) &&
            is_address_word(b) && !returned_false(t, f))
          add(i, token, word_address(a), word_address(b), c, FlowSource::kTokenCall);
        break;
      case kDeposit:
        if (tables.wrapped_native.contains(f.to)) add(i, token, f.to, f.from, f.value, FlowSource::kWrap);
        break;
      case kWithdraw:
        if (tables.wrapped_native.contains(f.to) && t.word(f, 0, a))
          add(i, token, f.from, f.to, a, FlowSource::kUnwrap);
        break;
      case kMintTo:
        if (t.word(f, 0, a) && t.word(f, 1, b) && is_address_word(a) && f.input_size == 68)
          add(i, token, f.to, word_address(a), b, FlowSource::kMint);
        break;
      default: break;
    }
  }
  s.net.assign(s.flows);
}

}  // namespace bulwark::detect
