#pragma once

// The fixture of the REST handler tests: the real router and handlers over
// fake backends, with a response writer that records what is sent.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "services/apid/rest/handlers.h"
#include "services/apid/rest/http_status.h"
#include "tests/unit/apid/fakes.h"

namespace berth::apid::rest {

inline const std::string kId(64, 'c');

// Records what a handler sends; the request body comes from a string.
class RecordingExchange : public BodyReader, public ResponseWriter {
 public:
  explicit RecordingExchange(std::string body) : body_(std::move(body)) {}

  absl::StatusOr<std::string> ReadAll(size_t limit) override {
    if (body_.size() > limit) return absl::InvalidArgumentError("too large");
    return std::exchange(body_, "");
  }
  absl::StatusOr<std::string> ReadSome(size_t max) override {
    std::string part = body_.substr(0, max);
    body_.erase(0, part.size());
    return part;
  }
  absl::Status Send(int status, const Headers& headers, std::string_view body) override {
    events.push_back("send " + std::to_string(status));
    this->status = status;
    this->headers = headers;
    this->body = std::string(body);
    return absl::OkStatus();
  }
  absl::Status BeginChunked(int status, const Headers&) override {
    events.push_back("begin " + std::to_string(status));
    this->status = status;
    return absl::OkStatus();
  }
  absl::Status WriteChunk(std::string_view data) override {
    events.push_back("chunk " + std::string(data));
    return absl::OkStatus();
  }
  absl::Status EndChunked() override {
    events.push_back("end");
    return absl::OkStatus();
  }
  absl::StatusOr<RawStream*> Hijack(const Headers&) override {
    return absl::UnimplementedError("not in this test");
  }
  std::unique_ptr<DisconnectWatch> WatchDisconnect(std::function<void()>) override {
    return std::make_unique<DisconnectWatch>();
  }
  bool started() const override { return status != 0; }

  std::vector<std::string> events;
  int status = 0;
  Headers headers;
  std::string body;

 private:
  std::string body_;
};

class RestHandlersTest : public ::testing::Test {
 protected:
  RestHandlersTest()
      : imaged_(log_),
        netd_(log_),
        runtimed_(log_),
        containers_(imaged_, netd_, runtimed_, [] { return kId; }),
        health_({}, nullptr),
        system_(HostFacts{}, "id", "/x", imaged_, runtimed_, health_),
        events_(runtimed_, imaged_),
        networks_(netd_, runtimed_),
        execs_(runtimed_),
        volumes_(runtimed_),
        deps_{containers_, system_, imaged_, "t", events_, networks_, &execs_, &volumes_} {
    deps_.images = &images_;
    v1::Image image;
    image.set_id("sha256:img");
    image.mutable_config()->add_cmd("sh");
    imaged_.images["busybox"] = image;
    RegisterAllRoutes(router_, deps_);
  }

  // Runs one request through the router as the server does (minus sockets).
  RecordingExchange Call(const std::string& method, const std::string& path,
                         const std::string& query = "", const std::string& body = "") {
    RecordingExchange ex(body);
    HttpRequest request;
    request.method = method;
    request.path = path;
    request.query = *Query::Parse(query);
    auto match = router_.Find(method, path);
    EXPECT_TRUE(match.has_value()) << method << " " << path;
    if (!match) return ex;
    request.params = match->params;
    HandlerContext ctx{request, ex, ex};
    absl::Status s = (*match->handler)(ctx);
    if (!s.ok() && !ex.started()) {
      ex.status = HttpStatusFor(s);
      ex.body = ErrorBody(std::string(s.message()));
    }
    return ex;
  }

  testing::CallLog log_;
  testing::FakeImaged imaged_;
  testing::FakeNetd netd_;
  testing::FakeRuntimed runtimed_;
  ContainerService containers_;
  HealthMonitor health_;
  SystemService system_;
  EventService events_;
  NetworkService networks_;
  ExecService execs_;
  VolumeService volumes_;
  RestDeps deps_;
  ImageService images_{imaged_};
  Router router_;
};

}  // namespace berth::apid::rest
