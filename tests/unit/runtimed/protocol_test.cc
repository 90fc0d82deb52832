#include "services/runtimed/shim/protocol.h"

#include "gtest/gtest.h"

namespace berth::runtimed::shim {
namespace {

TEST(ProtocolTest, FrameHeaderIsTypeAndBigEndianLength) {
  std::string frame = EncodeFrame(kFrameStderr, "oops\n");
  EXPECT_EQ(frame, std::string("\x02\x00\x00\x00\x05oops\n", 10));
}

TEST(ProtocolTest, DecoderHandlesSplitAndConcatenatedFrames) {
  std::string bytes = EncodeFrame(kFrameStdout, "hello") + EncodeFrame(kFrameCloseStdin, "") +
                      EncodeResizeFrame(33, 111);
  FrameDecoder decoder;
  std::vector<Frame> frames;
  for (char c : bytes) {  // one byte at a time: the worst split
    decoder.Feed(&c, 1);
    while (true) {
      auto next = decoder.Next();
      ASSERT_TRUE(next.ok());
      if (!next->has_value()) break;
      frames.push_back(**next);
    }
  }
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].type, kFrameStdout);
  EXPECT_EQ(frames[0].payload, "hello");
  EXPECT_EQ(frames[1].type, kFrameCloseStdin);
  EXPECT_EQ(frames[2].type, kFrameResize);
  auto size = DecodeResize(frames[2].payload);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(size->first, 33u);
  EXPECT_EQ(size->second, 111u);
}

TEST(ProtocolTest, DecoderRejectsBadFrames) {
  FrameDecoder unknown;
  unknown.Feed("\x09\x00\x00\x00\x00", 5);
  EXPECT_FALSE(unknown.Next().ok());
  FrameDecoder huge;
  huge.Feed("\x01\x7f\x00\x00\x00", 5);
  EXPECT_FALSE(huge.Next().ok());
  EXPECT_FALSE(DecodeResize("1234").ok());
}

TEST(ProtocolTest, RequestsRoundTrip) {
  EXPECT_EQ(FormatRequest("ATTACH", {"1", "1", "0"}), "v1 ATTACH 1 1 0\n");
  auto request = ParseRequest("v1 ATTACH 1 1 0");
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->command, "ATTACH");
  EXPECT_EQ(request->args, (std::vector<std::string>{"1", "1", "0"}));
  EXPECT_TRUE(ParseRequest("v1 WAIT").ok());
}

TEST(ProtocolTest, RequestsRejectVersionCommandAndArity) {
  EXPECT_FALSE(ParseRequest("v2 START").ok());
  EXPECT_FALSE(ParseRequest("START").ok());
  EXPECT_FALSE(ParseRequest("v1 FLY").ok());
  EXPECT_FALSE(ParseRequest("v1 KILL").ok());
  EXPECT_FALSE(ParseRequest("v1 RESIZE 1").ok());
}

TEST(ProtocolTest, RepliesKeepExecutorText) {
  EXPECT_EQ(*ParseReply("OK"), "");
  EXPECT_EQ(*ParseReply("OK 42"), "42");
  auto exec = ParseReply("ERR exec: \"x\": executable file not found in $PATH");
  EXPECT_EQ(exec.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(exec.status().message(), "exec: \"x\": executable file not found in $PATH");
  EXPECT_EQ(ParseReply("ERR container is not running").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ParseReply("garbage").status().code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace berth::runtimed::shim
