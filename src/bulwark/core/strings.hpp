#pragma once
/// Building strings from pieces.

#include <string>
#include <string_view>

namespace bulwark {

/// The pieces (anything a std::string_view is made from: literals, strings, views) one after another,
/// in one allocation. Used where `"literal" + std::string` would do: besides the single allocation, it
/// keeps GCC 12 at -O3 from reporting a false overlap in the insertion that `operator+` makes (GCC bug
/// 105329, -Wrestrict).
template <typename... Pieces>
std::string concat(const Pieces&... pieces) {
  const std::string_view views[] = {std::string_view(pieces)...};
  std::size_t n = 0;
  for (const auto v : views) n += v.size();
  std::string s;
  s.reserve(n);
  for (const auto v : views) s.append(v);
  return s;
}

}  // namespace bulwark
