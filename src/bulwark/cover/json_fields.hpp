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

/// The readers above as members, over one JSON object: a parser written against these members
/// (a template over the field source) reads an object and a row (RowFields) by the same rules.
struct JsonFields {
  const nlohmann::json& j;
  Result<std::int64_t> get_int(const char* key) const { return jsonf::get_int(j, key); }
  Result<std::string> get_str(const char* key) const { return jsonf::get_str(j, key); }
  Result<U256> get_amount(const char* key) const { return jsonf::get_amount(j, key); }
  Result<Address> get_address(const char* key) const { return jsonf::get_address(j, key); }
  Result<std::vector<Address>> get_addresses(const char* key) const { return jsonf::get_addresses(j, key); }
  Result<std::vector<Hash32>> get_hashes(const char* key) const { return jsonf::get_hashes(j, key); }
  Result<std::vector<std::string>> get_strings(const char* key) const { return jsonf::get_strings(j, key); }
};

/// The same readers over a row of table `t`, each field the column of its name, as json_of would
/// map it, without building the object: integers parsed from their text, and only the JSON columns
/// (those `json_column` names) parsed as JSON. Errors: as the readers above, and kCorrupt for a
/// row of the wrong width, a missing column, a non-integer in an integer column or bad JSON.
class RowFields {
 public:
  RowFields(const store::TableDef& t, const store::Row& r,
            std::function<bool(const std::string&)> json_column)
      : t_(t), r_(r), json_column_(std::move(json_column)) {}
  Status check_width() const;
  Result<std::int64_t> get_int(const char* key) const;
  Result<std::string> get_str(const char* key) const;
  Result<U256> get_amount(const char* key) const;
  Result<Address> get_address(const char* key) const;
  Result<std::vector<Address>> get_addresses(const char* key) const;
  Result<std::vector<Hash32>> get_hashes(const char* key) const;
  Result<std::vector<std::string>> get_strings(const char* key) const;

 private:
  Result<const std::string*> text(const char* key) const;
  /// The JSON column `key`, parsed, as the only member of an object (for the JSON readers).
  Result<nlohmann::json> parsed(const char* key) const;

  const store::TableDef& t_;
  const store::Row& r_;
  std::function<bool(const std::string&)> json_column_;
};

/// The row of table `t` from an object with one member per column: integers and booleans as
/// decimal text, strings as they are, and the columns `json_column` names as JSON text.
store::Row row_of(const store::TableDef& t, const nlohmann::json& j,
                  const std::function<bool(const std::string&)>& json_column);
/// The inverse of row_of. Errors: kCorrupt for a row of the wrong width, a non-integer in an
/// integer column or bad JSON in a JSON column.
Result<nlohmann::json> json_of(const store::TableDef& t, const store::Row& r,
                               const std::function<bool(const std::string&)>& json_column);

}  // namespace bulwark::cover::jsonf
