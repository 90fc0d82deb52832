// Capabilities, rlimits and the security spec as runtimed resolves them.
#include <sys/resource.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/runtimed/spec/capabilities.h"
#include "services/runtimed/spec/rlimits.h"
#include "services/runtimed/spec/security_builder.h"

namespace berth::runtimed::spec {
namespace {

using ::testing::Contains;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::Not;

// This machine's root: everything up to CAP_CHECKPOINT_RESTORE but
// CAP_SYS_RESOURCE (24).
constexpr uint64_t kHostMask = 0x000001fffeffffffULL;

std::vector<std::string> Resolve(std::vector<std::string> add, std::vector<std::string> drop,
                                 bool privileged = false) {
  auto caps = ResolveCapabilities(add, drop, privileged, kHostMask);
  EXPECT_TRUE(caps.ok()) << caps.status();
  return caps.ok() ? *caps : std::vector<std::string>{};
}

TEST(CapabilitiesTest, DefaultIsDockersFourteenWithItsBoundingMask) {
  EXPECT_EQ(DefaultCapabilities().size(), 14u);
  // What `grep CapBnd /proc/self/status` shows in a default Docker container.
  EXPECT_EQ(CapabilityMask(DefaultCapabilities()), 0x00000000a80425fbULL);
  EXPECT_THAT(Resolve({}, {}), ElementsAreArray(DefaultCapabilities()));
}

TEST(CapabilitiesTest, NamesWithOrWithoutPrefixInAnyCase) {
  EXPECT_EQ(*NormalizeCapability("net_admin"), "CAP_NET_ADMIN");
  EXPECT_EQ(*NormalizeCapability("CAP_SYS_TIME"), "CAP_SYS_TIME");
  EXPECT_EQ(*NormalizeCapability("all"), "ALL");
  auto bad = NormalizeCapability("FOO");
  EXPECT_EQ(bad.status().message(), "unknown capability: \"CAP_FOO\"");
  auto refused = ResolveCapabilities({"foo"}, {}, false, kHostMask);
  EXPECT_EQ(refused.status().message(), "invalid CapAdd: unknown capability: \"CAP_FOO\"");
}

TEST(CapabilitiesTest, AddAndDropChangeExactlyWhatTheyName) {
  std::vector<std::string> caps = Resolve({"NET_ADMIN"}, {"chown"});
  EXPECT_THAT(caps, Contains("CAP_NET_ADMIN"));
  EXPECT_THAT(caps, Not(Contains("CAP_CHOWN")));
  EXPECT_EQ(caps.size(), 14u);
  EXPECT_EQ(CapabilityMask(caps),
            (CapabilityMask(DefaultCapabilities()) | (1ULL << 12)) & ~1ULL);
}

TEST(CapabilitiesTest, AllRules) {
  // Drop ALL keeps only the added ones.
  EXPECT_THAT(Resolve({"kill"}, {"ALL"}), ElementsAreArray({"CAP_KILL"}));
  EXPECT_TRUE(Resolve({}, {"ALL"}).empty());
  // Add ALL gives the host's capabilities but those dropped.
  std::vector<std::string> all = Resolve({"ALL"}, {"SYS_ADMIN"});
  EXPECT_THAT(all, Not(Contains("CAP_SYS_ADMIN")));
  EXPECT_THAT(all, Not(Contains("CAP_SYS_RESOURCE")));  // the host lacks it
  EXPECT_EQ(all.size(), 39u);
}

TEST(CapabilitiesTest, PrivilegedGetsWhatTheHostHasAndNoMore) {
  std::vector<std::string> caps = Resolve({}, {}, true);
  EXPECT_EQ(CapabilityMask(caps), kHostMask);
  // A capability the host lacks cannot be added.
  auto refused = ResolveCapabilities({"SYS_RESOURCE"}, {}, false, kHostMask);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("not available on this host"));
}

uint64_t FakeHard(int resource) { return resource == RLIMIT_NOFILE ? 524288 : 4096; }

TEST(RlimitsTest, DefaultOpenFilesCappedByTheHost) {
  auto limits = ResolveRlimits({}, FakeHard);
  ASSERT_TRUE(limits.ok());
  EXPECT_THAT(*limits, ElementsAreArray({Rlimit{"nofile", 524288, 524288}}));
}

TEST(RlimitsTest, RequestedReplaceDefaultsAndJoinThem) {
  auto limits = ResolveRlimits({Rlimit{"nofile", 100, 200}, Rlimit{"nproc", 10, 20}}, FakeHard);
  ASSERT_TRUE(limits.ok()) << limits.status();
  EXPECT_THAT(*limits, ElementsAreArray({Rlimit{"nofile", 100, 200}, Rlimit{"nproc", 10, 20}}));
}

TEST(RlimitsTest, RefusedWithReasons) {
  EXPECT_EQ(ResolveRlimits({Rlimit{"bogus", 1, 1}}, FakeHard).status().message(),
            "invalid ulimit type: bogus");
  EXPECT_THAT(std::string(ResolveRlimits({Rlimit{"nofile", 3, 2}}, FakeHard).status().message()),
              HasSubstr("soft limit must be less than or equal to hard limit"));
  auto too_high = ResolveRlimits({Rlimit{"nproc", 10, 5000}}, FakeHard);
  EXPECT_EQ(too_high.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(too_high.status().message()), HasSubstr("hard limit 4096"));
  EXPECT_THAT(std::string(too_high.status().message()), HasSubstr("CAP_SYS_RESOURCE"));
}

HostFacts Host() {
  HostFacts host;
  host.capability_mask = kHostMask;
  host.default_pids_limit = 512;
  host.hard_limit = FakeHard;
  return host;
}

TEST(SecuritySpecTest, DefaultConfinement) {
  auto s = BuildSecuritySpec(v1::SecurityOptions(), Host());
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT(s->capabilities, ElementsAreArray(DefaultCapabilities()));
  EXPECT_FALSE(s->seccomp_profile.empty());
  EXPECT_THAT(s->masked_paths, Contains("/proc/kcore"));
  EXPECT_THAT(s->readonly_paths, Contains("/proc/sys"));
  EXPECT_THAT(s->readonly_paths, Contains("/proc/sysrq-trigger"));
  EXPECT_THAT(s->device_rules, Contains("c 1:3 rwm"));
  EXPECT_THAT(s->device_rules, Not(Contains("a *:* rwm")));
  EXPECT_EQ(s->pids_limit, 512);
  EXPECT_FALSE(s->no_new_privileges);
  EXPECT_FALSE(s->readonly_rootfs);
}

TEST(SecuritySpecTest, PrivilegedUnconfinesAndUnconfinedDropsOnlySeccomp) {
  v1::SecurityOptions o;
  o.set_privileged(true);
  o.set_seccomp_profile(R"({"defaultAction":"SCMP_ACT_ERRNO"})");
  auto s = BuildSecuritySpec(o, Host());
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(CapabilityMask(s->capabilities), kHostMask);
  EXPECT_TRUE(s->seccomp_profile.empty());
  EXPECT_TRUE(s->masked_paths.empty());
  EXPECT_TRUE(s->readonly_paths.empty());
  EXPECT_THAT(s->device_rules, ElementsAreArray({"a *:* rwm"}));
  EXPECT_TRUE(s->host_devices);

  v1::SecurityOptions u;
  u.set_seccomp_profile("unconfined");
  s = BuildSecuritySpec(u, Host());
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->seccomp_profile.empty());
  EXPECT_FALSE(s->masked_paths.empty());
}

TEST(SecuritySpecTest, BadOptionsAreInvalidArgument) {
  v1::SecurityOptions o;
  o.set_seccomp_profile("{not json");
  auto s = BuildSecuritySpec(o, Host());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("seccomp"));
  v1::SecurityOptions u;
  v1::Ulimit* ulimit = u.add_ulimits();
  ulimit->set_name("nofile");
  ulimit->set_soft(1);
  ulimit->set_hard(1 << 30);
  EXPECT_EQ(BuildSecuritySpec(u, Host()).status().code(), absl::StatusCode::kInvalidArgument);
  ulimit->set_hard(-1);  // unlimited: above the host's
  EXPECT_EQ(BuildSecuritySpec(u, Host()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SecuritySpecTest, BoundingSetReadFromProcStatus) {
  EXPECT_EQ(BoundingSetFromStatus("Name:\tx\nCapBnd:\t000001fffeffffff\nCapAmb:\t0\n"), kHostMask);
  EXPECT_EQ(BoundingSetFromStatus("Name:\tx\n"), 0u);
}

}  // namespace
}  // namespace berth::runtimed::spec
