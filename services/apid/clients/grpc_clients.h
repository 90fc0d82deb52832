#pragma once

// The real clients: generated stubs over channels from common/grpc.

#include <memory>
#include <string>

#include <grpcpp/channel.h>

#include "services/apid/clients/clients.h"

namespace berth::apid {

std::unique_ptr<ImagedClient> NewGrpcImagedClient(std::shared_ptr<grpc::Channel> channel);
std::unique_ptr<NetdClient> NewGrpcNetdClient(std::shared_ptr<grpc::Channel> channel);
std::unique_ptr<RuntimedClient> NewGrpcRuntimedClient(std::shared_ptr<grpc::Channel> channel);

}  // namespace berth::apid
