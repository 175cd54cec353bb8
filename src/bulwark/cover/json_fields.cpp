#include "bulwark/cover/json_fields.hpp"

#include <charconv>

namespace bulwark::cover::jsonf {
namespace {
std::string str(std::int64_t v) {
  return std::to_string(v);
}
}  // namespace

using nlohmann::json;
using store::Row;

Result<const json*> field(const json& j, const char* key) {
  if (!j.is_object())
    return fail(ErrorCode::kInvalidArgument, std::string("expected an object for '") + key + "'");
  auto it = j.find(key);
  if (it == j.end()) return fail(ErrorCode::kInvalidArgument, std::string("missing field '") + key + "'");
  return &*it;
}

Result<std::int64_t> get_int(const json& j, const char* key) {
  BULWARK_TRY(v, field(j, key));
  if (v->is_boolean()) return v->get<bool>() ? 1 : 0;
  if (!v->is_number_integer())
    return fail(ErrorCode::kInvalidArgument, std::string("field '") + key + "' is not an integer");
  return v->get<std::int64_t>();
}

Result<std::string> get_str(const json& j, const char* key) {
  BULWARK_TRY(v, field(j, key));
  if (!v->is_string())
    return fail(ErrorCode::kInvalidArgument, std::string("field '") + key + "' is not a string");
  return v->get<std::string>();
}

Result<U256> get_amount(const json& j, const char* key) {
  BULWARK_TRY(s, get_str(j, key));
  auto v = U256::from_dec(s);
  if (!v) return std::unexpected(with_context(v.error(), key));
  return *v;
}

Result<Address> get_address(const json& j, const char* key) {
  BULWARK_TRY(s, get_str(j, key));
  auto a = Address::parse(s);
  if (!a) return std::unexpected(with_context(a.error(), key));
  return *a;
}

Result<Hash32> get_hash(const json& j, const char* key) {
  BULWARK_TRY(s, get_str(j, key));
  auto h = Hash32::parse(s);
  if (!h) return std::unexpected(with_context(h.error(), key));
  return *h;
}

Result<const json*> get_array(const json& j, const char* key) {
  BULWARK_TRY(v, field(j, key));
  if (!v->is_array())
    return fail(ErrorCode::kInvalidArgument, std::string("field '") + key + "' is not an array");
  return v;
}

Result<std::vector<Address>> get_addresses(const json& j, const char* key) {
  BULWARK_TRY(arr, get_array(j, key));
  std::vector<Address> out;
  for (const auto& e : *arr) {
    if (!e.is_string())
      return fail(ErrorCode::kInvalidArgument, std::string("'") + key + "' holds a non-string");
    auto a = Address::parse(e.get<std::string>());
    if (!a) return std::unexpected(with_context(a.error(), key));
    out.push_back(*a);
  }
  return out;
}

Result<std::vector<Hash32>> get_hashes(const json& j, const char* key) {
  BULWARK_TRY(arr, get_array(j, key));
  std::vector<Hash32> out;
  for (const auto& e : *arr) {
    if (!e.is_string())
      return fail(ErrorCode::kInvalidArgument, std::string("'") + key + "' holds a non-string");
    auto h = Hash32::parse(e.get<std::string>());
    if (!h) return std::unexpected(with_context(h.error(), key));
    out.push_back(*h);
  }
  return out;
}

Result<std::vector<std::string>> get_strings(const json& j, const char* key) {
  BULWARK_TRY(arr, get_array(j, key));
  std::vector<std::string> out;
  for (const auto& e : *arr) {
    if (!e.is_string())
      return fail(ErrorCode::kInvalidArgument, std::string("'") + key + "' holds a non-string");
    out.push_back(e.get<std::string>());
  }
  return out;
}

Status RowFields::check_width() const {
  if (r_.size() != t_.columns.size())
    return fail(ErrorCode::kCorrupt,
                "row of " + t_.name + " has " + str(std::int64_t(r_.size())) + " columns");
  return {};
}

Result<const std::string*> RowFields::text(const char* key) const {
  for (std::size_t i = 0; i < t_.columns.size() && i < r_.size(); ++i)
    if (t_.columns[i].name == key) return &r_[i];
  return fail(ErrorCode::kCorrupt, "row of " + t_.name + " has no column '" + key + "'");
}

Result<std::int64_t> RowFields::get_int(const char* key) const {
  BULWARK_TRY(s, text(key));
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || p != s->data() + s->size())
    return fail(ErrorCode::kCorrupt, "stored " + t_.name + "." + key + " is not an integer: '" + *s + "'");
  return v;
}

