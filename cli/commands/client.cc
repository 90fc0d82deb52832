#include "cli/commands/client.h"

#include <unistd.h>

#include <cerrno>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "cli/format.h"
#include "common/grpc/channel.h"
#include "common/grpc/grpc_status.h"
#include "common/time/proto_time.h"
#include "google/protobuf/util/json_util.h"

namespace berth::cli {

ApiClient::ApiClient(std::string host)
    : host_(std::move(host)),
      channel_(MakeChannel(GrpcTarget(host_))),
      stub_(berth::v1::Berth::NewStub(channel_)) {}

std::unique_ptr<grpc::ClientContext> ApiClient::UnaryContext(
    std::chrono::milliseconds timeout) const {
  auto context = std::make_unique<grpc::ClientContext>();
  SetDeadline(*context, timeout);
  return context;
}

std::string ApiClient::Describe(const grpc::Status& status) {
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      channel_->GetState(/*try_to_connect=*/false) != GRPC_CHANNEL_READY) {
    return absl::StrCat("Cannot connect to the Berth daemon at ", host_, ". Is apid running?");
  }
  std::string message = status.error_message();
  if (message.empty()) {
    // e.g. UNIMPLEMENTED from a server without this RPC: the code is all we have.
    message = absl::StatusCodeToString(FromGrpcStatus(status).code());
  }
  return absl::StrCat("Error response from daemon: ", message);
}

void ApiClient::PrintError(const grpc::Status& status, const std::string& prefix) {
  std::cout.flush();
  std::cerr << prefix << Describe(status) << std::endl;
}

std::string ToPrettyJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) return "{\"error\": \"" + std::string(status.message()) + "\"}";
  while (!json.empty() && json.back() == '\n') json.pop_back();
  return json;
}

absl::Time ToAbslTime(const google::protobuf::Timestamp& ts) {
  return FromTimestamp(ts);
}

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace berth::cli
