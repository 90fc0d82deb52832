#include "services/runtimed/names.h"

#include <set>

#include "gtest/gtest.h"

namespace berth::runtimed {
namespace {

TEST(NamesTest, ValidateAcceptsDockerNamesAndStripsSlash) {
  EXPECT_EQ(*ValidateName("web-1"), "web-1");
  EXPECT_EQ(*ValidateName("/my_app.v2"), "my_app.v2");
}

TEST(NamesTest, ValidateRejectsBadNames) {
  for (const char* bad : {"", "a", "-lead", "has space", "slash/inside", "_x"}) {
    auto name = ValidateName(bad);
    EXPECT_EQ(name.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ValidateName("a b").status().message(),
            "Invalid container name (a b), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
}

TEST(NamesTest, GeneratedNamesAreValidAndAvoidTaken) {
  absl::BitGen gen;
  std::set<std::string> taken;
  for (int i = 0; i < 200; ++i) {
    std::string name = GenerateName(gen, [&](const std::string& n) { return taken.count(n) > 0; });
    EXPECT_TRUE(ValidateName(name).ok()) << name;
    EXPECT_NE(name.find('_'), std::string::npos) << name;
    EXPECT_TRUE(taken.insert(name).second) << "duplicate " << name;
  }
}

}  // namespace
}  // namespace berth::runtimed
