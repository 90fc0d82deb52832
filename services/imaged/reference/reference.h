#pragma once

// Image references as Docker spells them ("busybox", "busybox:1.36",
// "localhost:5000/team/app:v1", "name@sha256:..."), parsed and normalized the
// way the docker CLI does (docker.io is the default registry, "library/" the
// default namespace on it, "latest" the default tag). Pure functions, no I/O.

#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace berth::imaged::reference {

// A parsed, normalized reference.
struct Reference {
  std::string domain;  // "docker.io", "localhost:5000", "registry.example.com"
  std::string path;    // "library/busybox", "team/app"
  std::string tag;     // "" when the reference carries none (see WithDefaultTag)
  std::string digest;  // "sha256:<64 hex>" or ""

  // "docker.io/library/busybox" etc.
  std::string Name() const;
  // The short form users see: "busybox" for docker.io/library/busybox,
  // "team/app" for docker.io/team/app, the full name for other registries.
  std::string FamiliarName() const;
  // FamiliarName() plus ":tag" and/or "@digest" when present.
  std::string FamiliarString() const;
  // Name() plus ":tag" and/or "@digest" when present.
  std::string String() const;
};

// Parses `ref` like Docker's ParseNormalizedNamed: lowercase path components
// separated by "/", components made of [a-z0-9] joined by ".", "_", "__" or
// runs of "-"; an optional registry host[:port] first component (recognised by
// a "." or ":" or being "localhost"); optional ":tag" ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127});
// optional "@sha256:<64 hex>". Does not add a default tag.
// InvalidArgument "invalid reference format..." on anything else, including
// uppercase repository names and a bare 64-hex name (that is an image id).
absl::StatusOr<Reference> ParseNormalized(const std::string& ref);

// Returns `ref` with tag "latest" when it has neither tag nor digest.
Reference WithDefaultTag(Reference ref);

// Parses `repo` (which may carry its own ":tag") and applies `tag` when it is
// not empty (it overrides a tag in `repo`); the default tag is "latest".
// Digest references are refused: a tag target must be a name:tag.
absl::StatusOr<Reference> ParseTagTarget(const std::string& repo, const std::string& tag);

// True for a string of exactly 64 lowercase hex digits.
bool IsFullHexId(const std::string& s);

// True when `s` is a non-empty string of lowercase hex digits no longer than 64.
bool IsHexPrefix(const std::string& s);

}  // namespace berth::imaged::reference
