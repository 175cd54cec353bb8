#pragma once
/// Typed readers of JSON objects (event payloads, stored JSON columns) that give a clear
/// kInvalidArgument naming the field instead of throwing, and the mapping between a table row and a
/// JSON object with one member per column.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulwark/core/address.hpp"
#include "bulwark/core/error.hpp"
#include "bulwark/core/u256.hpp"
#include "bulwark/store/store.hpp"

namespace bulwark::cover::jsonf {

/// The member `key` of object `j`. Errors: kInvalidArgument when `j` is not an object or lacks it.
Result<const nlohmann::json*> field(const nlohmann::json& j, const char* key);
/// An integer member (a boolean reads as 0 or 1).
Result<std::int64_t> get_int(const nlohmann::json& j, const char* key);
Result<std::string> get_str(const nlohmann::json& j, const char* key);
/// A decimal string amount.
Result<U256> get_amount(const nlohmann::json& j, const char* key);
Result<Address> get_address(const nlohmann::json& j, const char* key);
Result<Hash32> get_hash(const nlohmann::json& j, const char* key);
Result<const nlohmann::json*> get_array(const nlohmann::json& j, const char* key);
Result<std::vector<Address>> get_addresses(const nlohmann::json& j, const char* key);
Result<std::vector<Hash32>> get_hashes(const nlohmann::json& j, const char* key);
Result<std::vector<std::string>> get_strings(const nlohmann::json& j, const char* key);

/// The row of table `t` from an object with one member per column: integers and booleans as
/// decimal text, strings as they are, and the columns `json_column` names as JSON text.
store::Row row_of(const store::TableDef& t, const nlohmann::json& j,
                  const std::function<bool(const std::string&)>& json_column);
/// The inverse of row_of. Errors: kCorrupt for a row of the wrong width, a non-integer in an
/// integer column or bad JSON in a JSON column.
Result<nlohmann::json> json_of(const store::TableDef& t, const store::Row& r,
                               const std::function<bool(const std::string&)>& json_column);

}  // namespace bulwark::cover::jsonf
