#include "services/runtimed/spec/shim_config.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace berth::runtimed::spec {
namespace {

TEST(ShimConfigTest, JsonRoundTrip) {
  ShimConfig c;
  c.id = "abc";
  c.args = {"sh", "-c", "echo \"hi\"\n"};
  c.env = {"PATH=/bin", "X=ü"};
  c.cwd = "/tmp";
  c.user = "1000:1000";
  c.group_add = {"audio", "4242"};
  c.tty = true;
  c.open_stdin = true;
  c.stdin_once = true;
  c.console_height = 24;
  c.console_width = 80;
  c.hostname = "h";
  c.netns_path = "/ns";
  c.rootfs_dir = "/r";
  c.mounts = {MountSpec{"overlay", "overlay", "", {"lowerdir=/a:/b", "upperdir=/u"}}};
  c.hostname_file = "/f/hostname";
  c.hosts_file = "/f/hosts";
  c.resolv_conf_file = "/f/resolv.conf";
  c.socket_path = "/s.sock";
  c.log_path = "/l";
  c.log_rotation = {.max_size = 10 << 20, .max_files = 3};
  c.exit_path = "/e";
  c.cgroup_parent = "berth-test";
  c.security.capabilities = {"CAP_CHOWN", "CAP_KILL"};
  c.security.no_new_privileges = true;
  c.security.seccomp_profile = R"({"defaultAction":"SCMP_ACT_ALLOW"})";
  c.security.seccomp_program_file = "/c/seccomp.bpf";
  c.security.masked_paths = {"/proc/kcore"};
  c.security.readonly_paths = {"/proc/sys"};
  c.security.readonly_rootfs = true;
  c.security.rlimits = {Rlimit{"nofile", 10, UINT64_MAX}};
  c.security.device_rules = {"c 1:3 rwm"};
  c.security.pids_limit = 100;
  c.resources.memory = 32 << 20;
  c.resources.memory_swap = -1;
  c.resources.cpu_quota = 50000;
  c.resources.cpuset_cpus = "0-1";
  c.resources.blkio_weight = 300;
  c.resources.oom_kill_disable = true;
  c.shm_size = 128 << 20;
  c.security.host_devices = true;
  auto back = FromJson(ToJson(c));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, c);
}

TEST(ShimConfigTest, RejectsOtherVersionsAndGarbage) {
  ShimConfig c;
  c.version = 1;  // before security settings existed: never start one unconfined
  EXPECT_EQ(FromJson(ToJson(c)).status().code(), absl::StatusCode::kInvalidArgument);
  c.version = 2;
  auto json = nlohmann::json::parse(ToJson(c));
  json.erase("security");
  EXPECT_EQ(FromJson(json.dump()).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FromJson("{nope").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FromJson("{}").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ShimConfigTest, ExitRecordRoundTrip) {
  auto back = ExitFromJson(ExitToJson(ExitRecord{137, 1700000000123456789, true}));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->exit_code, 137);
  EXPECT_EQ(back->finished_unix_nano, 1700000000123456789);
  EXPECT_TRUE(back->oom_killed);
}

}  // namespace
}  // namespace berth::runtimed::spec
