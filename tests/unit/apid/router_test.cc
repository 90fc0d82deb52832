#include "services/apid/rest/router.h"

#include <gtest/gtest.h>

namespace berth::apid::rest {
namespace {

Router MakeRouter() {
  Router r;
  auto ok = [](HandlerContext&) { return absl::OkStatus(); };
  r.Add("GET", "/_ping", ok);
  r.Add("HEAD", "/_ping", ok);
  r.Add("GET", "/containers/json", ok);
  r.Add("GET", "/containers/{id}/json", ok);
  r.Add("DELETE", "/containers/{id}", ok);
  r.Add("GET", "/images/json", ok);
  r.Add("GET", "/images/{name*}/json", ok);
  r.Add("DELETE", "/images/{name*}", ok);
  return r;
}

TEST(SplitVersionTest, PrefixesAndLimits) {
  auto v = SplitVersion("/v1.41/containers/json", "1.12", "1.41");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->path, "/containers/json");
  EXPECT_EQ(v->version, "1.41");
  v = SplitVersion("/_ping", "1.12", "1.41");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->path, "/_ping");
  EXPECT_EQ(v->version, "");
  v = SplitVersion("/v1.24/version", "1.12", "1.41");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->path, "/version");
  // A path segment that merely starts with "v" is not a version.
  v = SplitVersion("/volumes", "1.12", "1.41");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->path, "/volumes");
}

TEST(SplitVersionTest, TooNewAndTooOld) {
  auto v = SplitVersion("/v1.44/info", "1.12", "1.41");
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(v.status().message(),
            "client version 1.44 is too new. Maximum supported API version is 1.41");
  v = SplitVersion("/v1.11/info", "1.12", "1.41");
  EXPECT_EQ(v.status().message(),
            "client version 1.11 is too old. Minimum supported API version is 1.12, please "
            "upgrade your client to a newer version");
}

TEST(CompareVersionsTest, Numeric) {
  EXPECT_LT(CompareVersions("1.9", "1.12"), 0);
  EXPECT_EQ(CompareVersions("1.41", "1.41"), 0);
  EXPECT_LT(CompareVersions("1.5", "1.41"), 0);  // 5 < 41, not a decimal
  EXPECT_GT(CompareVersions("2.0", "1.41"), 0);
}

TEST(RouterTest, MatchesMethodsAndParams) {
  Router r = MakeRouter();
  auto m = r.Find("GET", "/containers/abc/json");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*m->pattern, "/containers/{id}/json");
  EXPECT_EQ(m->params.at("id"), "abc");
  EXPECT_EQ(*r.Find("GET", "/containers/json")->pattern, "/containers/json");
  EXPECT_EQ(*r.Find("HEAD", "/_ping")->pattern, "/_ping");
  EXPECT_FALSE(r.Find("POST", "/_ping").has_value());
  EXPECT_FALSE(r.Find("GET", "/nope").has_value());
  EXPECT_FALSE(r.Find("GET", "/containers/abc/json/extra").has_value());
}

TEST(RouterTest, ImageNamesWithSlashesAndColons) {
  Router r = MakeRouter();
  auto m = r.Find("GET", "/images/127.0.0.1:5000/api-busybox:v1/json");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*m->pattern, "/images/{name*}/json");
  EXPECT_EQ(m->params.at("name"), "127.0.0.1:5000/api-busybox:v1");
  EXPECT_EQ(*r.Find("GET", "/images/json")->pattern, "/images/json");
  m = r.Find("DELETE", "/images/docker.io/library/busybox:latest");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->params.at("name"), "docker.io/library/busybox:latest");
  m = r.Find("GET", "/images/sha256:abc/json");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->params.at("name"), "sha256:abc");
}

}  // namespace
}  // namespace berth::apid::rest
