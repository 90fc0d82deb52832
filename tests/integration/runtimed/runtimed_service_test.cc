// Root tests of the gRPC adapter in-process: a RuntimedService on a unix
// socket, driven through the generated stub the way apid drives it.
#include <grpcpp/grpcpp.h>

#include "berth/v1/runtimed.grpc.pb.h"
#include "container_fixture.h"
#include "services/runtimed/runtimed_service.h"

namespace berth::runtimed::testing {
namespace {

class RuntimedServiceTest : public ContainerTest {
 protected:
  void SetUp() override {
    ContainerTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    service_ = std::make_unique<RuntimedService>(*manager_);
    grpc::ServerBuilder builder;
    std::string address = "unix://" + dir_ + "/runtimed.sock";
    builder.AddListeningPort(address, grpc::InsecureServerCredentials());
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::RuntimeService::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
    server_.reset();
    ContainerTest::TearDown();
  }

  using AttachCall = grpc::ClientReaderWriter<v1::AttachInput, v1::AttachOutput>;

  // Opens an attach call on `container` and reads its `attached` reply.
  std::unique_ptr<AttachCall> OpenAttach(grpc::ClientContext* context,
                                         const std::string& container, bool with_stdin) {
    auto attach = stub_->AttachContainer(context);
    v1::AttachInput open;
    open.mutable_open()->set_container(container);
    open.mutable_open()->set_stdin(with_stdin);
    open.mutable_open()->set_stdout(true);
    open.mutable_open()->set_stderr(true);
    EXPECT_TRUE(attach->Write(open));
    v1::AttachOutput out;
    EXPECT_TRUE(attach->Read(&out));
    EXPECT_TRUE(out.attached());
    return attach;
  }

  std::unique_ptr<RuntimedService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::RuntimeService::Stub> stub_;
};

TEST_F(RuntimedServiceTest, RunWithStdinLikeDockerRunInteractive) {
  RunOptions options;
  options.open_stdin = true;
  v1::Container c = Create({"sh", "-c", "cat; echo done-after-eof; exit 3"}, options);

  // wait(next-exit) first: its `registered` arrives before start is sent.
  grpc::ClientContext wait_context;
  v1::WaitContainerRequest wait_request;
  wait_request.set_container(c.name());
  wait_request.set_condition(v1::WAIT_CONDITION_NEXT_EXIT);
  auto wait = stub_->WaitContainer(&wait_context, wait_request);
  v1::WaitEvent event;
  ASSERT_TRUE(wait->Read(&event));
  EXPECT_TRUE(event.registered());

  // attach with stdin, written and half-closed before start.
  grpc::ClientContext attach_context;
  auto attach = OpenAttach(&attach_context, c.id().substr(0, 12), /*with_stdin=*/true);
  v1::AttachOutput out;
  v1::AttachInput input;
  input.set_stdin("line1\nline2\n");
  ASSERT_TRUE(attach->Write(input));
  ASSERT_TRUE(attach->WritesDone());

  grpc::ClientContext start_context;
  v1::StartContainerRequest start;
  start.set_container(c.id());
  v1::StartContainerResponse started;
  ASSERT_TRUE(stub_->StartContainer(&start_context, start, &started).ok());
  EXPECT_FALSE(started.already_running());
  EXPECT_EQ(started.container().state().status(), v1::CONTAINER_STATUS_RUNNING);

  std::string output;
  while (attach->Read(&out)) output += out.output().data();
  EXPECT_EQ(output, "line1\nline2\ndone-after-eof\n");
  EXPECT_TRUE(attach->Finish().ok());  // the client half-closed: a clean end

  ASSERT_TRUE(wait->Read(&event));
  EXPECT_EQ(event.exit().exit_code(), 3);
  EXPECT_TRUE(wait->Finish().ok());

  grpc::ClientContext again_context;
  ASSERT_TRUE(stub_->StartContainer(&again_context, start, &started).ok());
  EXPECT_FALSE(started.already_running());  // exited containers start again
}

TEST_F(RuntimedServiceTest, AttachSaysEndedSoAnOpenClientCanEndCleanly) {
  v1::Container c = Create({"sh", "-c", "echo out; echo err >&2"}, RunOptions{});
  grpc::ClientContext attach_context;
  auto attach = OpenAttach(&attach_context, c.id(), /*with_stdin=*/false);
  v1::AttachOutput out;

  grpc::ClientContext start_context;
  v1::StartContainerRequest start;
  start.set_container(c.id());
  v1::StartContainerResponse started;
  ASSERT_TRUE(stub_->StartContainer(&start_context, start, &started).ok());

  // The input side stays open until the server says the output is over.
  std::string stdout_data, stderr_data;
  bool ended = false;
  while (!ended && attach->Read(&out)) {
    if (out.has_output()) {
      (out.output().stream() == v1::STD_STREAM_STDERR ? stderr_data : stdout_data) +=
          out.output().data();
    }
    ended = out.ended();
  }
  ASSERT_TRUE(ended);
  EXPECT_EQ(stdout_data, "out\n");
  EXPECT_EQ(stderr_data, "err\n");
  ASSERT_TRUE(attach->WritesDone());
  EXPECT_FALSE(attach->Read(&out));
  grpc::Status status = attach->Finish();
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
}

TEST_F(RuntimedServiceTest, ErrorsMapToGrpcCodes) {
  grpc::ClientContext inspect_context;
  v1::InspectContainerRequest inspect;
  inspect.set_container("nope");
  v1::Container record;
  grpc::Status status = stub_->InspectContainer(&inspect_context, inspect, &record);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "No such container: nope");

