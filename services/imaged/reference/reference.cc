#include "services/imaged/reference/reference.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace berth::imaged::reference {
namespace {

constexpr char kDefaultDomain[] = "docker.io";
constexpr char kLegacyDefaultDomain[] = "index.docker.io";
constexpr char kOfficialRepoPrefix[] = "library/";
constexpr size_t kMaxNameLength = 255;

absl::Status InvalidFormat(const std::string& detail = "") {
  if (detail.empty()) return absl::InvalidArgumentError("invalid reference format");
  return absl::InvalidArgumentError(absl::StrCat("invalid reference format: ", detail));
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }
bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// path-component := [a-z0-9]+ (separator [a-z0-9]+)*
// separator       := "." | "_" | "__" | "-"+
bool IsValidPathComponent(const std::string& c) {
  if (c.empty() || !IsLowerAlnum(c.front()) || !IsLowerAlnum(c.back())) return false;
  size_t i = 0;
  while (i < c.size()) {
    if (IsLowerAlnum(c[i])) {
      ++i;
      continue;
    }
    // A separator run: "." or "_" or "__" or any number of "-".
    size_t j = i;
    while (j < c.size() && !IsLowerAlnum(c[j])) ++j;
    std::string sep = c.substr(i, j - i);
    bool ok = sep == "." || sep == "_" || sep == "__" ||
              sep.find_first_not_of('-') == std::string::npos;
    if (!ok) return false;
    i = j;
  }
  return true;
}

// domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool IsValidDomain(const std::string& domain) {
  std::string host = domain;
  size_t colon = domain.rfind(':');
  if (colon != std::string::npos) {
    std::string port = domain.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos) {
      return false;
    }
    host = domain.substr(0, colon);
  }
  if (host.empty()) return false;
  for (const auto& part : absl::StrSplit(host, '.')) {
    std::string p(part);
    if (p.empty() || !IsAlnum(p.front()) || !IsAlnum(p.back())) return false;
    for (char c : p) {
      if (!IsAlnum(c) && c != '-') return false;
    }
  }
  return true;
}

bool IsValidTag(const std::string& tag) {
  if (tag.empty() || tag.size() > 128) return false;
  auto word = [](char c) { return IsAlnum(c) || c == '_'; };
  if (!word(tag.front())) return false;
  for (char c : tag) {
    if (!word(c) && c != '.' && c != '-') return false;
  }
  return true;
}

bool IsValidDigest(const std::string& digest) {
  if (!absl::StartsWith(digest, "sha256:")) return false;
  return IsFullHexId(digest.substr(7));
}

// Docker treats the first component as a registry when it looks like a host:
// it has a "." or ":", is "localhost", or is not all lowercase.
bool LooksLikeDomain(const std::string& first) {
  return absl::StrContains(first, '.') || absl::StrContains(first, ':') ||
         first == "localhost" || absl::AsciiStrToLower(first) != first;
}

}  // namespace

std::string Reference::Name() const { return absl::StrCat(domain, "/", path); }

std::string Reference::FamiliarName() const {
  if (domain != kDefaultDomain) return Name();
  if (absl::StartsWith(path, kOfficialRepoPrefix) &&
      path.find('/', sizeof(kOfficialRepoPrefix) - 1) == std::string::npos) {
    return path.substr(sizeof(kOfficialRepoPrefix) - 1);
  }
  return path;
}

std::string Reference::FamiliarString() const {
  std::string out = FamiliarName();
  if (!tag.empty()) absl::StrAppend(&out, ":", tag);
  if (!digest.empty()) absl::StrAppend(&out, "@", digest);
  return out;
}

std::string Reference::String() const {
  std::string out = Name();
  if (!tag.empty()) absl::StrAppend(&out, ":", tag);
  if (!digest.empty()) absl::StrAppend(&out, "@", digest);
  return out;
}

absl::StatusOr<Reference> ParseNormalized(const std::string& input) {
  if (input.empty()) return InvalidFormat();
  if (IsFullHexId(input)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid repository name (", input, "), cannot specify 64-byte hexadecimal strings"));
  }
  Reference ref;
  std::string rest = input;
  if (size_t at = rest.find('@'); at != std::string::npos) {
    ref.digest = rest.substr(at + 1);
    rest = rest.substr(0, at);
    if (!IsValidDigest(ref.digest)) return InvalidFormat();
  }
  size_t last_slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string::npos && (last_slash == std::string::npos || colon > last_slash)) {
    ref.tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    if (!IsValidTag(ref.tag)) return InvalidFormat();
  }
  if (rest.empty()) return InvalidFormat();
  if (rest.size() > kMaxNameLength) {
    return InvalidFormat("repository name must not be more than 255 characters");
  }

  size_t first_slash = rest.find('/');
  if (first_slash != std::string::npos && LooksLikeDomain(rest.substr(0, first_slash))) {
    ref.domain = rest.substr(0, first_slash);
    ref.path = rest.substr(first_slash + 1);
    if (!IsValidDomain(ref.domain)) return InvalidFormat();
    if (ref.domain == kLegacyDefaultDomain) ref.domain = kDefaultDomain;
  } else {
    ref.domain = kDefaultDomain;
    ref.path = rest;
  }
  if (ref.domain == kDefaultDomain && ref.path.find('/') == std::string::npos) {
    ref.path = absl::StrCat(kOfficialRepoPrefix, ref.path);
  }
  if (absl::AsciiStrToLower(ref.path) != ref.path) {
    return InvalidFormat("repository name must be lowercase");
  }
  for (const auto& component : absl::StrSplit(ref.path, '/')) {
    if (!IsValidPathComponent(std::string(component))) return InvalidFormat();
  }
  if (ref.Name().size() > kMaxNameLength) {
    return InvalidFormat("repository name must not be more than 255 characters");
  }
  return ref;
}

Reference WithDefaultTag(Reference ref) {
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

absl::StatusOr<Reference> ParseTagTarget(const std::string& repo, const std::string& tag) {
  auto parsed = ParseNormalized(repo);
  if (!parsed.ok()) return parsed.status();
  if (!parsed->digest.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("refusing to create a tag with a digest reference: '", repo, "'"));
  }
  if (!tag.empty()) {
    if (!IsValidTag(tag)) return InvalidFormat();
    parsed->tag = tag;
  }
  return WithDefaultTag(*std::move(parsed));
}

bool IsFullHexId(const std::string& s) { return s.size() == 64 && IsHexPrefix(s); }

bool IsHexPrefix(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!IsHex(c)) return false;
  }
  return true;
}

}  // namespace berth::imaged::reference
