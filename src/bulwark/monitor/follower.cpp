#include "bulwark/monitor/follower.hpp"

#include <algorithm>
#include <cmath>

#include "bulwark/store/schema.hpp"

namespace bulwark::monitor {
namespace {

namespace sc = store::schema;

std::string num(std::uint64_t v) {
  return std::to_string(v);
}

double to_double(std::span<const std::uint8_t> be) {
  double r = 0;
  for (std::uint8_t b : be) r = r * 256.0 + b;
  return r;
}

}  // namespace

// ---- the node as a block source ----

Result<std::uint64_t> NodeBlockSource::head() {
  return node_.block_number();
}

Result<BlockInfo> NodeBlockSource::block(std::uint64_t n) {
  BULWARK_TRY(h, node_.block_header(n));
  return BlockInfo{h.number, h.hash, h.parent_hash, h.timestamp};
}

Result<std::vector<TxTraceText>> NodeBlockSource::traces(const BlockInfo& b) {
  BULWARK_TRY(h, node_.block_header(b.number));
  if (h.hash != b.hash)
    return fail(ErrorCode::kConflict, "block " + num(b.number) + " changed while it was read");
  BULWARK_TRY(list, node_.trace_block_calls(b.number, true));
  if (list.size() != h.transactions.size())
    return fail(ErrorCode::kCorrupt, "the node traced " + num(list.size()) + " transactions of block " +
                                         num(b.number) + ", which has " + num(h.transactions.size()));
  std::vector<TxTraceText> out;
  for (std::size_t i = 0; i < list.size(); ++i)
    out.push_back(TxTraceText{list[i].tx_hash.value_or(h.transactions[i]), std::move(list[i].trace)});
  return out;
}

Result<std::optional<double>> NodeBlockSource::feed_price(const Address& feed, unsigned decimals,
                                                          std::uint64_t n) {
  static constexpr std::uint8_t kLatestRoundData[] = {0xfe, 0xaf, 0x96, 0x8c};  // latestRoundData()
  BULWARK_TRY(out, node_.eth_call(feed, kLatestRoundData, chain::BlockTag::number(n)));
  if (out.empty()) return std::optional<double>{};  // no code at the feed's address (yet)
  if (out.size() < 64)
    return fail(ErrorCode::kCorrupt, "feed " + feed.to_checksum() + " returned a short answer");
  const std::span<const std::uint8_t> answer(out.data() + 32, 32);
  const double v = to_double(answer);
  if ((answer[0] & 0x80) || v == 0) return std::optional<double>{};  // no positive answer: no price
  return std::optional<double>(v / std::pow(10.0, double(decimals)));
}

Result<U256> NodeBlockSource::balance(const Address& holder, const detect::AssetRef& asset, std::uint64_t n) {
  if (asset.native) return node_.get_balance(holder, chain::BlockTag::number(n));
  std::vector<std::uint8_t> call(4 + 32, 0);  // balanceOf(address): the selector, the holder as a word
  constexpr std::uint8_t kBalanceOf[] = {0x70, 0xa0, 0x82, 0x31};
  std::copy(std::begin(kBalanceOf), std::end(kBalanceOf), call.begin());
  std::copy(holder.bytes().begin(), holder.bytes().end(), call.begin() + 4 + 12);
  BULWARK_TRY(out, node_.eth_call(asset.token, call, chain::BlockTag::number(n)));
  if (out.empty()) return U256{};  // no code at the token's address (yet)
  if (out.size() < 32)
    return fail(ErrorCode::kCorrupt, "token " + asset.token.to_checksum() + " returned a short balance");
  return U256::from_be_bytes(std::span<const std::uint8_t>(out.data(), 32));
}

// ---- the watch file ----

Result<std::vector<FeedWatch>> parse_watch(const nlohmann::json& j) {
  std::vector<FeedWatch> out;
  if (!j.is_object() || !j.contains("stablecoins")) return out;
  if (!j["stablecoins"].is_array())
    return fail(ErrorCode::kInvalidArgument, "watch file: stablecoins is not an array");
  for (const auto& c : j["stablecoins"]) {
    if (!c.is_object() || !c.contains("address") || !c["address"].is_string())
      return fail(ErrorCode::kInvalidArgument, "watch file: a stablecoin without an address");
    auto coin = Address::parse(c["address"].get<std::string>());
    if (!coin) return std::unexpected(with_context(coin.error(), "watch file: stablecoin address"));
    const std::string symbol = c.value("symbol", coin->to_checksum());
    if (!c.contains("feeds")) continue;
    if (!c["feeds"].is_array())
      return fail(ErrorCode::kInvalidArgument, "watch file: " + symbol + " feeds is not an array");
    for (const auto& f : c["feeds"]) {
      if (!f.is_object() || !f.contains("address") || !f["address"].is_string())
        return fail(ErrorCode::kInvalidArgument, "watch file: a feed of " + symbol + " without an address");
      auto feed = Address::parse(f["address"].get<std::string>());
      if (!feed) return std::unexpected(with_context(feed.error(), "watch file: feed of " + symbol));
      const auto dec = f.value("decimals", 8);
      if (dec < 0 || dec > 36)
        return fail(ErrorCode::kInvalidArgument, "watch file: feed decimals out of range");
      out.push_back(FeedWatch{*coin, symbol, *feed, static_cast<unsigned>(dec)});
    }
  }
  return out;
}

Result<std::vector<BalanceWatch>> parse_balance_watch(const nlohmann::json& j) {
  std::vector<BalanceWatch> out;
  if (!j.is_object() || !j.contains("balances")) return out;
  if (!j["balances"].is_array())
    return fail(ErrorCode::kInvalidArgument, "watch file: balances is not an array");
  for (const auto& b : j["balances"]) {
    if (!b.is_object() || !b.contains("holder") || !b["holder"].is_string())
      return fail(ErrorCode::kInvalidArgument, "watch file: a balance without a holder");
    auto holder = Address::parse(b["holder"].get<std::string>());
    if (!holder) return std::unexpected(with_context(holder.error(), "watch file: balance holder"));
    if (!b.contains("assets") || !b["assets"].is_array())
      return fail(ErrorCode::kInvalidArgument,
                  "watch file: the balance of " + holder->to_checksum() + " has no assets array");
    std::optional<std::uint64_t> chain;
    if (b.contains("chain_id")) {
      if (!b["chain_id"].is_number_unsigned())
        return fail(ErrorCode::kInvalidArgument,
                    "watch file: the chain_id of " + holder->to_checksum() + " is not a positive number");
      chain = b["chain_id"].get<std::uint64_t>();
    }
    for (const auto& a : b["assets"]) {
      if (!a.is_string())
        return fail(ErrorCode::kInvalidArgument,
                    "watch file: an asset of " + holder->to_checksum() + " is not a string");
      const std::string name = a.get<std::string>();
      if (name == "native") {
        out.push_back(BalanceWatch{*holder, detect::AssetRef{Address{}, true}, chain});
        continue;
      }
      auto token = Address::parse(name);
      if (!token)
        return std::unexpected(with_context(token.error(), "watch file: asset of " + holder->to_checksum()));
      out.push_back(BalanceWatch{*holder, detect::AssetRef{*token, false}, chain});
    }
  }
  return out;
}

nlohmann::json Event::to_json(std::uint64_t chain_id) const {
  nlohmann::json j{{"chain_id", chain_id}, {"block", block}, {"tx", tx}};
  if (retracted) {
    j["retracted"] = true;
    j["kind"] = detect::to_string(finding.kind);
    j["reason"] = "the block was orphaned by a reorg";
  } else {
    j["findings"] = nlohmann::json::array({detect::to_json(finding)});
  }
  return j;
}

// ---- the follower ----

const std::size_t kWatchColumn = sc::chain_blocks().column("watch");

std::string Follower::owner() const {
  return leases_ ? leases_->options().owner : std::string();
}

Follower::Follower(BlockSource& source, store::Store& store, FollowerConfig config, Leases* leases)
    : source_(source), store_(store), cfg_(std::move(config)), leases_(leases) {
  reset_watches();
}

void Follower::reset_watches() {
  watches_.clear();
  for (const auto& f : cfg_.feeds) watches_.emplace_back(f.coin, cfg_.depeg_band, cfg_.depeg_duration);
  drains_.clear();
  for (const auto& b : cfg_.balances)
    drains_.emplace_back(b.holder, b.asset, cfg_.drain_window, cfg_.detect.drain_fraction,
                         cfg_.detect.drain_floor);
}

std::string Follower::watch_state() const {
  if (watches_.empty() && drains_.empty()) return "";
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : drains_) {
    nlohmann::json peaks = nlohmann::json::array(), suspicious = nlohmann::json::array();
    for (const auto& [block, bal] : d.state().peaks) peaks.push_back({block, bal.to_dec()});
    for (const auto& [block, n] : d.state().suspicious) suspicious.push_back({block, n});
    out.push_back({{"holder", d.holder().to_checksum()},
                   {"asset", d.asset().to_string()},
                   {"peaks", std::move(peaks)},
                   {"suspicious", std::move(suspicious)}});
  }
  for (const auto& w : watches_) {
    const auto st = w.state();
    nlohmann::json one{{"coin", w.coin().to_checksum()}, {"worst", st.worst}, {"reported", st.reported}};
    if (st.out_since) {
      one["out_since_block"] = st.out_since->first;
      one["out_since_time"] = st.out_since->second;
    }
    out.push_back(std::move(one));
  }
  return out.dump();
}

