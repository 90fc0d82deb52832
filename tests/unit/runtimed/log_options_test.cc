#include "services/runtimed/spec/log_options.h"

#include "gtest/gtest.h"

namespace berth::runtimed::spec {
namespace {

v1::LogConfig Config(const std::string& type, std::map<std::string, std::string> options) {
  v1::LogConfig c;
  c.set_type(type);
  for (const auto& [k, v] : options) (*c.mutable_options())[k] = v;
  return c;
}

std::string Error(const v1::LogConfig& c) {
  auto r = BuildLogRotation(c);
  return r.ok() ? "ok" : std::string(r.status().message());
}

TEST(LogOptionsTest, DefaultIsOneUnboundedFile) {
  auto policy = BuildLogRotation(v1::LogConfig());
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ(*policy, (logs::RotationPolicy{0, 1}));
  EXPECT_TRUE(BuildLogRotation(Config("json-file", {})).ok());
}

TEST(LogOptionsTest, MaxSizeAndMaxFileBecomeTheRotation) {
  auto policy = BuildLogRotation(Config("json-file", {{"max-size", "10k"}, {"max-file", "3"}}));
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(*policy, (logs::RotationPolicy{10240, 3}));
  policy = BuildLogRotation(Config("", {{"max-size", "1m"}}));
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ(*policy, (logs::RotationPolicy{1 << 20, 1}));
}

TEST(LogOptionsTest, RefusesWithDockersTexts) {
  EXPECT_EQ(Error(Config("json-file", {{"max-size", "10x"}})), "invalid size: '10x'");
  EXPECT_EQ(Error(Config("json-file", {{"max-size", "1m"}, {"max-file", "0"}})),
            "max-file cannot be less than 1");
  EXPECT_EQ(Error(Config("json-file", {{"max-size", "1m"}, {"max-file", "x"}})),
            "strconv.Atoi: parsing \"x\": invalid syntax");
  EXPECT_EQ(Error(Config("json-file", {{"max-file", "3"}})),
            "max-file cannot be greater than 1 without max-size");
  EXPECT_EQ(Error(Config("json-file", {{"max-sise", "1m"}})),
            "unknown log opt 'max-sise' for json-file log driver");
  EXPECT_EQ(Error(Config("json-file", {{"compress", "true"}})),
            "log opt 'compress' of the json-file driver is not supported by Berth yet");
  EXPECT_EQ(Error(Config("syslog", {})),
            "logging driver \"syslog\" is not supported: Berth writes json-file logs");
}

}  // namespace
}  // namespace berth::runtimed::spec
