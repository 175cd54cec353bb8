#pragma once
/// What a Query means, evaluated in memory: which rows match and in what order they come. The
/// in-memory store answers queries with these, and the SQL stores' row cache keeps cached results
/// up to date with them, so both agree with the SQL text SqlStore generates.

#include <vector>

#include "bulwark/store/store.hpp"

namespace bulwark::store {

/// True when `row` satisfies the query's equality filters and bounds.
bool matches(const TableDef& t, const Query& q, const Row& row);

/// True when `a` comes before `b` in the query's order (order_by column if set, then primary key;
/// reversed when descending).
bool comes_before(const TableDef& t, const Query& q, const Row& a, const Row& b);

/// The primary key of a row (its first key_columns values).
Row key_of(const TableDef& t, const Row& row);

/// "<table> row (<key values>)", for messages.
std::string describe_key(const TableDef& t, const Row& row);

}  // namespace bulwark::store
