// The OCI config.json runtimed writes for --runtime runc, from a resolved
// ShimConfig: what runc must apply so the container is confined as Berth's
// own init confines it.
#include "services/runtimed/spec/oci_spec.h"

#include "gtest/gtest.h"

namespace berth::runtimed::spec {
namespace {

using json = nlohmann::json;

ShimConfig Config() {
  ShimConfig c;
  c.id = "abc";
  c.args = {"sh", "-c", "echo hi"};
  c.env = {"PATH=/bin", "A=1"};
  c.cwd = "/work";
  c.tty = true;
  c.console_height = 24;
  c.console_width = 80;
  c.hostname = "abc";
  c.netns_path = "/run/netns/x";
  c.rootfs_dir = "/state/abc/rootfs";
  c.hostname_file = "/state/abc/hostname";
  c.hosts_file = "/state/abc/hosts";
  c.resolv_conf_file = "/state/abc/resolv.conf";
  c.container_mounts = {MountSpec{.type = "bind", .source = "/vol/_data", .target = "/data",
                                  .options = {"rbind", "ro", "rprivate"}},
                        MountSpec{.type = "tmpfs", .source = "", .target = "/scratch",
                                  .options = {"size=1024k"}}};
  c.security.capabilities = {"CAP_CHOWN", "CAP_KILL"};
  c.security.no_new_privileges = true;
  c.security.masked_paths = {"/proc/kcore"};
  c.security.readonly_paths = {"/proc/sys"};
  c.security.readonly_rootfs = true;
  c.security.rlimits = {Rlimit{"nofile", 1024, 2048}};
  c.security.device_rules = {"c 1:3 rwm", "c *:* m"};
  c.security.pids_limit = 4096;
  c.resources.memory = 64 << 20;
  c.resources.memory_swap = 128 << 20;
  c.resources.cpu_quota = 50000;
  c.resources.cpu_period = 100000;
  c.resources.cpuset_cpus = "0";
  c.shm_size = 32 << 20;
  return c;
}

TEST(OciSpecTest, ProcessRootNamespacesAndConfinement) {
  absl::StatusOr<json> config = OciConfig(Config(), json{{"defaultAction", "SCMP_ACT_ERRNO"}});
  ASSERT_TRUE(config.ok()) << config.status();
  const json& j = *config;
  EXPECT_EQ(j["root"], (json{{"path", "/state/abc/rootfs"}, {"readonly", true}}));
  EXPECT_EQ(j["hostname"], "abc");
  const json& p = j["process"];
  EXPECT_EQ(p["args"], (json{"sh", "-c", "echo hi"}));
  EXPECT_EQ(p["cwd"], "/work");
  EXPECT_TRUE(p["terminal"].get<bool>());
  EXPECT_EQ(p["consoleSize"], (json{{"height", 24}, {"width", 80}}));
  EXPECT_EQ(p["capabilities"]["bounding"], (json{"CAP_CHOWN", "CAP_KILL"}));
  EXPECT_FALSE(p["capabilities"].contains("inheritable"));
  EXPECT_TRUE(p["noNewPrivileges"].get<bool>());
  EXPECT_EQ(p["rlimits"][0], (json{{"type", "RLIMIT_NOFILE"}, {"hard", 2048}, {"soft", 1024}}));
  const json& l = j["linux"];
  EXPECT_EQ(l["namespaces"].back(), (json{{"type", "network"}, {"path", "/run/netns/x"}}));
  EXPECT_EQ(l["cgroupsPath"], "/berth/abc");
  EXPECT_EQ(l["maskedPaths"], (json{"/proc/kcore"}));
  EXPECT_EQ(l["readonlyPaths"], (json{"/proc/sys"}));
  EXPECT_EQ(l["seccomp"]["defaultAction"], "SCMP_ACT_ERRNO");
  const json& r = l["resources"];
  EXPECT_EQ(r["memory"], (json{{"limit", 64 << 20}, {"swap", 128 << 20}}));
  EXPECT_EQ(r["cpu"], (json{{"quota", 50000}, {"period", 100000}, {"cpus", "0"}}));
  EXPECT_EQ(r["pids"]["limit"], 4096);  // runtimed's default pids.max
  EXPECT_EQ(r["devices"][0], (json{{"allow", false}, {"access", "rwm"}}));
  EXPECT_EQ(r["devices"][1],
            (json{{"allow", true}, {"type", "c"}, {"access", "rwm"}, {"major", 1}, {"minor", 3}}));
  EXPECT_EQ(r["devices"][2], (json{{"allow", true}, {"type", "c"}, {"access", "m"}}));
}

TEST(OciSpecTest, MountsAreDockersDefaultsThenEtcFilesThenTheUsers) {
  json mounts = (*OciConfig(Config(), json()))["mounts"];
  std::vector<std::string> destinations;
  for (const json& m : mounts) destinations.push_back(m["destination"]);
  EXPECT_EQ(destinations,
            (std::vector<std::string>{"/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup",
                                      "/dev/mqueue", "/dev/shm", "/etc/hostname", "/etc/hosts",
                                      "/etc/resolv.conf", "/data", "/scratch"}));
  EXPECT_EQ(mounts[6]["options"].back(), "size=32768k");
  EXPECT_EQ(mounts[10], (json{{"destination", "/data"}, {"type", "bind"},
                              {"source", "/vol/_data"}, {"options", {"rbind", "ro", "rprivate"}}}));
  EXPECT_EQ(mounts[11]["source"], "tmpfs");
  // No seccomp object without a profile (unconfined).
  EXPECT_FALSE((*OciConfig(Config(), json()))["linux"].contains("seccomp"));
}

TEST(OciSpecTest, UserAndDeviceRules) {
  json process = OciProcess(Config());
  EXPECT_EQ(process["user"], (json{{"uid", 0}, {"gid", 0}}));
  SetOciUser(process, 1, 1, {1, 29, 50});
  EXPECT_EQ(process["user"], (json{{"uid", 1}, {"gid", 1}, {"additionalGids", {1, 29, 50}}}));
  EXPECT_EQ((*OciDeviceRules({"a"}))[1], (json{{"allow", true}, {"access", "rwm"}}));
  EXPECT_FALSE(OciDeviceRules({"x 1:3 rwm"}).ok());
  EXPECT_FALSE(OciDeviceRules({"c one:3 rwm"}).ok());
}

}  // namespace
}  // namespace berth::runtimed::spec
