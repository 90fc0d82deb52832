#include "services/apid/rest/router.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace berth::apid::rest {
namespace {

std::vector<std::string> SplitSegments(const std::string& path) {
  return absl::StrSplit(path, '/', absl::SkipEmpty());
}

bool IsParam(const std::string& seg) { return seg.size() > 2 && seg.front() == '{'; }
bool IsGreedy(const std::string& seg) { return IsParam(seg) && seg[seg.size() - 2] == '*'; }
std::string ParamName(const std::string& seg) {
  return seg.substr(1, seg.size() - (IsGreedy(seg) ? 3 : 2));
}

bool IsVersionSegment(absl::string_view seg) {
  if (seg.size() < 2 || seg[0] != 'v') return false;
  for (char c : seg.substr(1)) {
    if (!(c == '.' || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

}  // namespace

int CompareVersions(const std::string& a, const std::string& b) {
  std::vector<std::string> pa = absl::StrSplit(a, '.');
  std::vector<std::string> pb = absl::StrSplit(b, '.');
  for (size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
    int x = 0;
    int y = 0;
    if (i < pa.size() && !absl::SimpleAtoi(pa[i], &x)) x = 0;
    if (i < pb.size() && !absl::SimpleAtoi(pb[i], &y)) y = 0;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

absl::StatusOr<VersionedPath> SplitVersion(const std::string& path, const std::string& min,
                                           const std::string& max) {
  if (path.size() < 2 || path[0] != '/') return VersionedPath{path, ""};
  size_t end = path.find('/', 1);
  absl::string_view first = absl::string_view(path).substr(1, end == std::string::npos
                                                                  ? std::string::npos
                                                                  : end - 1);
  if (!IsVersionSegment(first)) return VersionedPath{path, ""};
  std::string version(first.substr(1));
  if (CompareVersions(version, max) > 0) {
    return absl::InvalidArgumentError("client version " + version +
                                      " is too new. Maximum supported API version is " + max);
  }
  if (CompareVersions(version, min) < 0) {
    return absl::InvalidArgumentError("client version " + version +
                                      " is too old. Minimum supported API version is " + min +
                                      ", please upgrade your client to a newer version");
  }
  return VersionedPath{end == std::string::npos ? "/" : path.substr(end), version};
}

void Router::Add(const std::string& method, const std::string& pattern, Handler handler) {
  routes_.push_back(Route{method, pattern, SplitSegments(pattern), std::move(handler)});
}

std::optional<Router::Match> Router::Find(const std::string& method,
                                          const std::string& path) const {
  std::vector<std::string> segs = SplitSegments(path);
  for (const Route& route : routes_) {
    if (route.method != method) continue;
    std::map<std::string, std::string> params;
    size_t si = 0;
    bool ok = true;
    for (size_t pi = 0; ok && pi < route.segments.size(); ++pi) {
      const std::string& p = route.segments[pi];
      if (IsGreedy(p)) {
        // Everything up to the literals that follow the greedy parameter.
        size_t tail = route.segments.size() - pi - 1;
        if (segs.size() < si + 1 + tail) {
          ok = false;
          break;
        }
        size_t take = segs.size() - si - tail;
        std::string value;
        for (size_t k = 0; k < take; ++k) {
          if (k > 0) value += "/";
          value += segs[si + k];
        }
        params[ParamName(p)] = value;
        si += take;
      } else if (IsParam(p)) {
        if (si >= segs.size()) {
          ok = false;
        } else {
          params[ParamName(p)] = segs[si++];
        }
      } else {
        ok = si < segs.size() && segs[si++] == p;
      }
    }
    if (ok && si == segs.size()) {
      return Match{&route.pattern, &route.handler, std::move(params)};
    }
  }
  return std::nullopt;
}

}  // namespace berth::apid::rest