Status Follower::restore_watches(const std::string& state) {
  reset_watches();
  if (state.empty()) return {};
  const auto j = nlohmann::json::parse(state, nullptr, false);
  if (!j.is_array())
    return fail(ErrorCode::kCorrupt,
                "chain " + num(cfg_.chain_id) + ": stored depeg watch state is not an array");
  for (auto& w : watches_) {
    for (const auto& one : j) {
      if (!one.is_object() || !one.contains("coin") || one.at("coin") != w.coin().to_checksum()) continue;
      detect::DepegWatch::State st;
      try {
        st.worst = one.at("worst").get<double>();
        st.reported = one.at("reported").get<bool>();
        if (one.contains("out_since_block"))
          st.out_since = std::pair{one.at("out_since_block").get<std::uint64_t>(),
                                   one.at("out_since_time").get<std::uint64_t>()};
      } catch (const std::exception&) {
        return fail(ErrorCode::kCorrupt, "chain " + num(cfg_.chain_id) + ": stored depeg watch state of " +
                                             w.coin().to_checksum() + " is malformed");
      }
      w.restore(st);
    }
  }
  for (auto& d : drains_) {
    for (const auto& one : j) {
      if (!one.is_object() || !one.contains("holder") || one.at("holder") != d.holder().to_checksum() ||
          one.value("asset", "") != d.asset().to_string())
        continue;
      detect::DrainWatch::State st;
      try {
        for (const auto& p : one.at("peaks")) {
          auto bal = U256::from_dec(p.at(1).get<std::string>());
          if (!bal) throw std::invalid_argument("balance");
          st.peaks.emplace_back(p.at(0).get<std::uint64_t>(), *bal);
        }
        for (const auto& p : one.at("suspicious"))
          st.suspicious.emplace_back(p.at(0).get<std::uint64_t>(), p.at(1).get<unsigned>());
      } catch (const std::exception&) {
        return fail(ErrorCode::kCorrupt, "chain " + num(cfg_.chain_id) + ": stored drain watch state of " +
                                             d.holder().to_checksum() + " is malformed");
      }
      d.restore(std::move(st));
    }
  }
  return {};
}