  v1::Container c = Create({"no-such-cmd"});
  grpc::ClientContext start_context;
  v1::StartContainerRequest start;
  start.set_container(c.id());
  v1::StartContainerResponse started;
  status = stub_->StartContainer(&start_context, start, &started);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "exec: \"no-such-cmd\": executable file not found in $PATH");

  grpc::ClientContext kill_context;
  v1::KillContainerRequest kill;
  kill.set_container(c.id());
  v1::KillContainerResponse killed;
  status = stub_->KillContainer(&kill_context, kill, &killed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(), "Container " + c.id() + " is not running");
}

TEST_F(RuntimedServiceTest, ListAndLogsOverGrpc) {
  v1::Container c = Create({"echo", "hi"});
  ASSERT_TRUE(manager_->StartContainer(StartRequest{c.id(), {}, "", ""}).ok());
  EXPECT_EQ(WaitExit(c.id()), 0);

  grpc::ClientContext list_context;
  v1::ListContainersRequest list;
  v1::ListContainersResponse listed;
  ASSERT_TRUE(stub_->ListContainers(&list_context, list, &listed).ok());
  EXPECT_EQ(listed.containers_size(), 0);  // not running
  list.set_all(true);
  grpc::ClientContext all_context;
  ASSERT_TRUE(stub_->ListContainers(&all_context, list, &listed).ok());
  ASSERT_EQ(listed.containers_size(), 1);
  EXPECT_EQ(listed.containers(0).state().exit_code(), 0);

  grpc::ClientContext logs_context;
  v1::ContainerLogsRequest logs;
  logs.set_container(c.id());
  logs.set_tail(-1);
  auto reader = stub_->ContainerLogs(&logs_context, logs);
  v1::LogBatch batch;
  ASSERT_TRUE(reader->Read(&batch));
  ASSERT_EQ(batch.entries_size(), 1);
  const v1::LogEntry& entry = batch.entries(0);
  EXPECT_EQ(entry.data(), "hi\n");
  EXPECT_EQ(entry.stream(), v1::STD_STREAM_STDOUT);
  EXPECT_GT(entry.time().seconds(), 0);
  EXPECT_FALSE(reader->Read(&batch));
  EXPECT_TRUE(reader->Finish().ok());
}

}  // namespace
}  // namespace berth::runtimed::testing
