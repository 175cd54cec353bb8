#pragma once
/// Incidents, and the claims and payouts of incidents, parsed once and kept across the write
/// transactions of one Claims, Incidents or Payouts object (or of several that share the view, as
/// IncidentResponder's do), so that a command does not read and
/// parse them again each time: an incident's proof can name thousands of victims, checking one
/// claim needs the other claims of its incident, and paying one needs to know what the incident
/// has paid.
///
/// The view follows the journal. Every change to the incidents and claims tables is a journaled
/// event that carries the rows' new state (claims_events.hpp), so at the start of each transaction
/// the view reads the journal head and the entries appended since it last looked, by this process
/// or any other: a claim event puts the claim it carries into the incident's claims the view holds,
/// a payout into the incident's payouts, and an incident event drops the incidents it holds (they
/// are read again when next needed). Entries
/// it cannot follow (more than kMaxFollow, or a journal that does not continue the last entry it
/// saw) drop everything. It also keeps the policies of the products claimed on (read in one query
/// at the first claim on a product, so that claim checks read no policy), and forgets a policy
/// when an entry writes it (policy_written_by). The view only ever holds committed state: it is filled from
/// reads of a transaction that has not yet written the table read (ViewTx tracks that), and ClaimsRepo reads
/// the transaction itself once it has.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bulwark/core/address.hpp"
#include "bulwark/cover/claims_model.hpp"
#include "bulwark/store/store.hpp"

namespace bulwark::cover {

class ViewTx;

/// See the file comment. Thread-safe: a ViewTx holds the view's lock for its whole life.
class ClaimsView {
 public:
  /// Most journal entries followed at once; a longer gap drops everything.
  static constexpr std::int64_t kMaxFollow = 4'096;

  ClaimsView() = default;
  ClaimsView(const ClaimsView&) = delete;
  ClaimsView& operator=(const ClaimsView&) = delete;

 private:
  friend class ViewTx;
  friend class ClaimsRepo;

  /// Forgets everything.
  void clear();
  /// Applies one followed entry. Errors: kInvalidArgument for a payload it cannot read.
  Status follow(std::string_view kind, const std::string& payload);

  /// What a transaction through the view wrote (ViewTx::settle): once its last entry is seen in
  /// the journal, the view takes these claims as they are instead of reading the entries back.
  struct Written {
    std::int64_t from_seq = 0;  ///< Where the view stood when the transaction began.
    Hash32 from_hash;
    std::int64_t to_seq = 0;  ///< The transaction's last journal entry.
    Hash32 to_hash;
    std::vector<Claim> claims;    ///< Every claim row it wrote, as written.
    std::vector<Payout> payouts;  ///< Every payout row it wrote, as written.
    bool incidents = false;       ///< It wrote incident rows.
  };

  std::mutex mu_;
  std::optional<Written> written_;
  bool synced_ = false;  ///< seq_/hash_ name the last entry followed.
  std::int64_t seq_ = 0;
  Hash32 hash_;
  std::map<Id, std::shared_ptr<const Incident>> incidents_;
  /// Results of incidents(status) (key: the status; nullopt: all).
  std::map<std::optional<IncidentStatus>, std::vector<std::shared_ptr<const Incident>>> lists_;
  std::map<Id, std::shared_ptr<IncidentClaims>> claims_;    ///< By incident.
  std::map<Id, std::shared_ptr<const ProofIndex>> proofs_;  ///< Of the incidents in incidents_.
  /// Every payout of an incident, by policy; by incident.
  std::map<Id, std::shared_ptr<std::map<Id, Payout>>> payouts_;
  /// Policies read for claim checks (ClaimsRepo::claim_policy), by id: of the products in
  /// preloaded_, less those written since (policy_written_by).
  std::unordered_map<Id, Policy> policies_;
  std::set<Id> preloaded_;
};

/// A store transaction seen through a ClaimsView: forwards every operation to `inner`, and notes
/// which of the incidents, claims and payouts tables (and rows) it has written, so that ClaimsRepo
/// answers from the view only while what it is asked about is unwritten. Once it has appended to the journal
/// it answers the journal-head query (Repo::journal_head) itself with the last entry appended, which is what
/// the store would answer, so a command that journals thousands of events in one transaction does not have
/// the store search its writes for each. Not thread-safe (like any Tx); holds the view's lock until
/// destroyed.
class ViewTx final : public store::Tx {
 public:
  ViewTx(store::Tx& inner, ClaimsView& view);

  /// Brings the view up to the journal head `inner` sees. Call it first, before any write; until
  /// it succeeds the view answers nothing. Errors: those of the reads.
  Status sync();

  /// The view, when it may answer reads of `table` (incidents, policies, claims or payouts) in this
  /// transaction: synced and the table not written since. nullptr otherwise.
  ClaimsView* view_for(const store::TableDef& table);
  /// The view, when it may answer for the one claim with this id: synced and that claim's row not
  /// written since. nullptr otherwise.
  ClaimsView* view_for_claim(Id id);
  /// The view, when it may answer for the payout of (incident, policy): synced and that payout's
  /// row not written since. nullptr otherwise.
  ClaimsView* view_for_payout(Id incident, Id policy);

  /// True when no claim with this id can exist: an id above the largest this transaction has read
  /// (Repo::next_id's query), and not written since.
  bool claim_known_absent(Id id) const;

  /// Called at the end of a body that succeeds, with the new state of every claim and payout row
  /// it wrote: once the view sees this transaction's last journal entry committed, it takes them
  /// (and drops its incidents if incidents were written) without reading the entries back. Does
  /// nothing unless `claims` and `payouts` are exactly the claim and payout rows written.
  void settle(std::vector<Claim> claims, std::vector<Payout> payouts = {});

  Result<std::optional<store::Row>> get(const store::TableDef& table, const store::Row& key) override;
  Status put(const store::TableDef& table, const store::Row& row) override;
  Status insert(const store::TableDef& table, const store::Row& row) override;
  Result<std::vector<store::Row>> select(const store::TableDef& table, const store::Query& query) override;
  Result<std::int64_t> count(const store::TableDef& table) override;
  Status prefetch(const std::vector<store::Read>& reads) override;

 private:
  /// put() or insert(), noting what is written.
  Status write(const store::TableDef& table, const store::Row& row, bool must_be_new);

  store::Tx& inner_;
  ClaimsView& view_;
  std::unique_lock<std::mutex> lock_;
  bool synced_ = false;
  std::int64_t synced_seq_ = 0;  ///< Where sync() left the view.
  Hash32 synced_hash_;
  bool wrote_incidents_ = false;
  bool wrote_policies_ = false;
  bool wrote_claims_ = false;
  bool wrote_payouts_ = false;
  std::unordered_set<std::string> written_claims_;   ///< Ids of the claim rows written here.
  std::unordered_set<std::string> written_payouts_;  ///< Keys ("incident/policy") of the payout rows.
  std::optional<Id> largest_claim_;                  ///< The largest claim id read, if read.
  std::optional<store::Row> last_entry_;             ///< The journal entry with the highest seq written here.
  std::int64_t last_seq_ = 0;
};

}  // namespace bulwark::cover
