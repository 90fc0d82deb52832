#include "common/status/status.h"

#include <cerrno>

#include "gtest/gtest.h"

namespace berth {
namespace {

TEST(ErrnoToStatus, MapsCodesAndKeepsContext) {
  EXPECT_EQ(ErrnoToStatus(ENOENT, "open 'x'").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrnoToStatus(EEXIST, "x").code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrnoToStatus(EPERM, "x").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrnoToStatus(EBUSY, "x").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrnoToStatus(ENOSPC, "x").code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrnoToStatus(EIO, "x").code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ErrnoToStatus(ENOENT, "open 'x'").message(), "open 'x': No such file or directory");
}

absl::StatusOr<int> Half(int v) {
  if (v % 2) return absl::InvalidArgumentError("odd");
  return v / 2;
}

absl::Status UseMacros(int v, int* out) {
  BERTH_ASSIGN_OR_RETURN(int h, Half(v));
  BERTH_RETURN_IF_ERROR(h > 10 ? absl::OutOfRangeError("big") : absl::OkStatus());
  *out = h;
  return absl::OkStatus();
}

TEST(StatusMacros, PropagateErrors) {
  int out = 0;
  EXPECT_TRUE(UseMacros(4, &out).ok());
  EXPECT_EQ(out, 2);
  EXPECT_EQ(UseMacros(3, &out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(UseMacros(40, &out).code(), absl::StatusCode::kOutOfRange);
}

TEST(Annotate, PrefixesMessageKeepsCode) {
  absl::Status s = Annotate(absl::NotFoundError("gone"), "start 'abc'");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "start 'abc': gone");
  EXPECT_TRUE(Annotate(absl::OkStatus(), "x").ok());
}

}  // namespace
}  // namespace berth
