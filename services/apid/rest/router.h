#pragma once

// Maps (method, path) to a handler. Patterns are segment lists: literals,
// "{name}" (one segment) and "{name*}" (one or more segments, for image names
// with slashes such as "127.0.0.1:5000/a/b:v1"; only literals may follow it).
// Routes are tried in the order added. The /vX.Y prefix is split off first.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/apid/rest/http_types.h"

namespace berth::apid::rest {

struct HandlerContext {
  HttpRequest& request;
  BodyReader& body;
  ResponseWriter& response;
};

using Handler = std::function<absl::Status(HandlerContext&)>;

struct VersionedPath {
  std::string path;     // without the prefix
  std::string version;  // "" when there was no prefix
};

// Splits "/v1.41/containers/json" into ("/containers/json", "1.41").
// InvalidArgument with dockerd's texts for a version above `max` ("client
// version X is too new. Maximum supported API version is 1.41") or below
// `min`.
absl::StatusOr<VersionedPath> SplitVersion(const std::string& path, const std::string& min,
                                           const std::string& max);

// <0, 0, >0 like strcmp, comparing dotted numbers ("1.9" < "1.12").
int CompareVersions(const std::string& a, const std::string& b);

class Router {
 public:
  struct Match {
    const std::string* pattern;  // for metrics labels
    const Handler* handler;
    std::map<std::string, std::string> params;
  };

  void Add(const std::string& method, const std::string& pattern, Handler handler);

  // The first route whose method and pattern match the (decoded) path.
  std::optional<Match> Find(const std::string& method, const std::string& path) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace berth::apid::rest
