#include "services/apid/rest/frames.h"

#include <gtest/gtest.h>

namespace berth::apid::rest {
namespace {

TEST(EncodeFrameTest, MatchesTheCapturedBytes) {
  // From run-rm-hex.log: stderr "oops\n" and stdout "hi\n".
  EXPECT_EQ(EncodeFrame(v1::STD_STREAM_STDERR, "oops\n"),
            std::string("\x02\x00\x00\x00\x00\x00\x00\x05oops\n", 13));
  EXPECT_EQ(EncodeFrame(v1::STD_STREAM_STDOUT, "hi\n"),
            std::string("\x01\x00\x00\x00\x00\x00\x00\x03hi\n", 11));
}

TEST(EncodeFrameTest, LengthIsBigEndian) {
  std::string payload(0x010203, 'x');
  std::string frame = EncodeFrame(v1::STD_STREAM_STDOUT, payload);
  EXPECT_EQ(frame.substr(4, 4), std::string("\x00\x01\x02\x03", 4));
  EXPECT_EQ(frame.size(), 8 + payload.size());
}

TEST(EncodeOutputTest, TtyIsRawAndTimestampsArePrefixed) {
  v1::LogEntry e;
  e.set_stream(v1::STD_STREAM_STDOUT);
  e.set_data("a\n");
  e.mutable_time()->set_seconds(1795801862);
  e.mutable_time()->set_nanos(29651000);
  EXPECT_EQ(EncodeOutput(e, true, false), "a\n");
  EXPECT_EQ(EncodeOutput(e, true, true), "2026-11-27T17:51:02.029651000Z a\n");
  std::string framed = EncodeOutput(e, false, true);
  EXPECT_EQ(framed[0], '\x01');
  EXPECT_EQ(framed.substr(8), "2026-11-27T17:51:02.029651000Z a\n");
}

TEST(FormatRfc3339NanoTest, TrimsFractionAndKnowsTheZeroTime) {
  EXPECT_EQ(FormatRfc3339Nano(0, 0), "0001-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Nano(1795800647, 314916439), "2026-11-27T17:30:47.314916439Z");
  EXPECT_EQ(FormatRfc3339Nano(1795800647, 500000000), "2026-11-27T17:30:47.5Z");
  EXPECT_EQ(FormatRfc3339Nano(1795800647, 0), "2026-11-27T17:30:47Z");
}

}  // namespace
}  // namespace berth::apid::rest
