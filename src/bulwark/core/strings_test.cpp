#include "bulwark/core/strings.hpp"

#include <gtest/gtest.h>

namespace bulwark {
namespace {

TEST(ConcatTest, JoinsLiteralsStringsAndViewsInOrder) {
  const std::string middle = "b";
  const std::string_view view = "cd";
  EXPECT_EQ(concat("[", middle, view, std::to_string(42), "]"), "[bcd42]");
  EXPECT_EQ(concat("", std::string(), ""), "");
  EXPECT_EQ(concat(std::string(1000, 'x'), "y").size(), 1001u);
}

}  // namespace
}  // namespace bulwark
