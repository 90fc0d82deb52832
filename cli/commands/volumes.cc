// `berth volume create|ls|inspect|rm|prune`: the docker CLI's volume verbs
// over apid's gRPC volume calls.

#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/commands/client.h"
#include "cli/commands/commands.h"
#include "cli/format.h"

namespace berth::cli {
namespace {

// "key=value" flags into a map; a bare key maps to "".
void AddPairs(const std::vector<std::string>& pairs,
              google::protobuf::Map<std::string, std::string>* out) {
  for (const std::string& p : pairs) {
    size_t eq = p.find('=');
    (*out)[p.substr(0, eq)] = eq == std::string::npos ? "" : p.substr(eq + 1);
  }
}

// docker's -f/--filter KEY=VALUE list into the API's filters; false (with
// the error printed) for an unknown key.
bool ToFilters(const std::vector<std::string>& filters, berth::v1::VolumeFilters* out) {
  for (const std::string& f : filters) {
    size_t eq = f.find('=');
    std::string key = f.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : f.substr(eq + 1);
    if (key == "name") {
      out->add_name(value);
    } else if (key == "label") {
      out->add_label(value);
    } else if (key == "driver") {
      out->add_driver(value);
    } else if (key == "dangling") {
      out->set_dangling(value);
    } else {
      std::cerr << "Error response from daemon: invalid filter '" << key << "'" << std::endl;
      return false;
    }
  }
  return true;
}


}  // namespace

int RunVolumeCreate(const GlobalOptions& global, const VolumeCreateOptions& options) {
  ApiClient client(global.host);
  berth::v1::CreateVolumeRequest request;
  request.set_name(options.name);
  request.set_driver(options.driver);
  AddPairs(options.driver_opts, request.mutable_driver_opts());
  AddPairs(options.labels, request.mutable_labels());
  berth::v1::Volume volume;
  auto context = client.UnaryContext();
  grpc::Status status = client.stub().CreateVolume(context.get(), request, &volume);
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  std::cout << volume.name() << std::endl;
  return kExitOk;
}

int RunVolumeLs(const GlobalOptions& global, const VolumeLsOptions& options) {
  ApiClient client(global.host);
  berth::v1::ListVolumesRequest request;
  if (!ToFilters(options.filters, request.mutable_filters())) return kExitError;
  berth::v1::ListVolumesResponse response;
  auto context = client.UnaryContext();
  grpc::Status status = client.stub().ListVolumes(context.get(), request, &response);
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  if (options.quiet) {
    for (const auto& v : response.volumes()) std::cout << v.name() << "\n";
    std::cout << std::flush;
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {{"DRIVER", "VOLUME NAME"}};
  for (const auto& v : response.volumes()) rows.push_back({v.driver(), v.name()});
  std::cout << FormatTable(rows) << std::flush;
  return kExitOk;
}

int RunVolumeInspect(const GlobalOptions& global, const std::vector<std::string>& names) {
  ApiClient client(global.host);
  int exit_code = kExitOk;
  std::vector<std::string> documents;
  for (const std::string& name : names) {
    berth::v1::InspectVolumeRequest request;
    request.set_name(name);
    berth::v1::Volume volume;
    auto context = client.UnaryContext();
    grpc::Status status = client.stub().InspectVolume(context.get(), request, &volume);
    if (status.ok()) {
      documents.push_back(ToPrettyJson(volume));
    } else {
      client.PrintError(status);
      exit_code = kExitError;
    }
  }
  std::cout << "[";
  for (size_t i = 0; i < documents.size(); ++i) {
    std::cout << (i == 0 ? "\n" : ",\n") << ReindentJson(documents[i], 4, 4);
  }
  std::cout << (documents.empty() ? "]" : "\n]") << std::endl;
  return exit_code;
}

int RunVolumeRm(const GlobalOptions& global, const std::vector<std::string>& names, bool force) {
  ApiClient client(global.host);
  int exit_code = kExitOk;
  for (const std::string& name : names) {
    berth::v1::RemoveVolumeRequest request;
    request.set_name(name);
    request.set_force(force);
    berth::v1::RemoveVolumeResponse response;
    auto context = client.UnaryContext();
    grpc::Status status = client.stub().RemoveVolume(context.get(), request, &response);
    if (status.ok()) {
      std::cout << name << std::endl;
    } else {
      client.PrintError(status);
      exit_code = kExitError;
    }
  }
  return exit_code;
}

int RunVolumePrune(const GlobalOptions& global, const std::vector<std::string>& filters) {
  ApiClient client(global.host);
  berth::v1::PruneVolumesRequest request;
  if (!ToFilters(filters, request.mutable_filters())) return kExitError;
  berth::v1::PruneVolumesResponse response;
  auto context = client.UnaryContext(std::chrono::seconds(120));
  grpc::Status status = client.stub().PruneVolumes(context.get(), request, &response);
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  if (response.deleted_size() > 0) {
    std::cout << "Deleted Volumes:\n";
    for (const auto& name : response.deleted()) std::cout << name << "\n";
    std::cout << "\n";
  }
  std::cout << "Total reclaimed space: " << HumanSize(response.space_reclaimed()) << std::endl;
  return kExitOk;
}

}  // namespace berth::cli
