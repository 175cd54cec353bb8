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

TableDef make(std::string name, std::vector<ColumnDef> cols, std::size_t keys,
              std::vector<std::vector<std::string>> indexes = {}) {
  return TableDef{std::move(name), std::move(cols), keys, std::move(indexes)};
}

std::string type_token(ColumnType t) {
  switch (t) {
    case ColumnType::kInt: return "{INT}";
    case ColumnType::kAmount: return "{AMOUNT}";
    case ColumnType::kText: return "{TEXT}";
  }
  return "{TEXT}";
}

std::vector<std::string> create_statements(const TableDef& t) {
  std::string sql = "CREATE TABLE " + t.name + " (";
  for (const auto& c : t.columns) sql += c.name + " " + type_token(c.type) + " NOT NULL, ";
  sql += "PRIMARY KEY (";
  for (std::size_t i = 0; i < t.key_columns; ++i) sql += (i ? ", " : "") + t.columns[i].name;
  sql += "))";
  std::vector<std::string> out{sql};
  for (const auto& index : t.indexes) {
    std::string name = t.name;
    std::string cols;
    for (const auto& c : index) {
      name += "_" + c;
      cols += (cols.empty() ? "" : ", ") + c;
    }
    out.push_back("CREATE INDEX " + name + "_idx ON " + t.name + " (" + cols + ")");
  }
  return out;
}

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
                                  {"created_at", I}},
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
  static const TableDef t = make(
      "backings", {{"pool_id", I}, {"product_id", I}, {"weight", I}, {"allocated", A}}, 2, {{"product_id"}});
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
                                 1, {{"holder"}, {"product_id"}, {"status", "end_time"}});
  return t;
}
const TableDef& allocations() {
  static const TableDef t =
      make("allocations",
           {{"policy_id", I}, {"pool_id", I}, {"cover", A}, {"reward", A}, {"earned", A}, {"active", I}}, 2,
           {{"pool_id", "active"}});
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

const std::vector<const TableDef*>& all_tables() {
  static const std::vector<const TableDef*> all{&settings(), &assets(),   &products(), &pools(),
                                                &backings(), &holdings(), &policies(), &allocations(),
                                                &accounts(), &journal()};
  return all;
}

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = [] {
    // Version 1 is generated from the table definitions as they stood when it was released. From
    // the next version on, a change to a TableDef must come with a migration that makes it (ALTER
    // TABLE ...), and v1 must be frozen as literal DDL first.
    Migration v1{1, "ledger: products, pools, policies, accounts, journal", {}};
    for (const TableDef* t : all_tables())
      for (auto& s : create_statements(*t)) v1.statements.push_back(std::move(s));
    return std::vector<Migration>{std::move(v1)};
  }();
  return all;
}

int latest_version() {
  return migrations().back().version;
}

}  // namespace schema
}  // namespace bulwark::store
