#include "services/runtimed/shim/init_helpers.h"

#include <sys/mount.h>

#include <map>

#include "gtest/gtest.h"

namespace berth::runtimed::shim {
namespace {

const char kPasswd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "# comment\n"
    "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
    "app:x:1000:1001::/home/app:/bin/sh\n";
const char kGroup[] = "root:x:0:\nstaff:x:50:\n";

TEST(ResolveUserTest, DockerForms) {
  EXPECT_EQ(*ResolveUser("", kPasswd, kGroup), (ResolvedUser{0, 0, "/root"}));
  EXPECT_EQ(*ResolveUser("app", kPasswd, kGroup), (ResolvedUser{1000, 1001, "/home/app"}));
  EXPECT_EQ(*ResolveUser("33", kPasswd, kGroup), (ResolvedUser{33, 33, "/var/www"}));
  EXPECT_EQ(*ResolveUser("4242", kPasswd, kGroup), (ResolvedUser{4242, 0, "/"}));
  EXPECT_EQ(*ResolveUser("4242:7", kPasswd, kGroup), (ResolvedUser{4242, 7, "/"}));
  EXPECT_EQ(*ResolveUser("app:staff", kPasswd, kGroup), (ResolvedUser{1000, 50, "/home/app"}));
}

TEST(ResolveUserTest, UnknownNamesFailLikeDocker) {
  auto user = ResolveUser("ghost", kPasswd, kGroup);
  EXPECT_EQ(user.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(user.status().message(),
            "unable to find user ghost: no matching entries in passwd file");
  EXPECT_FALSE(ResolveUser("app:nogroup", kPasswd, kGroup).ok());
}

// runc's GetExecUser: groups listing the user by name become its
// supplementary groups, only when no group is given explicitly.
TEST(ResolveUserTest, MemberOfGroupsFromTheGroupFile) {
  const char group[] = "root:x:0:\nstaff:x:50:app,www-data\naudio:x:29:app\nwheel:x:10:root\n";
  EXPECT_EQ(ResolveUser("app", kPasswd, group)->member_of, (std::vector<gid_t>{50, 29}));
  EXPECT_EQ(ResolveUser("1000", kPasswd, group)->member_of, (std::vector<gid_t>{50, 29}));
  EXPECT_EQ(ResolveUser("", kPasswd, group)->member_of, (std::vector<gid_t>{10}));  // "" = root
  EXPECT_EQ(ResolveUser("root", kPasswd, group)->member_of, (std::vector<gid_t>{10}));
  EXPECT_TRUE(ResolveUser("app:staff", kPasswd, group)->member_of.empty());
  EXPECT_TRUE(ResolveUser("1000:7", kPasswd, group)->member_of.empty());
  EXPECT_TRUE(ResolveUser("4242", kPasswd, group)->member_of.empty());
}

TEST(ResolveUserTest, GroupAddByNameOrNumber) {
  const char group[] = "root:x:0:\nstaff:x:50:\naudio:x:29:\n";
  EXPECT_EQ(*ResolveAdditionalGroups({"audio", "50", "4242", "staff"}, group),
            (std::vector<gid_t>{29, 50, 4242}));
  auto missing = ResolveAdditionalGroups({"nosuch"}, group);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "Unable to find group nosuch: no matching entries in group file");
  ResolvedUser user{1000, 1001, "/home/app", {50}};
  EXPECT_EQ(SupplementaryGroups(user, {29}), (std::vector<gid_t>{1001, 50, 29}));
}

class FindExecutableTest : public ::testing::Test {
 protected:
  StatFn stat() {
    return [this](const std::string& p) {
      auto it = files_.find(p);
      return it == files_.end() ? FileInfo{} : it->second;
    };
  }
  std::map<std::string, FileInfo> files_ = {
      {"/bin/sh", {true, false, true}},
      {"/usr/bin/data", {true, false, false}},
      {"/etc", {true, true, true}},
  };
};

TEST_F(FindExecutableTest, SearchesPath) {
  EXPECT_EQ(*FindExecutable("sh", "/usr/bin:/bin", stat()), "/bin/sh");
  EXPECT_EQ(*FindExecutable("/bin/sh", "", stat()), "/bin/sh");
}

TEST_F(FindExecutableTest, ErrorTextsMatchRunc) {
  EXPECT_EQ(FindExecutable("nope", "/usr/bin:/bin", stat()).status().message(),
            "exec: \"nope\": executable file not found in $PATH");
  // Present but not executable: not a match in PATH either.
  EXPECT_EQ(FindExecutable("data", "/usr/bin", stat()).status().message(),
            "exec: \"data\": executable file not found in $PATH");
  EXPECT_EQ(FindExecutable("/no/such", "/bin", stat()).status().message(),
            "exec: \"/no/such\": stat /no/such: no such file or directory");
  EXPECT_EQ(FindExecutable("/usr/bin/data", "/bin", stat()).status().message(),
            "exec: \"/usr/bin/data\": permission denied");
  EXPECT_EQ(FindExecutable("/etc", "/bin", stat()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MountOptionsTest, SplitsFlagsFromData) {
  MountArgs overlay = ParseMountOptions("overlay", {"lowerdir=/a:/b", "upperdir=/u", "ro"});
  EXPECT_EQ(overlay.flags, static_cast<unsigned long>(MS_RDONLY));
  EXPECT_EQ(overlay.data, "lowerdir=/a:/b,upperdir=/u");
  MountArgs bind = ParseMountOptions("bind", {"rbind", "nosuid"});
  EXPECT_EQ(bind.flags, static_cast<unsigned long>(MS_BIND | MS_REC | MS_NOSUID));
  EXPECT_EQ(bind.data, "");
}

TEST(EnvValueTest, FindsKey) {
  EXPECT_EQ(EnvValue({"A=1", "PATH=/bin", "PATHX=2"}, "PATH"), "/bin");
  EXPECT_EQ(EnvValue({"A=1"}, "PATH"), "");
}

}  // namespace
}  // namespace berth::runtimed::shim
