#include "services/netd/firewall/docker_user.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace berth::netd::firewall {

std::string DockerUserTag(const std::string& nft_table) { return absl::StrCat("berth:", nft_table); }

std::vector<int> TaggedRuleHandles(const std::string& listing, const std::string& tag) {
  std::vector<int> handles;
  const std::string comment = absl::StrCat("comment \"", tag, "\"");
  for (absl::string_view line : absl::StrSplit(listing, '\n')) {
    // `... comment "berth:x" # handle 12`; "berth:x" must not match "berth:xy".
    if (!absl::StrContains(line, comment)) continue;
    const size_t at = line.rfind("# handle ");
    if (at == absl::string_view::npos) continue;
    int handle = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(at + 9)), &handle)) {
      handles.push_back(handle);
    }
  }
  return handles;
}

std::string RenderDockerUserScript(const std::vector<int>& stale_handles,
                                   const std::vector<std::string>& bridges,
                                   const std::string& tag) {
  std::string script;
  for (int handle : stale_handles) {
    absl::StrAppend(&script, "delete rule ip filter DOCKER-USER handle ", handle, "\n");
  }
  for (const std::string& bridge : bridges) {
    for (const char* dir : {"iifname", "oifname"}) {
      absl::StrAppend(&script, "insert rule ip filter DOCKER-USER ", dir, " \"", bridge,
                      "\" accept comment \"", tag, "\"\n");
    }
  }
  return script;
}

}  // namespace berth::netd::firewall
