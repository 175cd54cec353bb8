#pragma once
/// The ledger's tables, shared by every backend, and the versioned migrations that create them.

#include <string>
#include <vector>

#include "bulwark/store/store.hpp"

namespace bulwark::store::schema {

/// Deployment settings (premium split, ...): key -> value.
const TableDef& settings();
/// Assets known to the ledger: key ("1:native", "1:0x..."), chain_id, token, symbol, decimals.
const TableDef& assets();
/// Cover products.
const TableDef& products();
/// Capital pools.
const TableDef& pools();
/// Which pool backs which product, with what weight (0..100) and how much cover it has allocated.
const TableDef& backings();
/// Underwriters' pool shares.
const TableDef& holdings();
/// Policies (covers sold).
const TableDef& policies();
/// How each policy's cover and staker reward is split across pools.
const TableDef& allocations();
/// Money: every balance, in the asset's smallest unit.
const TableDef& accounts();
/// The hash-chained journal of every state change.
const TableDef& journal();
/// Per product: its risk factors (JSON; empty while unscored) and open live signals (JSON array).
const TableDef& product_risk();
/// Per product: the market price's moving part (Nexus Mutual v2): the price right after the last
/// purchase, in basis points a year, and when that was.
const TableDef& market_prices();
/// Monitor: the last block processed per chain (the follower's checkpoint).
const TableDef& chain_checkpoints();
/// Monitor: every block processed per chain, its hash and parent (to detect reorgs), "canonical" or
/// "orphaned", and the monitor (owner, lease epoch) that committed it.
const TableDef& chain_blocks();
/// Monitor: findings per (chain, transaction or watch, kind), "active" or "retracted" (with the reason).
const TableDef& findings();
/// Challenges of parametric incidents with their bonds (migration 7).
const TableDef& challenges();
/// On-chain settlement of payouts (migration 5): one row per payout sent as a transaction.
const TableDef& settlements();
/// Monitor (migration 6): which monitor process follows each chain, until when (Unix milliseconds), and
/// the lease's epoch, which goes up by one at every change of hands (the fencing token).
const TableDef& monitor_leases();
/// Monitor (migration 6): the monitor processes sharing the store, each with the time (Unix
/// milliseconds) its last heartbeat keeps it counted as alive until.
const TableDef& monitor_members();
/// The monitor's tables (not ledger state: `ledger verify` does not replay them; not journaled, so
/// never cached by a store: see TableDef::journaled).
const std::vector<const TableDef*>& monitor_tables();
/// Every ledger table above, in creation order.
const std::vector<const TableDef*>& all_tables();

/// One schema migration: a version number and the DDL statements that bring the schema from the
/// previous version to this one. Type names are written as {INT}, {TEXT}, {AMOUNT} and resolved
/// per backend (ColumnType).
struct Migration {
  int version;
  std::string description;
  std::vector<std::string> statements;
};

/// All migrations, oldest first. A released migration is never edited; new ones are appended.
const std::vector<Migration>& migrations();

/// The latest schema version this build knows.
int latest_version();

// ---- incidents, claims, assessment and payouts (migration 4) ----

/// Incidents: an exploit (or trigger) on one product, with what the chain proves and every decision.
const TableDef& incidents();
/// Which incident each evidence transaction belongs to, per product (a finding and a report about
/// the same transaction make one incident).
const TableDef& incident_txs();
/// Claims filed by policyholders.
const TableDef& claims();
/// Payouts made: at most one per (incident, policy).
const TableDef& payouts();
/// EIP-191 signatures already used (by digest): a replayed message is refused.
const TableDef& signatures();
/// Registered assessors and their stake.
const TableDef& assessors();
/// Assessment votes: one per (incident, assessor).
const TableDef& votes();

}  // namespace bulwark::store::schema
