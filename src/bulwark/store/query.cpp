#include "bulwark/store/query.hpp"

#include <charconv>

namespace bulwark::store {
namespace {

std::int64_t to_int(const std::string& s) {
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

/// -1, 0, 1 comparing one column's values as the database would (integers numerically).
int compare_column(const TableDef& t, std::size_t col, const Row& a, const Row& b) {
  if (a[col] == b[col]) return 0;
  if (t.columns[col].type == ColumnType::kInt) return to_int(a[col]) < to_int(b[col]) ? -1 : 1;
  return a[col] < b[col] ? -1 : 1;  // amounts are never ordered by
}

}  // namespace

bool matches(const TableDef& t, const Query& q, const Row& row) {
  (void)t;
  for (const auto& [col, v] : q.equal)
    if (row[col] != v) return false;
  if (q.at_most && to_int(row[q.at_most->first]) > q.at_most->second) return false;
  if (q.at_least && to_int(row[q.at_least->first]) < q.at_least->second) return false;
  return true;
}

bool comes_before(const TableDef& t, const Query& q, const Row& a, const Row& b) {
  int c = 0;
  if (q.order_by) c = compare_column(t, *q.order_by, a, b);
  for (std::size_t i = 0; c == 0 && i < t.key_columns; ++i) c = compare_column(t, i, a, b);
  return q.descending ? c > 0 : c < 0;
}

Row key_of(const TableDef& t, const Row& row) {
  return Row(row.begin(), row.begin() + std::ptrdiff_t(t.key_columns));
}

std::string describe_key(const TableDef& t, const Row& row) {
  std::string k;
  for (std::size_t i = 0; i < t.key_columns && i < row.size(); ++i) k += (i ? ", " : "") + row[i];
  return t.name + " row (" + k + ")";
}

Status Tx::insert(const TableDef& table, const Row& row) {
  BULWARK_TRY(existing, get(table, key_of(table, row)));
  if (existing) return fail(ErrorCode::kAlreadyExists, describe_key(table, row) + " already exists");
  return put(table, row);
}

}  // namespace bulwark::store