Status Follower::check_checkpoint(store::Tx& tx) {
  // The checkpoint must still be the block this follower committed last: if another process moved
  // it, writing here would repeat or skip blocks.
  BULWARK_TRY(cp, tx.get(sc::chain_checkpoints(), {num(cfg_.chain_id)}));
  const bool same = last_ ? cp && (*cp)[1] == num(last_->number) && (*cp)[2] == last_->hash.to_hex() : !cp;
  if (same) return {};
  loaded_ = false;
  return fail(ErrorCode::kConflict, "chain " + num(cfg_.chain_id) + ": the checkpoint moved to " +
                                        (cp ? "block " + (*cp)[1] : std::string("nothing")) +
                                        " under this follower (another monitor wrote it)");
}

Status Follower::load() {
  std::optional<BlockInfo> last;
  std::string watch;
  BULWARK_CHECK(store_.transact(store::TxMode::kRead, [&](store::Tx& tx) -> Status {
    watch.clear();
    BULWARK_TRY(cp, tx.get(sc::chain_checkpoints(), {num(cfg_.chain_id)}));
    if (!cp) return {};
    BULWARK_TRY(n, U256::from_dec((*cp)[1]));
    BULWARK_TRY(hash, Hash32::parse((*cp)[2]));
    BlockInfo b{n.low_u64(), hash, {}, 0};
    BULWARK_TRY(row, tx.get(sc::chain_blocks(), {num(cfg_.chain_id), num(b.number)}));
    if (row) {
      BULWARK_TRY(parent, Hash32::parse((*row)[3]));
      b.parent = parent;
      if ((*row)[2] == b.hash.to_hex()) watch = (*row)[kWatchColumn];
    }
    last = b;
    return {};
  }));
  BULWARK_CHECK(restore_watches(watch));  // where the checkpoint's block left the excursions
  last_ = last;
  loaded_ = true;
  return {};
}

