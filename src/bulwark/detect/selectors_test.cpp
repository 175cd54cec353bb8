// Every selector the sources name with its signature beside it (`0x12345678,  // name(types)`) is the
// first four bytes of that signature's Keccak-256: a table entry whose comment names another function
// would make a rule look for a call nobody makes.

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "bulwark/core/keccak.hpp"

namespace bulwark {
namespace {

TEST(SelectorsTest, EverySelectorNamedWithItsSignatureIsThatSignaturesHash) {
  const std::filesystem::path root = std::filesystem::path(BULWARK_SOURCE_DIR) / "src" / "bulwark";
  ASSERT_TRUE(std::filesystem::is_directory(root)) << root;
  // A selector, then (after anything but a slash) a comment that starts with a canonical signature: a
  // name and its parameter types, tuples one level deep, no spaces.
  const std::regex named(
      R"(0x([0-9a-f]{8})\b[^/]*//+<?\s*([A-Za-z_][A-Za-z0-9_]*\((?:[^()\s]|\([^()\s]*\))*\)))");
  const std::regex selector_alone(R"(^[^/]*0x[0-9a-f]{8}\b[^/]*$)");
  int checked = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name.find("_test") != std::string::npos ||
        (entry.path().extension() != ".hpp" && entry.path().extension() != ".cpp"))
      continue;
    std::ifstream in(entry.path());
    std::string line, held;  // held: a line naming a selector whose comment the formatter moved below
    for (int n = 1; std::getline(in, line); ++n) {
      const std::string text = held.empty() ? line : held + " " + line;
      held = std::regex_search(line, selector_alone) ? line : std::string();
      std::smatch m;
      if (!std::regex_search(text, m, named)) continue;
      const auto h = keccak256(std::string_view(m[2].str()));
      char hex[9];
      std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", h.bytes[0], h.bytes[1], h.bytes[2], h.bytes[3]);
      EXPECT_EQ(m[1].str(), std::string(hex))
          << entry.path().lexically_relative(root).string() << ":" << n << ": " << m[2].str();
      ++checked;
    }
  }
  // The flow and rule tables name almost sixty: a pattern that matched none would check nothing.
  EXPECT_GE(checked, 50);
}

}  // namespace
}  // namespace bulwark
