#include "bulwark/cover/claims_view.hpp"

#include <charconv>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

#include "bulwark/cover/claims_events.hpp"
#include "bulwark/cover/events.hpp"
#include "bulwark/cover/repo.hpp"
#include "bulwark/store/schema.hpp"

namespace bulwark::cover {

namespace sc = store::schema;

namespace {

/// Gaps up to this many entries are read entry by entry (see ViewTx::sync).
constexpr std::int64_t kFewEntries = 8;

std::string payout_key(std::string_view incident, std::string_view policy) {
  std::string k(incident);
  k += '/';
  k += policy;
  return k;
}

std::string payout_key(Id incident, Id policy) {
  return payout_key(std::to_string(incident), std::to_string(policy));
}

}  // namespace

void ClaimsView::clear() {
  incidents_.clear();
  lists_.clear();
  proofs_.clear();
  claims_.clear();
  payouts_.clear();
  policies_.clear();
  preloaded_.clear();
}

Status ClaimsView::follow(std::string_view kind, const std::string& payload) {
  if (!preloaded_.empty()) {
    BULWARK_TRY(policy, policy_written_by(kind, payload));
    if (policy) policies_.erase(*policy);
  }
  if (!is_claims_event(kind)) return {};  // only claims events write the incidents and claims tables
  if (kind == "assessor_registered" || kind == "assessor_rewards_withdrawn") return {};
  if (kind.starts_with("incident_") || kind == "vote_cast") {
    incidents_.clear();
    lists_.clear();
    proofs_.clear();
    return {};
  }
  if (kind != "claim_submitted" && kind != "claim_decided" && kind != "payout_made") {
    clear();  // a kind this view does not know how to follow
    return {};
  }
  if (claims_.empty() && (kind != "payout_made" || payouts_.empty())) return {};
  const auto p = nlohmann::json::parse(payload, nullptr, false);
  if (!p.is_object()) return fail(ErrorCode::kInvalidArgument, "journal payload of " + std::string(kind));
  if (kind == "payout_made" && !payouts_.empty()) {
    const auto it = p.find("payout");
    if (it == p.end()) return fail(ErrorCode::kInvalidArgument, "journal payload of payout_made");
    BULWARK_TRY(payout, payout_from_json(*it));
    if (auto ps = payouts_.find(payout.incident_id); ps != payouts_.end())
      ps->second->insert_or_assign(payout.policy_id, std::move(payout));
  }
  const auto it = p.find("claim");
  if (it == p.end()) return {};  // a parametric payout: no claim changed
  BULWARK_TRY(claim, claim_from_json(*it));
  if (auto c = claims_.find(claim.incident_id); c != claims_.end()) c->second->put(std::move(claim));
  return {};
}

ViewTx::ViewTx(store::Tx& inner, ClaimsView& view) : inner_(inner), view_(view), lock_(view.mu_) {}

Status ViewTx::sync() {
  synced_ = false;
  Repo repo(inner_);
  BULWARK_TRY(head, repo.journal_head());
  const std::int64_t head_seq = head ? head->seq : 0;
  const Hash32 head_hash = head ? head->hash : Hash32{};
  auto restart = [&] {
    view_.clear();
    view_.synced_ = true;
    view_.seq_ = head_seq;
    view_.hash_ = head_hash;
  };
  const auto& journal = sc::journal();
  // What the view's last transaction wrote, if it committed: its last entry is in the journal.
  if (auto w = std::exchange(view_.written_, std::nullopt); w && view_.synced_ && view_.seq_ == w->from_seq &&
                                                            view_.hash_ == w->from_hash &&
                                                            head_seq >= w->to_seq) {
    std::optional<Hash32> at;
    if (head_seq == w->to_seq) {
      at = head_hash;
    } else {
      BULWARK_TRY(row, inner_.get(journal, {std::to_string(w->to_seq)}));
      if (row) {
        BULWARK_TRY(e, journal_from_row(*row));
        at = e.hash;
      }
    }
    if (at == w->to_hash) {
      if (w->incidents) {
        view_.incidents_.clear();
        view_.lists_.clear();
        view_.proofs_.clear();
      }
      for (auto& c : w->claims)
        if (auto it = view_.claims_.find(c.incident_id); it != view_.claims_.end())
          it->second->put(std::move(c));
      for (auto& p : w->payouts)
        if (auto it = view_.payouts_.find(p.incident_id); it != view_.payouts_.end())
          it->second->insert_or_assign(p.policy_id, std::move(p));
      view_.seq_ = w->to_seq;
      view_.hash_ = w->to_hash;
    }
  }
  if (!view_.synced_ || head_seq < view_.seq_ || head_seq - view_.seq_ > ClaimsView::kMaxFollow) {
    restart();
  } else if (head_seq != view_.seq_ || head_hash != view_.hash_) {
    // A few entries (typically this object's own last transaction) are read one by one, which the
    // store's row cache answers; a longer run in one range query.
    std::vector<store::Row> rows;
    if (head_seq - view_.seq_ <= kFewEntries) {
      for (std::int64_t seq = view_.seq_ + 1; seq <= head_seq; ++seq) {
        BULWARK_TRY(row, inner_.get(journal, {std::to_string(seq)}));
        if (!row) break;
        rows.push_back(std::move(*row));
      }
    } else {
      BULWARK_TRY(range,
                  inner_.select(journal, store::Query{.at_least = {{journal.column("seq"), view_.seq_ + 1}},
                                                      .limit = std::size_t(head_seq - view_.seq_)}));
      rows = std::move(range);
    }
    for (const auto& row : rows) {
      BULWARK_TRY(e, journal_from_row(row));
      if (e.seq != view_.seq_ + 1 || e.prev_hash != view_.hash_) break;  // not the journal followed
      if (auto s = view_.follow(e.kind, e.payload); !s) break;
      view_.seq_ = e.seq;
      view_.hash_ = e.hash;
    }
    if (view_.seq_ != head_seq || view_.hash_ != head_hash) restart();
  }
  synced_ = true;
  synced_seq_ = view_.seq_;
  synced_hash_ = view_.hash_;
  return {};
}

void ViewTx::settle(std::vector<Claim> claims, std::vector<Payout> payouts) {
  // Policies it wrote are forgotten by following its entries instead.
  if (!synced_ || !last_entry_ || wrote_policies_) return;
  std::unordered_set<std::string> ids;
  for (const auto& c : claims) ids.insert(std::to_string(c.id));
  if (ids != written_claims_ || ids.size() != claims.size()) return;
  std::unordered_set<std::string> keys;
  for (const auto& p : payouts) keys.insert(payout_key(p.incident_id, p.policy_id));
  if (keys != written_payouts_ || keys.size() != payouts.size()) return;
  auto hash = Hash32::parse((*last_entry_)[sc::journal().column("hash")]);
  if (!hash) return;
  view_.written_ = ClaimsView::Written{synced_seq_,       synced_hash_,       last_seq_,       *hash,
                                       std::move(claims), std::move(payouts), wrote_incidents_};
}

ClaimsView* ViewTx::view_for_claim(Id id) {
  if (!synced_) return nullptr;
  return written_claims_.contains(std::to_string(id)) ? nullptr : &view_;
}

ClaimsView* ViewTx::view_for_payout(Id incident, Id policy) {
  if (!synced_) return nullptr;
  return written_payouts_.contains(payout_key(incident, policy)) ? nullptr : &view_;
}

ClaimsView* ViewTx::view_for(const store::TableDef& table) {
  if (!synced_) return nullptr;
  if (&table == &sc::incidents()) return wrote_incidents_ ? nullptr : &view_;
  if (&table == &sc::policies()) return wrote_policies_ ? nullptr : &view_;
  if (&table == &sc::claims()) return wrote_claims_ ? nullptr : &view_;
  if (&table == &sc::payouts()) return wrote_payouts_ ? nullptr : &view_;
  return nullptr;
}

Result<std::optional<store::Row>> ViewTx::get(const store::TableDef& table, const store::Row& key) {
  return inner_.get(table, key);
}

Status ViewTx::put(const store::TableDef& table, const store::Row& row) {
  return write(table, row, false);
}

Status ViewTx::insert(const store::TableDef& table, const store::Row& row) {
  return write(table, row, true);
}

Status ViewTx::write(const store::TableDef& table, const store::Row& row, bool must_be_new) {
  if (&table == &sc::incidents()) wrote_incidents_ = true;
  if (&table == &sc::policies()) wrote_policies_ = true;
  if (&table == &sc::claims()) {
    wrote_claims_ = true;
    if (!row.empty()) written_claims_.insert(row[0]);
  }
  if (&table == &sc::payouts()) {
    wrote_payouts_ = true;
    if (row.size() >= 2) written_payouts_.insert(payout_key(row[0], row[1]));
  }
  BULWARK_CHECK(must_be_new ? inner_.insert(table, row) : inner_.put(table, row));
  if (&table == &sc::journal() && !row.empty()) {
    std::int64_t seq = 0;
    const std::string& s = row[0];
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), seq);
    if (ec != std::errc() || p != s.data() + s.size()) {
      last_entry_.reset();  // not an entry this view understands: let the store answer
      last_seq_ = std::numeric_limits<std::int64_t>::max();
    } else if (seq > last_seq_) {
      last_entry_ = row;
      last_seq_ = seq;
    }
  }
  return {};
}

Result<std::vector<store::Row>> ViewTx::select(const store::TableDef& table, const store::Query& query) {
  // The row with the largest key (Repo::journal_head, Repo::next_id).
  const bool last_row = query.equal.empty() && !query.at_most && !query.at_least && query.limit == 1 &&
                        query.descending && !query.order_by;
  if (&table == &sc::journal() && last_row && last_entry_) return std::vector<store::Row>{*last_entry_};
  BULWARK_TRY(rows, inner_.select(table, query));
  if (&table == &sc::claims() && last_row) {
    Id largest = 0;
    if (!rows.empty()) {
      const std::string& s = rows[0].at(0);
      if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), largest);
          ec != std::errc() || p != s.data() + s.size())
        return rows;
    }
    largest_claim_ = largest;
  }
  return rows;
}

bool ViewTx::claim_known_absent(Id id) const {
  return largest_claim_ && id > *largest_claim_ && !written_claims_.contains(std::to_string(id));
}

Result<std::int64_t> ViewTx::count(const store::TableDef& table) {
  return inner_.count(table);
}

Status ViewTx::prefetch(const std::vector<store::Read>& reads) {
  return inner_.prefetch(reads);
}

}  // namespace bulwark::cover
