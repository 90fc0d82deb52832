// The ShimRuntime conformance suite against FakeShimRuntime (no root). The
// same body runs against berth-shim in tests/integration/runtimed.
#include "common/time/fake_clock.h"
#include "services/runtimed/testing/fake_shim_runtime.h"
#include "services/runtimed/testing/shim_runtime_conformance.h"

namespace berth::runtimed::testing {
namespace {

class FakeEnv final : public ShimRuntimeEnv {
 public:
  FakeEnv()
      : clock_(std::make_shared<FakeClock>()), fake_(std::make_shared<FakeShimRuntime>(clock_)) {}

  std::string Prepare(const std::string& id, Program program) override {
    switch (program) {
      case Program::kExit3:
        fake_->ScriptRun(id, {"", 3});
        break;
      case Program::kEchoHello:
        fake_->ScriptRun(id, {"hello\n", 0});
        break;
      case Program::kIgnoresTerm:
        fake_->IgnoreSignal(id, SIGTERM);
        break;
      case Program::kExitsOnTerm:
        break;  // the fake's default: a signal ends it with 128 + signo
      case Program::kMissingExecutable:
        fake_->FailLaunch(id, absl::InvalidArgumentError(
                                  "exec: \"/nope\": no such file or directory"));
        break;
    }
    return "/fake/" + id + "/config.json";
  }
  ShimRuntime& runtime() override { return *fake_; }
  // The fake's shims are its state, as real shims are processes: the "new
  // runtime" is the same object, which is the point of the check.
  void Reopen() override {}

 private:
  std::shared_ptr<FakeClock> clock_;
  std::shared_ptr<FakeShimRuntime> fake_;
};

INSTANTIATE_TEST_SUITE_P(Fake, ShimRuntimeConformance,
                         ::testing::Values(ConformanceEnv{
                             "Fake", [] { return std::make_unique<FakeEnv>(); }}),
                         EnvName);

}  // namespace
}  // namespace berth::runtimed::testing