Result<std::string> RowFields::get_str(const char* key) const {
  BULWARK_TRY(s, text(key));
  return *s;
}

Result<U256> RowFields::get_amount(const char* key) const {
  BULWARK_TRY(s, text(key));
  auto v = U256::from_dec(*s);
  if (!v) return std::unexpected(with_context(v.error(), key));
  return *v;
}

Result<Address> RowFields::get_address(const char* key) const {
  BULWARK_TRY(s, text(key));
  auto a = Address::parse(*s);
  if (!a) return std::unexpected(with_context(a.error(), key));
  return *a;
}

Result<json> RowFields::parsed(const char* key) const {
  BULWARK_TRY(s, text(key));
  json v = json_column_(key) ? json::parse(*s, nullptr, false) : json(*s);
  if (v.is_discarded()) return fail(ErrorCode::kCorrupt, "stored " + t_.name + "." + key + " is not JSON");
  json j = json::object();
  j[key] = std::move(v);
  return j;
}

Result<std::vector<Address>> RowFields::get_addresses(const char* key) const {
  BULWARK_TRY(j, parsed(key));
  return jsonf::get_addresses(j, key);
}

Result<std::vector<Hash32>> RowFields::get_hashes(const char* key) const {
  BULWARK_TRY(j, parsed(key));
  return jsonf::get_hashes(j, key);
}

Result<std::vector<std::string>> RowFields::get_strings(const char* key) const {
  BULWARK_TRY(j, parsed(key));
  return jsonf::get_strings(j, key);
}

Row row_of(const store::TableDef& t, const json& j,
           const std::function<bool(const std::string&)>& json_column) {
  Row r;
  r.reserve(t.columns.size());
  for (const auto& c : t.columns) {
    const json& v = j.at(c.name);
    if (v.is_boolean())
      r.push_back(v.get<bool>() ? "1" : "0");
    else if (v.is_number_integer())
      r.push_back(str(v.get<std::int64_t>()));
    else if (v.is_string() && !json_column(c.name))
      r.push_back(v.get<std::string>());
    else
      r.push_back(v.dump());
  }
  return r;
}

Result<json> json_of(const store::TableDef& t, const Row& r,
                     const std::function<bool(const std::string&)>& json_column) {
  if (r.size() != t.columns.size())
    return fail(ErrorCode::kCorrupt, "row of " + t.name + " has " + str(std::int64_t(r.size())) + " columns");
  json j = json::object();
  for (std::size_t i = 0; i < r.size(); ++i) {
    const auto& c = t.columns[i];
    if (c.type == store::ColumnType::kInt) {
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(r[i].data(), r[i].data() + r[i].size(), v);
      if (ec != std::errc() || p != r[i].data() + r[i].size())
        return fail(ErrorCode::kCorrupt,
                    "stored " + t.name + "." + c.name + " is not an integer: '" + r[i] + "'");
      j[c.name] = v;
    } else if (json_column(c.name)) {
      json v = json::parse(r[i], nullptr, false);
      if (v.is_discarded())
        return fail(ErrorCode::kCorrupt, "stored " + t.name + "." + c.name + " is not JSON");
      j[c.name] = std::move(v);
    } else {
      j[c.name] = r[i];
    }
  }
  return j;
}

}  // namespace bulwark::cover::jsonf
