#include "services/apid/rest/http_status.h"

#include <gtest/gtest.h>

#include "services/apid/rest/handlers.h"

namespace berth::apid::rest {
namespace {

TEST(HttpStatusForTest, StyleTable) {
  EXPECT_EQ(HttpStatusFor(absl::InvalidArgumentError("x")), 400);
  EXPECT_EQ(HttpStatusFor(absl::NotFoundError("x")), 404);
  EXPECT_EQ(HttpStatusFor(absl::AlreadyExistsError("x")), 409);
  EXPECT_EQ(HttpStatusFor(absl::FailedPreconditionError("x")), 409);
  EXPECT_EQ(HttpStatusFor(absl::PermissionDeniedError("x")), 403);
  EXPECT_EQ(HttpStatusFor(absl::UnauthenticatedError("x")), 401);
  EXPECT_EQ(HttpStatusFor(absl::UnimplementedError("x")), 501);
  EXPECT_EQ(HttpStatusFor(absl::UnavailableError("x")), 503);
  EXPECT_EQ(HttpStatusFor(absl::InternalError("x")), 500);
  EXPECT_EQ(HttpStatusFor(absl::DeadlineExceededError("x")), 500);
  EXPECT_EQ(HttpStatusFor(absl::ResourceExhaustedError("x")), 500);
}

TEST(StartErrorHttpStatusTest, StartFailuresAre400SoTheCliPicksItsExitCode) {
  EXPECT_EQ(StartErrorHttpStatus(absl::InvalidArgumentError("executable file not found")), 400);
  EXPECT_EQ(StartErrorHttpStatus(absl::InternalError("exec: permission denied")), 400);
  EXPECT_EQ(StartErrorHttpStatus(absl::NotFoundError("No such container: x")), 404);
  EXPECT_EQ(StartErrorHttpStatus(absl::UnavailableError("runtimed down")), 503);
}

TEST(ErrorBodyTest, DockerShapeWithEscaping) {
  EXPECT_EQ(ErrorBody("No such container: nope"), "{\"message\":\"No such container: nope\"}\n");
  EXPECT_EQ(ErrorBody("exec: \"x\""), "{\"message\":\"exec: \\\"x\\\"\"}\n");
}

}  // namespace
}  // namespace berth::apid::rest
