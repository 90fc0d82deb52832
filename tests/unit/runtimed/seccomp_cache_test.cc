#include "services/runtimed/seccomp_cache.h"

#include "gtest/gtest.h"
#include "services/runtimed/security/seccomp_filter.h"
#include "services/runtimed/security/seccomp_profile.h"
#include "services/runtimed/spec/capabilities.h"

namespace berth::runtimed {
namespace {

TEST(SeccompCacheTest, TheSameProfileCompilesToTheSameProgramAsTheFilterBuilder) {
  const auto& caps = spec::DefaultCapabilities();
  std::string json = security::SeccompProfileToJson(security::DefaultSeccompProfile(caps));
  SeccompCache cache;
  absl::StatusOr<std::string> first = cache.Program(json, caps);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::string> direct =
      security::ExportSeccompBpf(*security::ParseDockerSeccompProfile(json, caps));
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(*first, *direct);
  EXPECT_EQ(*cache.Program(json, caps), *first);

  std::vector<std::string> more = caps;
  more.push_back("CAP_SYS_ADMIN");
  std::string admin = security::SeccompProfileToJson(security::DefaultSeccompProfile(more));
  absl::StatusOr<std::string> other = cache.Program(admin, more);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*other, *first);
}

TEST(SeccompCacheTest, AMalformedProfileIsRefused) {
  SeccompCache cache;
  EXPECT_EQ(cache.Program("{nope", {}).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth::runtimed
