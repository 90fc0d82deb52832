#include "services/runtimed/logs/json_log.h"

#include "gtest/gtest.h"

namespace berth::runtimed::logs {
namespace {

TEST(JsonLogTest, EncodesDockerJsonFileLine) {
  LogLine line{"stdout", "hi\n", 1795805949150585659};
  EXPECT_EQ(EncodeLine(line),
            "{\"log\":\"hi\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-27T18:59:09.150585659Z\"}\n");
}

TEST(JsonLogTest, TimeTrimsTrailingZerosLikeRfc3339Nano) {
  EXPECT_EQ(FormatRfc3339Nano(1795805949100000000), "2026-11-27T18:59:09.1Z");
  EXPECT_EQ(FormatRfc3339Nano(1795805949000000000), "2026-11-27T18:59:09Z");
  EXPECT_EQ(*ParseRfc3339Nano("2026-11-27T18:59:09.150585659Z"), 1795805949150585659);
}

TEST(JsonLogTest, DecodeRoundTripsEscapes) {
  LogLine line{"stderr", "tab\t\"quote\" \\ \x01 ü\n", 1795805949150585659};
  auto back = DecodeLine(EncodeLine(line));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, line);
}

TEST(JsonLogTest, InvalidUtf8IsReplacedNotFatal) {
  std::string encoded = EncodeLine(LogLine{"stdout", "a\xff" "b\n", 1});
  auto back = DecodeLine(encoded);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->data, "a\xEF\xBF\xBD" "b\n");
}

TEST(JsonLogTest, DecodeRejectsForeignLines) {
  EXPECT_FALSE(DecodeLine("not json").ok());
  EXPECT_FALSE(DecodeLine("{\"log\":\"x\"}").ok());
}

TEST(JsonLogTest, SplitChunkMakesOneEntryPerLine) {
  auto lines = SplitChunk("stdout", "a\nbb\ncc", 5);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].data, "a\n");
  EXPECT_EQ(lines[1].data, "bb\n");
  EXPECT_EQ(lines[2].data, "cc");
  EXPECT_EQ(lines[2].time_unix_nano, 5);
  EXPECT_TRUE(SplitChunk("stdout", "", 1).empty());
}

}  // namespace
}  // namespace berth::runtimed::logs
