// The pure parts of the registry client: which hosts may be contacted and
// how, X-Registry-Auth decoding, WWW-Authenticate challenges and manifests.
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/imaged/registry/auth.h"
#include "services/imaged/registry/manifest.h"
#include "services/imaged/registry/registry_config.h"

namespace berth::imaged::registry {
namespace {

using ::testing::HasSubstr;

const std::string kDigestA = "sha256:" + std::string(64, 'a');
const std::string kDigestB = "sha256:" + std::string(64, 'b');
const std::string kDigestC = "sha256:" + std::string(64, 'c');

TEST(RegistryConfigTest, LoopbackAllowListRefusesDockerHubBeforeAnyLookup) {
  auto options = ParseRegistryFlags("loopback", "", "", "");
  ASSERT_TRUE(options.ok()) << options.status();
  auto hub = ResolveEndpoint(*options, "docker.io");
  EXPECT_TRUE(absl::IsPermissionDenied(hub.status()));
  EXPECT_THAT(hub.status().message(), HasSubstr("registry-1.docker.io is not allowed"));
  EXPECT_THAT(hub.status().message(), HasSubstr("--allowed_registries"));
  EXPECT_FALSE(ResolveEndpoint(*options, "registry.example.com").ok());
  EXPECT_FALSE(ResolveEndpoint(*options, "127.0.0.1.example.com:5000").ok());
  for (const char* host : {"127.0.0.1:5000", "127.1.2.3", "localhost:80", "[::1]:5000"}) {
    auto endpoint = ResolveEndpoint(*options, host);
    ASSERT_TRUE(endpoint.ok()) << host << ": " << endpoint.status();
    EXPECT_EQ(endpoint->scheme, "http") << host;
    EXPECT_EQ(endpoint->host, host);
  }
}

TEST(RegistryConfigTest, MirrorReplacesTheHostWithoutFallback) {
  auto options = ParseRegistryFlags("loopback", "docker.io=127.0.0.1:5001", "", "");
  ASSERT_TRUE(options.ok());
  auto endpoint = ResolveEndpoint(*options, "docker.io");
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  EXPECT_EQ(endpoint->BaseUrl(), "http://127.0.0.1:5001");
  EXPECT_EQ(endpoint->domain, "docker.io");
  // A mirror outside the allow-list is refused, not bypassed.
  auto bad = ParseRegistryFlags("loopback", "docker.io=mirror.example.com", "", "");
  ASSERT_TRUE(bad.ok());
  EXPECT_THAT(ResolveEndpoint(*bad, "docker.io").status().message(),
              HasSubstr("mirror.example.com (mirror of docker.io) is not allowed"));
}

TEST(RegistryConfigTest, SchemesAndEmptyAllowList) {
  auto options = ParseRegistryFlags("", "", "registry.lan:5000", "");
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(ResolveEndpoint(*options, "registry.lan:5000")->scheme, "http");
  EXPECT_EQ(ResolveEndpoint(*options, "registry.lan")->scheme, "https");
  EXPECT_EQ(ResolveEndpoint(*options, "docker.io")->host, "registry-1.docker.io");
  auto host_only = ParseRegistryFlags("registry.lan", "", "", "");
  EXPECT_TRUE(IsAllowed(*host_only, "registry.lan:5000"));
  EXPECT_FALSE(IsAllowed(*host_only, "other.lan"));
}

TEST(RegistryConfigTest, MalformedFlagsNameTheFlag) {
  EXPECT_THAT(ParseRegistryFlags("a b", "", "", "").status().message(),
              HasSubstr("--allowed_registries"));
  EXPECT_THAT(ParseRegistryFlags("", "docker.io", "", "").status().message(),
              HasSubstr("--registry_mirrors"));
  EXPECT_THAT(ParseRegistryFlags("", "", "loopback", "").status().message(),
              HasSubstr("--insecure_registries"));
}

TEST(RegistryConfigTest, LoopbackHosts) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.255.0.9:1"));
  EXPECT_FALSE(IsLoopbackHost("128.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("127.0.0.256"));
  EXPECT_FALSE(IsLoopbackHost("127.0.0"));
  EXPECT_FALSE(IsLoopbackHost("localhost.example.com"));
}

TEST(AuthTest, DecodesDockerRegistryAuthBothAlphabets) {
  std::string json = R"({"username":"u","password":"p?>","serveraddress":"127.0.0.1:5000"})";
  for (std::string encoded : {absl::WebSafeBase64Escape(json), absl::Base64Escape(json)}) {
    auto c = DecodeRegistryAuth(encoded);
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_EQ(c->username, "u");
    EXPECT_EQ(c->password, "p?>");
  }
  EXPECT_TRUE(DecodeRegistryAuth("")->empty());
  EXPECT_TRUE(DecodeRegistryAuth(absl::Base64Escape("{}"))->empty());
  EXPECT_THAT(DecodeRegistryAuth("!!!").status().message(),
              HasSubstr("invalid X-Registry-Auth header"));
  EXPECT_FALSE(DecodeRegistryAuth(absl::Base64Escape("[1]")).ok());
}

TEST(AuthTest, ParsesChallenges) {
  auto c = ParseChallenge(
      R"(Bearer realm="https://auth.example/token",service="registry, the one",scope="repository:a/b:pull")");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->scheme, "bearer");
  EXPECT_EQ(c->params["realm"], "https://auth.example/token");
  EXPECT_EQ(c->params["service"], "registry, the one");
  EXPECT_EQ(c->params["scope"], "repository:a/b:pull");
  auto basic = ParseChallenge("Basic realm=basic-realm");
  ASSERT_TRUE(basic.ok());
  EXPECT_EQ(basic->scheme, "basic");
  EXPECT_EQ(basic->params["realm"], "basic-realm");
  EXPECT_FALSE(ParseChallenge("").ok());
  EXPECT_EQ(BasicAuthorization({"user", "pw"}), "Basic dXNlcjpwdw==");
}

std::string ImageManifest(const std::string& layer_type) {
  nlohmann::json j = {
      {"schemaVersion", 2},
      {"mediaType", kDockerManifest},
      {"config", {{"mediaType", kDockerConfig}, {"digest", kDigestA}, {"size", 10}}},
      {"layers", {{{"mediaType", layer_type}, {"digest", kDigestB}, {"size", 20}}}}};
  return j.dump();
}

TEST(ManifestTest, ParsesDockerAndOciManifests) {
  auto m = ParseManifest(ImageManifest(kDockerLayerGzip), kDockerManifest);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_FALSE(m->is_index);
  EXPECT_EQ(m->config.digest, kDigestA);
  ASSERT_EQ(m->layers.size(), 1u);
  EXPECT_EQ(m->layers[0].size, 20);
  Descriptor config{kOciConfig, kDigestA, 10};
  Descriptor layer{kOciLayerTar, kDigestB, 20};
  auto oci = ParseManifest(SerializeOciManifest(config, {layer}), "");
  ASSERT_TRUE(oci.ok()) << oci.status();
  EXPECT_EQ(oci->media_type, kOciManifest);
  EXPECT_EQ(oci->layers[0].media_type, kOciLayerTar);
}

TEST(ManifestTest, RefusesWhatWeCannotTrustOrUse) {
  EXPECT_THAT(ParseManifest(ImageManifest("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"),
                            "").status().message(),
              HasSubstr("unsupported layer media type"));
  EXPECT_THAT(ParseManifest(ImageManifest(kDockerLayerGzip), kOciManifest).status().message(),
              HasSubstr("does not match its Content-Type"));
  EXPECT_THAT(ParseManifest(R"({"schemaVersion":1,"name":"x"})",
                            "application/vnd.docker.distribution.manifest.v1+prettyjws")
                  .status()
                  .message(),
              HasSubstr("schema"));
  std::string bad_digest = ImageManifest(kDockerLayerGzip);
  bad_digest.replace(bad_digest.find(kDigestB), kDigestB.size(), "sha256:abc");
  EXPECT_THAT(ParseManifest(bad_digest, "").status().message(), HasSubstr("invalid digest"));
  nlohmann::json negative = nlohmann::json::parse(ImageManifest(kDockerLayerGzip));
  negative["layers"][0]["size"] = -1;
  EXPECT_FALSE(ParseManifest(negative.dump(), "").ok());
  nlohmann::json helm = nlohmann::json::parse(ImageManifest(kDockerLayerGzip));
  helm["config"]["mediaType"] = "application/vnd.cncf.helm.config.v1+json";
  EXPECT_THAT(ParseManifest(helm.dump(), "").status().message(),
              HasSubstr("not a container image"));
  EXPECT_FALSE(ParseManifest("not json", "").ok());
}

TEST(ManifestTest, IndexSelectsLinuxAmd64) {
  nlohmann::json index = {
      {"schemaVersion", 2},
      {"mediaType", kOciIndex},
      {"manifests",
       {{{"mediaType", kOciManifest}, {"digest", kDigestA}, {"size", 1},
         {"platform", {{"os", "linux"}, {"architecture", "arm64"}}}},
        {{"mediaType", kOciManifest}, {"digest", kDigestB}, {"size", 2},
         {"platform", {{"os", "linux"}, {"architecture", "amd64"}}}},
        {{"mediaType", kOciManifest}, {"digest", kDigestC}, {"size", 3},
         {"platform", {{"os", "windows"}, {"architecture", "amd64"}}}}}}};
  auto m = ParseManifest(index.dump(), kOciIndex);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_TRUE(m->is_index);
  auto picked = SelectPlatform(*m, "linux", "amd64");
  ASSERT_TRUE(picked.ok());
  EXPECT_EQ(picked->digest, kDigestB);
  auto none = SelectPlatform(*m, "linux", "s390x");
  EXPECT_TRUE(absl::IsNotFound(none.status()));
  EXPECT_THAT(none.status().message(), HasSubstr("no matching manifest for linux/s390x"));
}

}  // namespace
}  // namespace berth::imaged::registry
