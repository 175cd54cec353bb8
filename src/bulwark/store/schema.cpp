#include "bulwark/store/schema.hpp"

#include <cstdio>
#include <cstdlib>

namespace bulwark::store {

std::size_t TableDef::column(std::string_view name_) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name == name_) return i;
  std::fprintf(stderr, "internal error: table %s has no column %.*s\n", name.c_str(), int(name_.size()),
               name_.data());
  std::abort();
}

namespace schema {
namespace {

constexpr ColumnType I = ColumnType::kInt;
constexpr ColumnType T = ColumnType::kText;
constexpr ColumnType A = ColumnType::kAmount;

TableDef make(std::string name, std::vector<ColumnDef> cols, std::size_t keys, bool journaled = true) {
  return TableDef{std::move(name), std::move(cols), keys, journaled};
}

// The monitor's tables are written without journal entries, by several processes at once.
constexpr bool kUnjournaled = false;

}  // namespace

const TableDef& settings() {
  static const TableDef t = make("settings", {{"key", T}, {"value", T}}, 1);
  return t;
}
const TableDef& assets() {
  static const TableDef t =
      make("assets", {{"key", T}, {"chain_id", I}, {"token", T}, {"symbol", T}, {"decimals", I}}, 1);
  return t;
}
const TableDef& products() {
  static const TableDef t = make("products",
                                 {{"id", I},
                                  {"name", T},
                                  {"chain_id", I},
                                  {"contracts", T},
                                  {"cover_type", T},
                                  {"parametric", I},
                                  {"asset", T},
                                  {"min_period_days", I},
                                  {"max_period_days", I},
                                  {"grace_days", I},
                                  {"deductible", A},
                                  {"base_rate_bps", I},
                                  {"on_sale", I},
                                  {"created_at", I},
                                  {"payout", T},
                                  {"cooling_off", I},
                                  {"trigger_min_loss", A}},
                                 1);
  return t;
}
const TableDef& pools() {
  static const TableDef t = make("pools",
                                 {{"id", I},
                                  {"name", T},
                                  {"asset", T},
                                  {"capacity_ratio_bps", I},
                                  {"total_shares", A},
                                  {"created_at", I}},
                                 1);
  return t;
}
const TableDef& backings() {
  static const TableDef t =
      make("backings", {{"pool_id", I}, {"product_id", I}, {"weight", I}, {"allocated", A}}, 2);
  return t;
}
const TableDef& holdings() {
  static const TableDef t = make("holdings", {{"pool_id", I}, {"owner", T}, {"shares", A}}, 2);
  return t;
}
const TableDef& policies() {
  static const TableDef t = make("policies",
                                 {{"id", I},
                                  {"holder", T},
                                  {"product_id", I},
                                  {"asset", T},
                                  {"amount", A},
                                  {"premium", A},
                                  {"reward", A},
                                  {"fee", A},
                                  {"reserve", A},
                                  {"start_time", I},
                                  {"end_time", I},
                                  {"status", T},
                                  {"closed_at", I},
                                  {"refund", A},
                                  {"terms", T}},
                                 1);
  return t;
}
const TableDef& allocations() {
  static const TableDef t =
      make("allocations",
           {{"policy_id", I}, {"pool_id", I}, {"cover", A}, {"reward", A}, {"earned", A}, {"active", I}}, 2);
  return t;
}
const TableDef& accounts() {
  static const TableDef t = make("accounts", {{"key", T}, {"asset", T}, {"balance", A}}, 1);
  return t;
}
const TableDef& journal() {
  static const TableDef t = make(
      "journal", {{"seq", I}, {"time", I}, {"kind", T}, {"payload", T}, {"prev_hash", T}, {"hash", T}}, 1);
  return t;
}

const TableDef& product_risk() {
  static const TableDef t =
      make("product_risk",
           {{"product_id", I}, {"factors", T}, {"signals", T}, {"next_signal", I}, {"updated_at", I}}, 1);
  return t;
}
const TableDef& market_prices() {
  static const TableDef t =
      make("market_prices", {{"product_id", I}, {"price_bps", I}, {"updated_at", I}}, 1);
  return t;
}

const TableDef& chain_checkpoints() {
  static const TableDef t = make(
      "chain_checkpoints", {{"chain_id", I}, {"number", I}, {"hash", T}, {"updated_at", I}}, 1, kUnjournaled);
  return t;
}
const TableDef& chain_blocks() {
  static const TableDef t = make("chain_blocks",
                                 {{"chain_id", I},
                                  {"number", I},
                                  {"hash", T},
                                  {"parent_hash", T},
                                  {"time", I},
                                  {"status", T},
                                  // migration 6
                                  {"owner", T},
                                  {"epoch", I},
                                  // migration 9
                                  {"watch", T}},
                                 2, kUnjournaled);
  return t;
}
const TableDef& findings() {
  static const TableDef t = make("findings",
                                 {{"chain_id", I},
                                  {"tx", T},
                                  {"kind", T},
                                  {"block", I},
                                  {"block_hash", T},
                                  {"severity", T},
                                  {"confidence", T},
                                  {"body", T},
                                  {"status", T},
                                  {"reason", T},
                                  {"recorded_at", I}},
                                 3, kUnjournaled);
  return t;
}
const TableDef& monitor_leases() {
  static const TableDef t = make(
      "monitor_leases", {{"chain_id", I}, {"owner", T}, {"epoch", I}, {"acquired_ms", I}, {"expires_ms", I}},
      1, kUnjournaled);
  return t;
}
const TableDef& monitor_members() {
  static const TableDef t =
      make("monitor_members", {{"owner", T}, {"started_ms", I}, {"expires_ms", I}}, 1, kUnjournaled);
  return t;
}
const std::vector<const TableDef*>& monitor_tables() {
  static const std::vector<const TableDef*> all{&chain_checkpoints(), &chain_blocks(), &findings(),
                                                &monitor_leases(), &monitor_members()};
  return all;
}

const std::vector<const TableDef*>& all_tables() {
  static const std::vector<const TableDef*> all{
      &settings(), &assets(), &products(), &pools(), &backings(), &holdings(), &policies(), &allocations(),
      &accounts(), &journal(), &product_risk(), &market_prices(),
      // migration 4
      &incidents(), &incident_txs(), &claims(), &payouts(), &signatures(), &assessors(), &votes(),
      // migration 5
      &settlements(),
      // migration 7
      &challenges()};
  return all;
}

const std::vector<Migration>& migrations() {
  // Released migrations are literal and never edited. A change to a TableDef above comes with a new
  // migration (ALTER TABLE ...) appended here; schema_test checks that the migrated schema of both
  // backends has exactly the columns the TableDefs name.
  static const std::vector<Migration> all{
      {1,
       "ledger: products, pools, policies, accounts, journal",
       {
           "CREATE TABLE settings (key {TEXT} NOT NULL, value {TEXT} NOT NULL, PRIMARY KEY (key))",
           "CREATE TABLE assets (key {TEXT} NOT NULL, chain_id {INT} NOT NULL, token {TEXT} NOT NULL, symbol "
           "{TEXT} NOT NULL, decimals {INT} NOT NULL, PRIMARY KEY (key))",
           "CREATE TABLE products (id {INT} NOT NULL, name {TEXT} NOT NULL, chain_id {INT} NOT NULL, "
           "contracts {TEXT} NOT NULL, cover_type {TEXT} NOT NULL, parametric {INT} NOT NULL, asset {TEXT} "
           "NOT NULL, min_period_days {INT} NOT NULL, max_period_days {INT} NOT NULL, grace_days {INT} NOT "
           "NULL, deductible {AMOUNT} NOT NULL, base_rate_bps {INT} NOT NULL, on_sale {INT} NOT NULL, "
           "created_at {INT} NOT NULL, PRIMARY KEY (id))",
           "CREATE TABLE pools (id {INT} NOT NULL, name {TEXT} NOT NULL, asset {TEXT} NOT NULL, "
           "capacity_ratio_bps {INT} NOT NULL, total_shares {AMOUNT} NOT NULL, created_at {INT} NOT NULL, "
           "PRIMARY KEY (id))",
           "CREATE TABLE backings (pool_id {INT} NOT NULL, product_id {INT} NOT NULL, weight {INT} NOT NULL, "
           "allocated {AMOUNT} NOT NULL, PRIMARY KEY (pool_id, product_id))",
           "CREATE INDEX backings_product_id_idx ON backings (product_id)",
           "CREATE TABLE holdings (pool_id {INT} NOT NULL, owner {TEXT} NOT NULL, shares {AMOUNT} NOT NULL, "
           "PRIMARY KEY (pool_id, owner))",
           "CREATE TABLE policies (id {INT} NOT NULL, holder {TEXT} NOT NULL, product_id {INT} NOT NULL, "
           "asset {TEXT} NOT NULL, amount {AMOUNT} NOT NULL, premium {AMOUNT} NOT NULL, reward {AMOUNT} NOT "
           "NULL, fee {AMOUNT} NOT NULL, reserve {AMOUNT} NOT NULL, start_time {INT} NOT NULL, end_time "
           "{INT} NOT NULL, status {TEXT} NOT NULL, closed_at {INT} NOT NULL, refund {AMOUNT} NOT NULL, "
           "terms {TEXT} NOT NULL, PRIMARY KEY (id))",
           "CREATE INDEX policies_holder_idx ON policies (holder)",
           "CREATE INDEX policies_product_id_idx ON policies (product_id)",
           "CREATE INDEX policies_status_end_time_idx ON policies (status, end_time)",
           "CREATE TABLE allocations (policy_id {INT} NOT NULL, pool_id {INT} NOT NULL, cover {AMOUNT} NOT "
           "NULL, reward {AMOUNT} NOT NULL, earned {AMOUNT} NOT NULL, active {INT} NOT NULL, PRIMARY KEY "
           "(policy_id, pool_id))",
           "CREATE INDEX allocations_pool_id_active_idx ON allocations (pool_id, active)",
           "CREATE TABLE accounts (key {TEXT} NOT NULL, asset {TEXT} NOT NULL, balance {AMOUNT} NOT NULL, "
           "PRIMARY KEY (key))",
           "CREATE TABLE journal (seq {INT} NOT NULL, time {INT} NOT NULL, kind {TEXT} NOT NULL, payload "
           "{TEXT} NOT NULL, prev_hash {TEXT} NOT NULL, hash {TEXT} NOT NULL, PRIMARY KEY (seq))",
       }},
      {2,
       "risk: product risk factors and open signals, market price state",
       {
           "CREATE TABLE product_risk (product_id {INT} NOT NULL, factors {TEXT} NOT NULL, signals {TEXT} "
           "NOT "
           "NULL, next_signal {INT} NOT NULL, updated_at {INT} NOT NULL, PRIMARY KEY (product_id))",
           "CREATE TABLE market_prices (product_id {INT} NOT NULL, price_bps {INT} NOT NULL, updated_at "
           "{INT} "
           "NOT NULL, PRIMARY KEY (product_id))",
       }},
      {3,
       "monitor: chain checkpoints, followed blocks, findings",
       {
           "CREATE TABLE chain_checkpoints (chain_id {INT} NOT NULL, number {INT} NOT NULL, hash {TEXT} NOT "
           "NULL, updated_at {INT} NOT NULL, PRIMARY KEY (chain_id))",
           "CREATE TABLE chain_blocks (chain_id {INT} NOT NULL, number {INT} NOT NULL, hash {TEXT} NOT NULL, "
           "parent_hash {TEXT} NOT NULL, time {INT} NOT NULL, status {TEXT} NOT NULL, PRIMARY KEY (chain_id, "
           "number))",
           "CREATE TABLE findings (chain_id {INT} NOT NULL, tx {TEXT} NOT NULL, kind {TEXT} NOT NULL, block "
           "{INT} NOT NULL, block_hash {TEXT} NOT NULL, severity {TEXT} NOT NULL, confidence {TEXT} NOT "
           "NULL, "
           "body {TEXT} NOT NULL, status {TEXT} NOT NULL, reason {TEXT} NOT NULL, recorded_at {INT} NOT "
           "NULL, "
           "PRIMARY KEY (chain_id, tx, kind))",
           "CREATE INDEX findings_by_block ON findings (chain_id, block)",
       }},
      {4,
       "claims: incidents, claims, payouts, signatures, assessors, votes",
       {
           "CREATE TABLE incidents (id {INT} NOT NULL, product_id {INT} NOT NULL, chain_id {INT} NOT NULL, "
           "status {TEXT} NOT NULL, source {TEXT} NOT NULL, kind {TEXT} NOT NULL, block {INT} NOT NULL, time "
           "{INT} NOT NULL, opened_at {INT} NOT NULL, verified_at {INT} NOT NULL, decided_at {INT} NOT NULL, "
           "challenge_ends {INT} NOT NULL, vote_ends {INT} NOT NULL, payable_from {INT} NOT NULL, "
           "accept_weight "
           "{AMOUNT} NOT NULL, deny_weight {AMOUNT} NOT NULL, reporters {TEXT} NOT NULL, description {TEXT} "
           "NOT "
           "NULL, txs {TEXT} NOT NULL, proof {TEXT} NOT NULL, reasons {TEXT} NOT NULL, haircut_num {AMOUNT} "
           "NOT "
           "NULL, haircut_den {AMOUNT} NOT NULL, PRIMARY KEY (id))",
           "CREATE INDEX incidents_product_id_idx ON incidents (product_id)",
           "CREATE INDEX incidents_status_idx ON incidents (status)",
           "CREATE TABLE incident_txs (chain_id {INT} NOT NULL, tx {TEXT} NOT NULL, product_id {INT} NOT "
           "NULL, "
           "incident_id {INT} NOT NULL, PRIMARY KEY (chain_id, tx, product_id))",
           "CREATE TABLE claims (id {INT} NOT NULL, policy_id {INT} NOT NULL, incident_id {INT} NOT NULL, "
           "holder {TEXT} NOT NULL, asset {TEXT} NOT NULL, claimed {AMOUNT} NOT NULL, proven {AMOUNT} NOT "
           "NULL, "
           "payable {AMOUNT} NOT NULL, paid {AMOUNT} NOT NULL, deposit {AMOUNT} NOT NULL, reward {AMOUNT} "
           "NOT "
           "NULL, status {TEXT} NOT NULL, addresses {TEXT} NOT NULL, txs {TEXT} NOT NULL, reasons {TEXT} NOT "
           "NULL, submitted_at {INT} NOT NULL, decided_at {INT} NOT NULL, PRIMARY KEY (id))",
           "CREATE INDEX claims_policy_id_idx ON claims (policy_id)",
           "CREATE INDEX claims_incident_id_idx ON claims (incident_id)",
           "CREATE INDEX claims_holder_idx ON claims (holder)",
           "CREATE TABLE payouts (incident_id {INT} NOT NULL, policy_id {INT} NOT NULL, claim_id {INT} NOT "
           "NULL, holder {TEXT} NOT NULL, asset {TEXT} NOT NULL, entitled {AMOUNT} NOT NULL, amount {AMOUNT} "
           "NOT NULL, ratio_num {AMOUNT} NOT NULL, ratio_den {AMOUNT} NOT NULL, burns {TEXT} NOT NULL, time "
           "{INT} NOT NULL, PRIMARY KEY (incident_id, policy_id))",
           "CREATE INDEX payouts_policy_id_idx ON payouts (policy_id)",
           "CREATE TABLE signatures (digest {TEXT} NOT NULL, signer {TEXT} NOT NULL, purpose {TEXT} NOT "
           "NULL, "
           "time {INT} NOT NULL, PRIMARY KEY (digest))",
           "CREATE TABLE assessors (address {TEXT} NOT NULL, stake {AMOUNT} NOT NULL, locked_until {INT} NOT "
           "NULL, slashed {AMOUNT} NOT NULL, registered_at {INT} NOT NULL, PRIMARY KEY (address))",
           "CREATE TABLE votes (incident_id {INT} NOT NULL, assessor {TEXT} NOT NULL, accept {INT} NOT NULL, "
           "weight {AMOUNT} NOT NULL, nonce {INT} NOT NULL, time {INT} NOT NULL, PRIMARY KEY (incident_id, "
           "assessor))",
       }},
      {5,
       "settlements: payouts paid on-chain; the payout basis of products",
       {
           "CREATE TABLE settlements (incident_id {INT} NOT NULL, policy_id {INT} NOT NULL, chain_id {INT} "
           "NOT "
           "NULL, asset {TEXT} NOT NULL, recipient {TEXT} NOT NULL, amount {AMOUNT} NOT NULL, treasury "
           "{TEXT} "
           "NOT NULL, nonce {INT} NOT NULL, status {TEXT} NOT NULL, attempts {TEXT} NOT NULL, raw {TEXT} NOT "
           "NULL, mined_tx {TEXT} NOT NULL, block {INT} NOT NULL, block_hash {TEXT} NOT NULL, fee_paid "
           "{AMOUNT} NOT NULL, reasons {TEXT} NOT NULL, created_at {INT} NOT NULL, updated_at {INT} NOT "
           "NULL, "
           "PRIMARY KEY (incident_id, policy_id))",
           "CREATE INDEX settlements_chain_status_idx ON settlements (chain_id, status)",
           "ALTER TABLE products ADD COLUMN payout {TEXT} NOT NULL DEFAULT ''",
       }},
      {6,
       "monitor: chain leases and monitor membership; which monitor and lease epoch committed each block",
       {
           "ALTER TABLE chain_blocks ADD COLUMN owner {TEXT} NOT NULL DEFAULT ''",
           "ALTER TABLE chain_blocks ADD COLUMN epoch {INT} NOT NULL DEFAULT 0",
           "CREATE TABLE monitor_leases (chain_id {INT} NOT NULL, owner {TEXT} NOT NULL, epoch {INT} NOT "
           "NULL, "
           "acquired_ms {INT} NOT NULL, expires_ms {INT} NOT NULL, PRIMARY KEY (chain_id))",
           "CREATE TABLE monitor_members (owner {TEXT} NOT NULL, started_ms {INT} NOT NULL, expires_ms {INT} "
           "NOT "
           "NULL, PRIMARY KEY (owner))",
           "CREATE INDEX monitor_members_by_expiry ON monitor_members (expires_ms)",
       }},
      {7,
       "challenges of parametric incidents, with their bonds",
       {
           "CREATE TABLE challenges (incident_id {INT} NOT NULL, challenger {TEXT} NOT NULL, asset {TEXT} "
           "NOT "
           "NULL, bond {AMOUNT} NOT NULL, reason {TEXT} NOT NULL, status {TEXT} NOT NULL, time {INT} NOT "
           "NULL, "
           "settled_at {INT} NOT NULL, PRIMARY KEY (incident_id))",
       }},
      {8,
       "claim terms of products frozen in each policy: cooling-off period and parametric loss trigger",
       {
           // -1: set before cooling-off was a product term (the deployment's setting applies).
           "ALTER TABLE products ADD COLUMN cooling_off {INT} NOT NULL DEFAULT -1",
           "ALTER TABLE products ADD COLUMN trigger_min_loss {AMOUNT} NOT NULL DEFAULT 0",
       }},
      {9,
       "monitor: the depeg watches' state with each committed block (restarts and reorgs resume it)",
       {
           "ALTER TABLE chain_blocks ADD COLUMN watch {TEXT} NOT NULL DEFAULT ''",
       }},
      {10,
       "allocations kept in key order (SQLite: WITHOUT ROWID), one b-tree fewer written per purchase",
       {
           "CREATE TABLE allocations_by_key (policy_id {INT} NOT NULL, pool_id {INT} NOT NULL, cover "
           "{AMOUNT} "
           "NOT NULL, reward {AMOUNT} NOT NULL, earned {AMOUNT} NOT NULL, active {INT} NOT NULL, PRIMARY KEY "
           "(policy_id, pool_id)){CLUSTERED}",
           "INSERT INTO allocations_by_key (policy_id, pool_id, cover, reward, earned, active) SELECT "
           "policy_id, pool_id, cover, reward, earned, active FROM allocations",
           "DROP TABLE allocations",
           "ALTER TABLE allocations_by_key RENAME TO allocations",
           "CREATE INDEX allocations_pool_id_active_idx ON allocations (pool_id, active)",
       }},
  };
  return all;
}

int latest_version() {
  return migrations().back().version;
}

// ---- migration 4: incidents, claims, assessment and payouts ----

const TableDef& incidents() {
  static const TableDef t =
      make("incidents", {{"id", I},        {"product_id", I},   {"chain_id", I},      {"status", T},
                         {"source", T},    {"kind", T},         {"block", I},         {"time", I},
                         {"opened_at", I}, {"verified_at", I},  {"decided_at", I},    {"challenge_ends", I},
                         {"vote_ends", I}, {"payable_from", I}, {"accept_weight", A}, {"deny_weight", A},
                         {"reporters", T}, {"description", T},  {"txs", T},           {"proof", T},
                         {"reasons", T},   {"haircut_num", A},  {"haircut_den", A}},
           1);
  return t;
}
const TableDef& incident_txs() {
  static const TableDef t =
      make("incident_txs", {{"chain_id", I}, {"tx", T}, {"product_id", I}, {"incident_id", I}}, 3);
  return t;
}
const TableDef& claims() {
  static const TableDef t = make("claims",
                                 {{"id", I},
                                  {"policy_id", I},
                                  {"incident_id", I},
                                  {"holder", T},
                                  {"asset", T},
                                  {"claimed", A},
                                  {"proven", A},
                                  {"payable", A},
                                  {"paid", A},
                                  {"deposit", A},
                                  {"reward", A},
                                  {"status", T},
                                  {"addresses", T},
                                  {"txs", T},
                                  {"reasons", T},
                                  {"submitted_at", I},
                                  {"decided_at", I}},
                                 1);
  return t;
}
const TableDef& payouts() {
  static const TableDef t = make("payouts",
                                 {{"incident_id", I},
                                  {"policy_id", I},
                                  {"claim_id", I},
                                  {"holder", T},
                                  {"asset", T},
                                  {"entitled", A},
                                  {"amount", A},
                                  {"ratio_num", A},
                                  {"ratio_den", A},
                                  {"burns", T},
                                  {"time", I}},
                                 2);
  return t;
}
const TableDef& signatures() {
  static const TableDef t =
      make("signatures", {{"digest", T}, {"signer", T}, {"purpose", T}, {"time", I}}, 1);
  return t;
}
const TableDef& assessors() {
  static const TableDef t =
      make("assessors",
           {{"address", T}, {"stake", A}, {"locked_until", I}, {"slashed", A}, {"registered_at", I}}, 1);
  return t;
}
const TableDef& votes() {
  static const TableDef t =
      make("votes",
           {{"incident_id", I}, {"assessor", T}, {"accept", I}, {"weight", A}, {"nonce", I}, {"time", I}}, 2);
  return t;
}

// ---- migration 7: challenges ----

const TableDef& challenges() {
  static const TableDef t = make("challenges",
                                 {{"incident_id", I},
                                  {"challenger", T},
                                  {"asset", T},
                                  {"bond", A},
                                  {"reason", T},
                                  {"status", T},
                                  {"time", I},
                                  {"settled_at", I}},
                                 1);
  return t;
}

// ---- migration 5: settlements ----

const TableDef& settlements() {
  static const TableDef t = make("settlements",
                                 {{"incident_id", I},
                                  {"policy_id", I},
                                  {"chain_id", I},
                                  {"asset", T},
                                  {"recipient", T},
                                  {"amount", A},
                                  {"treasury", T},
                                  {"nonce", I},
                                  {"status", T},
                                  {"attempts", T},
                                  {"raw", T},
                                  {"mined_tx", T},
                                  {"block", I},
                                  {"block_hash", T},
                                  {"fee_paid", A},
                                  {"reasons", T},
                                  {"created_at", I},
                                  {"updated_at", I}},
                                 2);
  return t;
}

}  // namespace schema
}  // namespace bulwark::store
