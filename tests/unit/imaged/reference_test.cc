#include "services/imaged/reference/reference.h"

#include <gtest/gtest.h>

namespace berth::imaged::reference {
namespace {

struct NormalizeCase {
  std::string input;
  std::string name;      // Name()
  std::string familiar;  // FamiliarString() after WithDefaultTag
};

// Prints the input only: test listings (and ctest names) then stay readable
// and stable instead of showing the struct's raw bytes.
void PrintTo(const NormalizeCase& c, std::ostream* os) { *os << '"' << c.input << '"'; }

class NormalizeTest : public ::testing::TestWithParam<NormalizeCase> {};

TEST_P(NormalizeTest, NormalizesLikeDocker) {
  const auto& c = GetParam();
  auto ref = ParseNormalized(c.input);
  ASSERT_TRUE(ref.ok()) << c.input << ": " << ref.status();
  EXPECT_EQ(ref->Name(), c.name);
  EXPECT_EQ(WithDefaultTag(*ref).FamiliarString(), c.familiar);
}

INSTANTIATE_TEST_SUITE_P(
    Valid, NormalizeTest,
    ::testing::Values(
        NormalizeCase{"busybox", "docker.io/library/busybox", "busybox:latest"},
        NormalizeCase{"busybox:1.36", "docker.io/library/busybox", "busybox:1.36"},
        NormalizeCase{"docker.io/library/busybox", "docker.io/library/busybox", "busybox:latest"},
        NormalizeCase{"index.docker.io/library/busybox:x", "docker.io/library/busybox",
                      "busybox:x"},
        NormalizeCase{"docker.io/team/app:v1", "docker.io/team/app", "team/app:v1"},
        NormalizeCase{"team/app", "docker.io/team/app", "team/app:latest"},
        NormalizeCase{"localhost/app", "localhost/app", "localhost/app:latest"},
        NormalizeCase{"localhost:5000/a/b:v2", "localhost:5000/a/b", "localhost:5000/a/b:v2"},
        NormalizeCase{"registry.example.com/x", "registry.example.com/x",
                      "registry.example.com/x:latest"},
        NormalizeCase{"a.b-c__d_e", "docker.io/library/a.b-c__d_e", "a.b-c__d_e:latest"},
        NormalizeCase{"a---b", "docker.io/library/a---b", "a---b:latest"},
        NormalizeCase{"app:V1_x.y-z", "docker.io/library/app", "app:V1_x.y-z"},
        NormalizeCase{"localhost:5000", "docker.io/library/localhost", "localhost:5000"}));

TEST(ReferenceTest, DigestReference) {
  std::string digest = "sha256:" + std::string(64, 'a');
  auto ref = ParseNormalized("busybox@" + digest);
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->digest, digest);
  EXPECT_EQ(ref->tag, "");
  EXPECT_EQ(WithDefaultTag(*ref).FamiliarString(), "busybox@" + digest);
}

class InvalidTest : public ::testing::TestWithParam<std::string> {};

TEST_P(InvalidTest, Refused) {
  auto ref = ParseNormalized(GetParam());
  ASSERT_FALSE(ref.ok()) << GetParam() << " parsed as " << ref->String();
  EXPECT_EQ(ref.status().code(), absl::StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Invalid, InvalidTest,
                         ::testing::Values("", "Busybox", "busy box", "busybox:", ":tag",
                                           "a..b", "a__-b", "-a", "a-", "a/", "/a", "a//b",
                                           "busybox:-x", "busybox:a/b", "busybox@sha256:abc",
                                           "busybox@md5:" + std::string(32, 'a'),
                                           "bad_host:5000x/a", "ex ample.com/a",
                                           std::string(64, 'a'), std::string(256, 'a'),
                                           "busybox:" + std::string(129, 't')));

TEST(ReferenceTest, UppercaseMessage) {
  auto ref = ParseNormalized("Busybox");
  ASSERT_FALSE(ref.ok());
  EXPECT_EQ(ref.status().message(),
            "invalid reference format: repository name must be lowercase");
  EXPECT_EQ(ParseNormalized("a..b").status().message(), "invalid reference format");
}

TEST(ReferenceTest, TagTarget) {
  auto ref = ParseTagTarget("docker.io/library/myimg:old", "new");
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->FamiliarString(), "myimg:new");
  ref = ParseTagTarget("myimg", "");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->FamiliarString(), "myimg:latest");
  EXPECT_FALSE(ParseTagTarget("myimg", "bad tag").ok());
  EXPECT_FALSE(ParseTagTarget("myimg@sha256:" + std::string(64, 'b'), "").ok());
}

TEST(ReferenceTest, HexHelpers) {
  EXPECT_TRUE(IsFullHexId(std::string(64, 'f')));
  EXPECT_FALSE(IsFullHexId(std::string(63, 'f')));
  EXPECT_FALSE(IsFullHexId(std::string(64, 'F')));
  EXPECT_TRUE(IsHexPrefix("0a1b"));
  EXPECT_FALSE(IsHexPrefix(""));
  EXPECT_FALSE(IsHexPrefix("xyz"));
  EXPECT_FALSE(IsHexPrefix(std::string(65, 'a')));
}

}  // namespace
}  // namespace berth::imaged::reference