Status Follower::commit(const BlockInfo& b, const std::vector<Event>& events, const std::string& watch) {
  return store_.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Status {
    const std::string chain = num(cfg_.chain_id);
    if (leases_) BULWARK_CHECK(leases_->renew_in(tx, cfg_.chain_id));
    BULWARK_CHECK(check_checkpoint(tx));
    for (const auto& e : events) {
      const auto& f = e.finding;
      BULWARK_CHECK(
          tx.put(sc::findings(),
                 {chain, e.tx, std::string(detect::to_string(f.kind)), num(b.number), b.hash.to_hex(),
                  std::string(detect::to_string(f.severity)), std::to_string(f.confidence),
                  detect::to_json(f).dump(), "active", "", num(b.time)}));
    }
    BULWARK_CHECK(tx.put(sc::chain_blocks(), {chain, num(b.number), b.hash.to_hex(), b.parent.to_hex(),
                                              num(b.time), "canonical", owner(), num(epoch_), watch}));
    return tx.put(sc::chain_checkpoints(), {chain, num(b.number), b.hash.to_hex(), num(b.time)});
  });
}

Result<bool> Follower::unwind(const BlockInfo& incoming, const std::function<void(const Event&)>& emit) {
  // The last processed block is not the parent of the chain's block at its height + 1: it was orphaned.
  const BlockInfo orphan = *last_;
  std::vector<Event> retracted;
  std::optional<BlockInfo> previous;
  std::string watch;  // the depeg watches as the block below the orphan left them
  BULWARK_CHECK(store_.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Status {
    retracted.clear();
    previous.reset();
    watch.clear();
    const std::string chain = num(cfg_.chain_id);
    if (leases_) BULWARK_CHECK(leases_->renew_in(tx, cfg_.chain_id));
    BULWARK_CHECK(check_checkpoint(tx));
    store::Query q;
    q.equal = {{sc::findings().column("chain_id"), chain},
               {sc::findings().column("block"), num(orphan.number)}};
    BULWARK_TRY(rows, tx.select(sc::findings(), q));
    for (auto row : rows) {
      if (row[sc::findings().column("block_hash")] != orphan.hash.to_hex() ||
          row[sc::findings().column("status")] != "active")
        continue;
      row[sc::findings().column("status")] = "retracted";
      row[sc::findings().column("reason")] =
          "block " + num(orphan.number) + " (" + orphan.hash.to_hex() + ") was orphaned by a reorg";
      BULWARK_CHECK(tx.put(sc::findings(), row));
      Event e;
      e.block = orphan.number;
      e.tx = row[sc::findings().column("tx")];
      auto kind = row[sc::findings().column("kind")];
      for (auto k :
           {detect::FindingKind::kReentrancy, detect::FindingKind::kFlashLoan,
            detect::FindingKind::kPriceManipulation, detect::FindingKind::kDrain, detect::FindingKind::kDepeg,
            detect::FindingKind::kGovernance, detect::FindingKind::kExtraction})
        if (detect::to_string(k) == kind) e.finding.kind = k;
      e.retracted = true;
      retracted.push_back(std::move(e));
    }
    BULWARK_CHECK(
        tx.put(sc::chain_blocks(), {chain, num(orphan.number), orphan.hash.to_hex(), orphan.parent.to_hex(),
                                    "0", "orphaned", owner(), num(epoch_), ""}));
    if (orphan.number == 0) return fail(ErrorCode::kFailedPrecondition, "reorg below block 0");
    BULWARK_TRY(prev, tx.get(sc::chain_blocks(), {chain, num(orphan.number - 1)}));
    if (prev && (*prev)[5] == "canonical") {
      BULWARK_TRY(h, Hash32::parse((*prev)[2]));
      BULWARK_TRY(p, Hash32::parse((*prev)[3]));
      previous = BlockInfo{orphan.number - 1, h, p, 0};
      watch = (*prev)[kWatchColumn];
      return tx.put(sc::chain_checkpoints(), {chain, num(orphan.number - 1), h.to_hex(), (*prev)[4]});
    }
    // Nothing recorded below the orphan (the follower started there): restart at its height.
    return tx.put(sc::chain_checkpoints(), {chain, num(orphan.number - 1), incoming.parent.to_hex(), "0"});
  }));
  last_ = previous;
  if (!previous) last_ = BlockInfo{orphan.number - 1, incoming.parent, {}, 0};
  BULWARK_CHECK(restore_watches(watch));
  for (const auto& e : retracted) emit(e);
  return true;
}

