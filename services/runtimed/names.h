// Container names: validation (Docker's rule) and generated names
// ("adjective_surname", like Docker's).
#pragma once

#include <functional>
#include <string>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::runtimed {

// Strips one leading "/" and checks [a-zA-Z0-9][a-zA-Z0-9_.-]+. InvalidArgument
// with Docker's text otherwise. Returns the name without the "/".
absl::StatusOr<std::string> ValidateName(const std::string& name);

// dockerd's conflict (AlreadyExists): `Conflict. The container name "/<name>"
// is already in use by container "<holder_id>". You have to remove (or
// rename) that container to be able to reuse that name.`
absl::Status NameInUseError(const std::string& name, const std::string& holder_id);

// A random "adjective_surname" for which `taken` is false; after a few
// collisions a digit is appended, as Docker does.
std::string GenerateName(absl::BitGen& gen, const std::function<bool(const std::string&)>& taken);

}  // namespace berth::runtimed
