#include "services/imaged/metadata/changes.h"

#include <gtest/gtest.h>

#include "services/imaged/metadata/image_config.h"

namespace berth::imaged::metadata {
namespace {

using Strings = std::vector<std::string>;

TEST(ChangesTest, EmptyChangesKeepEmptyConfig) {
  ImageConfig c;
  ASSERT_TRUE(ApplyChanges({}, c).ok());
  ASSERT_TRUE(ApplyChanges({"", "   "}, c).ok());
  EXPECT_EQ(c, ImageConfig{});
}

TEST(ChangesTest, CmdAndEntrypointForms) {
  ImageConfig c;
  ASSERT_TRUE(ApplyChanges({R"(CMD ["sh", "-c", "echo hi"])"}, c).ok());
  EXPECT_EQ(c.cmd, (Strings{"sh", "-c", "echo hi"}));
  ASSERT_TRUE(ApplyChanges({"cmd echo $HOME"}, c).ok());
  EXPECT_EQ(c.cmd, (Strings{"/bin/sh", "-c", "echo $HOME"}));
  // Not a JSON array of strings: shell form, as Docker does.
  ASSERT_TRUE(ApplyChanges({"CMD [1, 2]"}, c).ok());
  EXPECT_EQ(c.cmd, (Strings{"/bin/sh", "-c", "[1, 2]"}));
}

TEST(ChangesTest, EntrypointClearsInheritedCmdUnlessSetBefore) {
  ImageConfig c;
  c.cmd = {"old"};
  ASSERT_TRUE(ApplyChanges({R"(ENTRYPOINT ["/app"])"}, c).ok());
  EXPECT_EQ(c.entrypoint, (Strings{"/app"}));
  EXPECT_TRUE(c.cmd.empty());
  ASSERT_TRUE(ApplyChanges({R"(CMD ["x"])", R"(ENTRYPOINT ["/app2"])"}, c).ok());
  EXPECT_EQ(c.cmd, (Strings{"x"}));
  EXPECT_EQ(c.entrypoint, (Strings{"/app2"}));
}

TEST(ChangesTest, EnvAndLabels) {
  ImageConfig c;
  ASSERT_TRUE(ApplyChanges({R"(ENV A=1 B="two words" C=a\ b)", "ENV LEGACY some value here",
                            "ENV A=3", R"(LABEL "com.x"=y z='q r')"},
                           c)
                  .ok());
  EXPECT_EQ(c.env, (Strings{"A=3", "B=two words", "C=a b", "LEGACY=some value here"}));
  EXPECT_EQ(c.labels.at("com.x"), "y");
  EXPECT_EQ(c.labels.at("z"), "q r");
}

TEST(ChangesTest, ExposeWorkdirUserStopSignal) {
  ImageConfig c;
  ASSERT_TRUE(ApplyChanges({"EXPOSE 80 53/udp 8000-8001/TCP", "WORKDIR /srv", "WORKDIR app",
                            "USER nobody:nogroup", "STOPSIGNAL SIGINT"},
                           c)
                  .ok());
  EXPECT_EQ(c.exposed_ports, (Strings{"53/udp", "80/tcp", "8000/tcp", "8001/tcp"}));
  EXPECT_EQ(c.working_dir, "/srv/app");
  EXPECT_EQ(c.user, "nobody:nogroup");
  EXPECT_EQ(c.stop_signal, "SIGINT");
}

TEST(ChangesTest, VolumeTakesWordsOrJsonAndKeepsPathsSortedAndUnique) {
  ImageConfig c;
  ASSERT_TRUE(ApplyChanges({"VOLUME /data /cache", "VOLUME [\"/logs\", \"/data\"]"}, c).ok());
  EXPECT_EQ(c.volumes, (Strings{"/cache", "/data", "/logs"}));
}

TEST(ChangesTest, ErrorsLeaveConfigUntouched) {
  ImageConfig c;
  c.cmd = {"keep"};
  for (const std::string& bad : std::vector<std::string>{"RUN echo", "VOLUME data", "VOLUME", "EXPOSE 0", "EXPOSE 70000", "EXPOSE 80/xyz", "EXPOSE 9-8",
        "ENV", "ENV =x", "ENV A=\"unterminated", "USER", "USER a b", "CMD", "FROM scratch"}) {
    absl::Status s = ApplyChanges({"ENV SET=1", bad}, c);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(c.cmd, (Strings{"keep"}));
  EXPECT_TRUE(c.env.empty());
}

TEST(ImageConfigTest, SerializeIsStableAndRoundTrips) {
  OciImage image;
  image.created = absl::FromUnixNanos(1700000000123456789);
  image.comment = "Imported from -";
  image.config.cmd = {"sh"};
  image.config.exposed_ports = {"80/tcp"};
  image.config.labels = {{"a", "b"}};
  image.config.volumes = {"/data"};
  image.diff_ids = {"sha256:" + std::string(64, 'a')};
  image.history.push_back({image.created, "", "Imported from -", false});
  std::string json = SerializeOciImage(image);
  EXPECT_EQ(json, SerializeOciImage(image));
  EXPECT_NE(json.find(R"("created":"2023-11-14T22:13:20.123456789Z")"), std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("rootfs":{"diff_ids":[)"), std::string::npos) << json;
  auto parsed = ParseOciImage(json);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config, image.config);
  EXPECT_EQ(parsed->created, image.created);
  EXPECT_EQ(parsed->diff_ids, image.diff_ids);
  EXPECT_EQ(parsed->architecture, "amd64");
  EXPECT_EQ(parsed->os, "linux");
  EXPECT_EQ(SerializeOciImage(*parsed), json);
}

TEST(ImageConfigTest, EmptyConfigIsAnEmptyObject) {
  OciImage image;
  std::string json = SerializeOciImage(image);
  EXPECT_NE(json.find(R"("config":{})"), std::string::npos) << json;
}

TEST(ImageConfigTest, ParseRejectsGarbage) {
  EXPECT_EQ(ParseOciImage("{").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseOciImage("[]").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseOciImage(R"({"config":{"Cmd":5}})").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth::imaged::metadata