Result<std::uint64_t> Follower::poll(const std::function<void(const Event&)>& emit) {
  if (leases_) {
    const auto lease = leases_->held(cfg_.chain_id);
    if (!lease) return 0;
    if (lease->epoch != epoch_) {
      // A new tenure: whatever this follower knew may have moved on under another monitor (load()
      // also puts the watches back to the checkpoint's block).
      epoch_ = lease->epoch;
      loaded_ = false;
      done_ = false;
    }
  }
  if (!loaded_) BULWARK_CHECK(load());
  BULWARK_TRY(head, source_.head());
  std::uint64_t processed = 0;
  std::uint64_t depth = 0;
  std::uint64_t next = last_ ? last_->number + 1 : cfg_.from.value_or(head);
  while (!done_) {
    if (cfg_.to && next > *cfg_.to) {
      done_ = true;
      break;
    }
    if (next + cfg_.confirmations > head) break;
    BULWARK_TRY(b, source_.block(next));
    if (last_ && last_->number + 1 == b.number && b.parent != last_->hash) {
      if (++depth > cfg_.reorg_depth)
        return fail(ErrorCode::kFailedPrecondition,
                    "a reorg deeper than " + num(cfg_.reorg_depth) + " blocks");
      BULWARK_CHECK(unwind(b, emit));
      next = last_->number + 1;
      continue;
    }
    std::vector<Event> events;
    BULWARK_TRY(traces, source_.traces(b));
    std::vector<unsigned> named(drains_.size());  // per drain watch: transactions naming its holder
    for (const auto& t : traces) {
      auto trace = chain::parse_call_trace(t.trace);
      if (!trace) return std::unexpected(with_context(trace.error(), "trace of " + t.tx.to_hex()));
      const auto a = detect::analyze(*trace, cfg_.detect);
      for (const auto& f : a.findings)
        if (f.severity >= detect::Severity::kLow) events.push_back(Event{b.number, t.tx.to_hex(), f, false});
      for (std::size_t i = 0; i < drains_.size(); ++i)
        named[i] += std::any_of(a.findings.begin(), a.findings.end(), [&](const detect::Finding& f) {
          return f.severity >= detect::Severity::kMedium &&
                 std::find(f.victims.begin(), f.victims.end(), drains_[i].holder()) != f.victims.end();
        });
    }
    for (std::size_t i = 0; i < cfg_.feeds.size(); ++i) {
      auto price = source_.feed_price(cfg_.feeds[i].feed, cfg_.feeds[i].decimals, b.number);
      if (!price) {
        loaded_ = false;  // earlier watches observed this block: back to the committed state
        return std::unexpected(price.error());
      }
      if (!*price) continue;
      if (auto f = watches_[i].observe(b.number, b.time, **price)) {
        f->signals.push_back(cfg_.feeds[i].symbol + " priced by feed " + cfg_.feeds[i].feed.to_checksum());
        events.push_back(
            Event{b.number, "depeg:" + cfg_.feeds[i].coin.to_lower_hex() + "@" + num(b.number), *f, false});
      }
    }
    for (std::size_t i = 0; i < drains_.size(); ++i) {
      auto bal = source_.balance(drains_[i].holder(), drains_[i].asset(), b.number);
      // A token whose balanceOf reverts at this block has no balance to watch there: skipped, not retried
      // (retrying would hold the follower at this block for good).
      if (!bal && bal.error().code == ErrorCode::kFailedPrecondition) continue;
      if (!bal) {
        loaded_ = false;  // the watches observed this block: back to the committed state
        return std::unexpected(bal.error());
      }
      if (auto f = drains_[i].observe(b.number, *bal, named[i]))
        events.push_back(Event{b.number,
                               "drain:" + drains_[i].holder().to_lower_hex() + ":" +
                                   drains_[i].asset().to_string() + "@" + num(b.number),
                               *f, false});
    }
    const std::string watch = watch_state();
    if (auto c = commit(b, events, watch); !c) {
      // Not committed: the watches go back to the last committed block's state on the next load.
      loaded_ = false;
      return std::unexpected(c.error());
    }
    last_ = b;
    ++processed;
    ++next;
    for (const auto& e : events) emit(e);
    if (leases_ && leases_->round_due()) break;  // let the monitor renew its other leases
  }
  return processed;
}

}  // namespace bulwark::monitor
