#pragma once

// A client of one registry speaking the OCI distribution API over libcurl:
// ping, manifests, blobs (streamed to a sink), blob upload and manifest push,
// with anonymous, basic and bearer-token auth following the registry's
// WWW-Authenticate challenge. Only the endpoint's host (and token realms and
// redirect targets the allow-list admits) is ever contacted; plain HTTP only
// where ResolveEndpoint chose it.
//
// One client serves one operation (a pull or a push) and is not thread-safe;
// it caches the bearer token it obtained for its repository.

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/imaged/registry/auth.h"
#include "services/imaged/registry/registry_config.h"

namespace berth::imaged::registry {

// Receives a response body in pieces; an error aborts the transfer.
using BodySink = std::function<absl::Status(const char* data, size_t size)>;
// Polled during transfers; true aborts with Cancelled.
using CancelCheck = std::function<bool()>;

struct FetchedManifest {
  std::string body;
  std::string content_type;
  std::string digest;  // sha256 of body (what the registry's Docker-Content-Digest must say)
};

// How RegistryClient::UploadBlob sends a blob.
struct UploadOptions {
  // > 0: a blob larger than this goes up in PATCH requests of this many
  // bytes (Content-Range), then an empty PUT ?digest=; smaller blobs go in
  // one PUT (monolithic).
  int64_t chunk_bytes = 0;
  // A repository on this registry that holds the blob: asked to mount it
  // (POST ?mount=&from=); a 202 answer falls back to uploading.
  std::string mount_from;
  // Bytes sent so far, after each request that sent some.
  std::function<void(int64_t)> progress;
};
enum class UploadResult { kUploaded, kMounted };

class RegistryClient {
 public:
  // `options` must outlive the client. `push` asks tokens for push and pull.
  RegistryClient(const RegistryOptions& options, Endpoint endpoint, Credentials credentials,
                 std::string repository, bool push = false, CancelCheck cancelled = nullptr);

  // GET /v2/ and authenticates (used by login): OK when the credentials are
  // accepted, Unauthenticated with the registry's text when not.
  absl::Status Ping();

  // GET /v2/_catalog?n=<limit>: the registry's repository names (first page).
  // Unimplemented when the registry serves no catalog.
  absl::StatusOr<std::vector<std::string>> Catalog(int limit);

  // GET /v2/<repo>/manifests/<reference>. When `reference` is a digest the
  // body must hash to it (DataLoss otherwise). NotFound with the registry's
  // error text for an unknown manifest.
  absl::StatusOr<FetchedManifest> GetManifest(const std::string& reference);

  // GET /v2/<repo>/blobs/<digest>, streaming the body to `sink`. The caller
  // verifies the digest; this refuses a body longer than `expected_size`
  // (DataLoss) and a shorter one.
  absl::Status FetchBlob(const std::string& digest, int64_t expected_size, const BodySink& sink,
                         const std::function<void(int64_t)>& progress = nullptr);

  // HEAD /v2/<repo>/blobs/<digest>.
  absl::StatusOr<bool> BlobExists(const std::string& digest);


  // POST /v2/<repo>/blobs/uploads/ (with a mount request when asked), then
  // the bytes of the file at `path` (monolithic or chunked, see above).
  absl::StatusOr<UploadResult> UploadBlob(const std::string& digest, const std::string& path,
                                          int64_t size, const UploadOptions& options = {});

  // PUT /v2/<repo>/manifests/<tag>; returns the digest the registry reports.
  absl::StatusOr<std::string> PutManifest(const std::string& tag, const std::string& media_type,
                                          const std::string& body);

  struct Response {
    long status = 0;
    std::map<std::string, std::string> headers;  // lowercase names
    std::string body;                            // unless streamed to a sink
  };
  struct Request {
    std::string method = "GET";
    std::string url;
    std::vector<std::string> headers;
    const std::string* body = nullptr;  // PUT/POST body held in memory
    std::string upload_path;            // or: PUT/PATCH a file's bytes
    int64_t upload_offset = 0;          //   from this offset
    int64_t upload_size = 0;            //   this many
    const BodySink* sink = nullptr;     // 2xx bodies go here
    std::function<void(int64_t)> progress;
  };

 private:
  // Sends with the current authorization; on a 401 answers the challenge once
  // and retries; follows up to 3 redirects to admitted hosts.
  absl::StatusOr<Response> Send(Request request);
  absl::StatusOr<Response> Perform(const Request& request);
  absl::Status Authenticate(const std::string& www_authenticate);
  absl::Status CheckUrlAllowed(const std::string& url) const;
  std::string RepoUrl(const std::string& suffix) const;
  // An upload session's Location header as an absolute URL.
  absl::StatusOr<std::string> UploadLocation(const Response& response) const;

  const RegistryOptions& options_;
  Endpoint endpoint_;
  Credentials credentials_;
  std::string repository_;
  bool push_;
  CancelCheck cancelled_;
  std::string authorization_;  // "Bearer ..." or "Basic ..." once challenged
};

// "<CODE>: <message>" from a registry's {"errors":[...]} body, lowercased the
// way Docker prints it ("manifest unknown: manifest unknown"); the HTTP status
// text when the body says nothing.
std::string RegistryErrorText(long status, const std::string& body);

}  // namespace berth::imaged::registry
