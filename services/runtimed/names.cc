#include "services/runtimed/names.h"

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace berth::runtimed {
namespace {

constexpr std::array kAdjectives = {
    "agile",   "bold",    "brave",   "bright",  "calm",    "clever",  "cosmic",  "curious",
    "daring",  "eager",   "fearless", "gentle", "happy",   "humble",  "jolly",   "keen",
    "kind",    "lively",  "lucid",   "merry",   "mellow",  "nimble",  "noble",   "patient",
    "plucky",  "quiet",   "radiant", "serene",  "sharp",   "sleepy",  "steady",  "swift",
    "tender",  "tidy",    "upbeat",  "vivid",   "warm",    "witty",   "zealous", "zen"};

// Scientists and engineers.
constexpr std::array kSurnames = {
    "agnesi",   "babbage",  "bohr",     "curie",    "darwin",   "dijkstra", "einstein",
    "euler",    "faraday",  "fermi",    "feynman",  "franklin", "galois",   "gauss",
    "goodall",  "hopper",   "hypatia",  "johnson",  "kepler",   "knuth",    "lamarr",
    "leavitt",  "lovelace", "maxwell",  "meitner",  "mirzakhani", "newton", "noether",
    "pascal",   "planck",   "ritchie",  "shannon",  "somerville", "tesla",  "thompson",
    "turing",   "volta",    "wozniak",  "wu",       "yonath"};

bool IsNameChar(char c) { return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-'; }

}  // namespace

absl::StatusOr<std::string> ValidateName(const std::string& name) {
  std::string bare = !name.empty() && name[0] == '/' ? name.substr(1) : name;
  bool ok = bare.size() >= 2 && absl::ascii_isalnum(bare[0]);
  for (char c : bare) ok = ok && IsNameChar(c);
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Invalid container name (", bare, "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"));
  }
  return bare;
}

absl::Status NameInUseError(const std::string& name, const std::string& holder_id) {
  return absl::AlreadyExistsError(absl::StrCat(
      "Conflict. The container name \"/", name, "\" is already in use by container \"",
      holder_id, "\". You have to remove (or rename) that container to be able to reuse that name."));
}

std::string GenerateName(absl::BitGen& gen, const std::function<bool(const std::string&)>& taken) {
  for (int attempt = 0;; ++attempt) {
    std::string name = absl::StrCat(kAdjectives[absl::Uniform<size_t>(gen, 0, kAdjectives.size())],
                                     "_", kSurnames[absl::Uniform<size_t>(gen, 0, kSurnames.size())]);
    if (attempt >= 3) absl::StrAppend(&name, absl::Uniform<int>(gen, 0, 10));
    if (attempt >= 20) absl::StrAppend(&name, absl::Uniform<int>(gen, 0, 1000000));
    if (!taken(name)) return name;
  }
}

}  // namespace berth::runtimed
