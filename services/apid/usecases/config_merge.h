#pragma once

// Pure rules for turning what a user asked for into what runtimed records:
// image defaults merged like Docker does, and validation of the fields Berth
// cannot honour yet.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "berth/v1/types.pb.h"

namespace berth::apid {

// Merges the image's config into the request, like dockerd:
// - Entrypoint: the request's wins when given (a single "" resets it to none);
//   then the image's Cmd is dropped and only the request's Cmd is used.
//   Without a request Entrypoint, the image's is kept and Cmd is the request's
//   when given, else the image's.
// - Env: image env, then request env; the request wins per variable name
//   (replacing in place), new names are appended in request order.
// - WorkingDir, User, StopSignal: the request's when set, else the image's.
// - Labels: image labels overlaid with the request's. ExposedPorts: union.
// InvalidArgument "No command specified" when no entrypoint and no cmd remain.
absl::StatusOr<v1::ContainerConfig> MergeImageConfig(const v1::ImageConfig& image,
                                                     const v1::ContainerConfig& request);

// "", "default" and "bridge" → "bridge"; "none", "host" and
// "container:<name|id>" stay; anything else is a user network's name.
// InvalidArgument (Docker's text) for "container:" without a name.
absl::StatusOr<std::string> NormalizeNetworkMode(const std::string& mode);

// Docker's checks of the network options against the (normalized) network
// mode, with dockerd's texts (InvalidArgument): container: mode takes no
// hostname, links, dns, extra hosts, ports or exposed ports; container: and
// host take no MAC; no links with none; --dns must be IP
// addresses. Returns the warnings dockerd gives (ports with host mode).
absl::StatusOr<std::vector<std::string>> CheckNetworkOptions(const v1::ContainerConfig& request,
                                                             const std::string& mode);

// Docker's container name rule: optional leading "/", then
// [a-zA-Z0-9][a-zA-Z0-9_.-]+. Returns the name without the slash; "" stays ""
// (runtimed generates one). InvalidArgument with Docker's text otherwise.
absl::StatusOr<std::string> NormalizeContainerName(const std::string& name);

// The hostname a container gets: its configured one, else the 12-char short id.
std::string EffectiveHostname(const v1::ContainerConfig& config, const std::string& id);

}  // namespace berth::apid
