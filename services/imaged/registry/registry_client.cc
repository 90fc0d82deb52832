#include "services/imaged/registry/registry_client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/status/status.h"
#include "services/imaged/content/digest.h"
#include "services/imaged/registry/manifest.h"

namespace berth::imaged::registry {
namespace {

constexpr size_t kMaxErrorBody = 64 * 1024;
constexpr size_t kMaxManifestBytes = 4 * 1024 * 1024;
constexpr int kMaxRedirects = 3;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
  const RegistryClient::Request* request = nullptr;
  RegistryClient::Response* response = nullptr;
  CURL* curl = nullptr;
  absl::Status sink_status;
  int64_t received = 0;
  const CancelCheck* cancelled = nullptr;
  bool was_cancelled = false;
  FILE* upload = nullptr;   // PUT/PATCH body source
  int64_t upload_left = 0;  // bytes of it still to send
};

size_t OnUploadRead(char* buffer, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t want = std::min<size_t>(size * n, static_cast<size_t>(t->upload_left));
  if (want == 0) return 0;
  const size_t got = fread(buffer, 1, want, t->upload);
  if (got == 0) return CURL_READFUNC_ABORT;  // the file is shorter than announced
  t->upload_left -= static_cast<int64_t>(got);
  return got;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  absl::string_view line(data, size * n);
  // A new status line (after a 100 Continue) starts a fresh header set.
  if (absl::StartsWith(line, "HTTP/")) t->response->headers.clear();
  size_t colon = line.find(':');
  if (colon != absl::string_view::npos) {
    t->response->headers[absl::AsciiStrToLower(std::string(line.substr(0, colon)))] =
        std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  }
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  long code = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
  t->received += static_cast<int64_t>(len);
  if (code / 100 == 2 && t->request->sink != nullptr) {
    t->sink_status = (*t->request->sink)(data, len);
    if (!t->sink_status.ok()) return 0;  // aborts the transfer
    if (t->request->progress) t->request->progress(t->received);
    return len;
  }
  size_t cap = code / 100 == 2 ? kMaxManifestBytes : kMaxErrorBody;
  if (t->response->body.size() + len > cap) {
    t->sink_status = absl::ResourceExhaustedError(
        absl::StrCat("registry response larger than ", cap, " bytes"));
    return 0;
  }
  t->response->body.append(data, len);
  return len;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (t->cancelled != nullptr && *t->cancelled && (*t->cancelled)()) {
    t->was_cancelled = true;
    return 1;
  }
  return 0;
}

// scheme://host[:port] of a URL ("" when it has none).
std::pair<std::string, std::string> SchemeAndHost(const std::string& url) {
  size_t sep = url.find("://");
  if (sep == std::string::npos) return {"", ""};
  std::string scheme = absl::AsciiStrToLower(url.substr(0, sep));
  std::string rest = url.substr(sep + 3);
  std::string host = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  return {scheme, absl::AsciiStrToLower(host)};
}

std::string UrlEscape(CURL* curl, const std::string& s) {
  char* escaped = curl_easy_escape(curl, s.data(), static_cast<int>(s.size()));
  std::string out = escaped == nullptr ? s : escaped;
  curl_free(escaped);
  return out;
}

}  // namespace

std::string RegistryErrorText(long status, const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> parts;
  if (j.is_object() && j.contains("errors") && j["errors"].is_array()) {
    for (const auto& e : j["errors"]) {
      if (!e.is_object()) continue;
      std::string code = absl::AsciiStrToLower(e.value("code", ""));
      for (char& c : code) {
        if (c == '_') c = ' ';
      }
      std::string message = e.value("message", "");
      parts.push_back(code.empty() ? message : absl::StrCat(code, ": ", message));
    }
  }
  if (!parts.empty()) return absl::StrJoin(parts, "; ");
  return absl::StrCat("unexpected HTTP status ", status, " from registry");
}

RegistryClient::RegistryClient(const RegistryOptions& options, Endpoint endpoint,
                               Credentials credentials, std::string repository, bool push,
                               CancelCheck cancelled)
    : options_(options),
      endpoint_(std::move(endpoint)),
      credentials_(std::move(credentials)),
      repository_(std::move(repository)),
      push_(push),
      cancelled_(std::move(cancelled)) {
  GlobalInit();
  if (!credentials_.registry_token.empty()) {
    authorization_ = absl::StrCat("Bearer ", credentials_.registry_token);
  }
}

std::string RegistryClient::RepoUrl(const std::string& suffix) const {
  return absl::StrCat(endpoint_.BaseUrl(), "/v2/", repository_, "/", suffix);
}

absl::Status RegistryClient::CheckUrlAllowed(const std::string& url) const {
  auto [scheme, host] = SchemeAndHost(url);
  if (scheme != "http" && scheme != "https") {
    return absl::PermissionDeniedError(absl::StrCat("refusing registry URL '", url, "'"));
  }
  if (!IsAllowed(options_, host)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "registry ", host, " is not allowed (imaged flag --allowed_registries)"));
  }
  if (scheme == "http" && !IsLoopbackHost(host) && host != endpoint_.host &&
      std::find(options_.insecure.begin(), options_.insecure.end(), host) ==
          options_.insecure.end()) {
    return absl::PermissionDeniedError(
        absl::StrCat("refusing plain HTTP to ", host, " (not loopback, not an insecure registry)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<RegistryClient::Response> RegistryClient::Perform(const Request& request) {
  BERTH_RETURN_IF_ERROR(CheckUrlAllowed(request.url));
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::ResourceExhaustedError("curl_easy_init failed");
  absl::Cleanup free_curl = [curl] { curl_easy_cleanup(curl); };
  Response response;
  Transfer t;
  t.request = &request;
  t.response = &response;
  t.curl = curl;
  t.cancelled = &cancelled_;

  curl_slist* headers = nullptr;
  absl::Cleanup free_headers = [&headers] { curl_slist_free_all(headers); };
  for (const std::string& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  headers = curl_slist_append(headers, "User-Agent: berth-imaged");
  // libcurl would otherwise send "Expect: 100-continue" and wait for it.
  headers = curl_slist_append(headers, "Expect:");

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // redirects are checked by Send()
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  // A stalled transfer (under 1 byte/s for 60 s) fails instead of hanging.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());

  FILE* upload = nullptr;
  absl::Cleanup close_upload = [&upload] {
    if (upload != nullptr) fclose(upload);
  };
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (!request.upload_path.empty()) {
    upload = fopen(request.upload_path.c_str(), "rbe");
    if (upload == nullptr) {
      return ErrnoToStatus(errno, absl::StrCat("open '", request.upload_path, "'"));
    }
    if (fseeko(upload, static_cast<off_t>(request.upload_offset), SEEK_SET) != 0) {
      return ErrnoToStatus(errno, absl::StrCat("seek in '", request.upload_path, "'"));
    }
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    // Exactly upload_size bytes from upload_offset: a chunk must not run on
    // into the rest of the file (curl would send whatever fread returns).
    t.upload = upload;
    t.upload_left = request.upload_size;
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, OnUploadRead);
    curl_easy_setopt(curl, CURLOPT_READDATA, &t);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.upload_size));
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.body != nullptr) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body->size()));
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method == "POST" || request.method == "PUT") {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
    }
  }

  CURLcode rc = curl_easy_perform(curl);
  if (t.was_cancelled) return absl::CancelledError("cancelled");
  if (!t.sink_status.ok()) return t.sink_status;
  if (rc != CURLE_OK) {
    return absl::UnavailableError(absl::StrCat(request.method, " ", request.url, ": ",
                                               curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

absl::StatusOr<RegistryClient::Response> RegistryClient::Send(Request request) {
  bool retried_auth = false;
  const std::vector<std::string> base_headers = request.headers;
  for (int redirects = 0;;) {
    request.headers = base_headers;
    // Credentials go only to the registry itself, never to a redirect target.
    bool same_host = SchemeAndHost(request.url).second == endpoint_.host;
    if (same_host && !authorization_.empty()) {
      request.headers.push_back(absl::StrCat("Authorization: ", authorization_));
    }
    BERTH_ASSIGN_OR_RETURN(Response response, Perform(request));
    if (response.status == 401 && same_host && !retried_auth &&
        response.headers.contains("www-authenticate")) {
      BERTH_RETURN_IF_ERROR(Authenticate(response.headers["www-authenticate"]));
      retried_auth = true;
      continue;
    }
    if (response.status == 401) {
      return absl::UnauthenticatedError(RegistryErrorText(response.status, response.body));
    }
    bool redirect = response.status == 301 || response.status == 302 ||
                    response.status == 303 || response.status == 307 || response.status == 308;
    if (redirect && (request.method == "GET" || request.method == "HEAD")) {
      if (++redirects > kMaxRedirects) return absl::UnavailableError("too many redirects");
      std::string location = response.headers["location"];
      if (absl::StartsWith(location, "/")) location = endpoint_.BaseUrl() + location;
      request.url = location;
      continue;
    }
    return response;
  }
}

absl::Status RegistryClient::Authenticate(const std::string& www_authenticate) {
  BERTH_ASSIGN_OR_RETURN(Challenge challenge, ParseChallenge(www_authenticate));
  if (challenge.scheme == "basic") {
    if (credentials_.username.empty()) {
      return absl::UnauthenticatedError("the registry requires credentials (docker login)");
    }
    authorization_ = BasicAuthorization(credentials_);
    return absl::OkStatus();
  }
  if (challenge.scheme != "bearer") {
    return absl::UnauthenticatedError(
        absl::StrCat("unsupported authentication scheme '", challenge.scheme, "'"));
  }
  std::string realm = challenge.params["realm"];
  if (realm.empty()) return absl::UnauthenticatedError("bearer challenge without a realm");
  CURL* escaper = curl_easy_init();
  absl::Cleanup free_escaper = [escaper] { curl_easy_cleanup(escaper); };
  std::string scope = challenge.params.contains("scope")
                          ? challenge.params["scope"]
                          : absl::StrCat("repository:", repository_, push_ ? ":pull,push" : ":pull");
  if (repository_.empty()) scope.clear();
  std::string url = realm;
  absl::StrAppend(&url, absl::StrContains(realm, '?') ? "&" : "?");
  if (challenge.params.contains("service")) {
    absl::StrAppend(&url, "service=", UrlEscape(escaper, challenge.params["service"]), "&");
  }
  if (!scope.empty()) absl::StrAppend(&url, "scope=", UrlEscape(escaper, scope));
  Request token_request;
  token_request.url = url;
  if (!credentials_.username.empty()) {
    token_request.headers.push_back(
        absl::StrCat("Authorization: ", BasicAuthorization(credentials_)));
  }
  BERTH_ASSIGN_OR_RETURN(Response response, Perform(token_request));
  if (response.status / 100 != 2) {
    return absl::UnauthenticatedError(
        absl::StrCat("token request failed: ", RegistryErrorText(response.status, response.body)));
  }
  nlohmann::json j = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  std::string token;
  if (j.is_object()) token = j.value("token", j.value("access_token", ""));
  if (token.empty()) return absl::UnauthenticatedError("token response without a token");
  authorization_ = absl::StrCat("Bearer ", token);
  return absl::OkStatus();
}

absl::Status RegistryClient::Ping() {
  Request request;
  request.url = endpoint_.BaseUrl() + "/v2/";
  BERTH_ASSIGN_OR_RETURN(Response response, Send(request));
  if (response.status / 100 != 2) {
    return absl::UnavailableError(RegistryErrorText(response.status, response.body));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> RegistryClient::Catalog(int limit) {
  Request request;
  request.url = absl::StrCat(endpoint_.BaseUrl(), "/v2/_catalog?n=", limit);
  BERTH_ASSIGN_OR_RETURN(Response response, Send(request));
  if (response.status == 404) {
    return absl::UnimplementedError(
        absl::StrCat("registry ", endpoint_.host, " does not serve a catalog (search)"));
  }
  if (response.status / 100 != 2) {
    return absl::UnavailableError(RegistryErrorText(response.status, response.body));
  }
  nlohmann::json j = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("repositories") || !j["repositories"].is_array()) {
    return absl::InvalidArgumentError("the registry's catalog is not {\"repositories\": [...]}");
  }
  std::vector<std::string> names;
  for (const nlohmann::json& name : j["repositories"]) {
    if (name.is_string()) names.push_back(name.get<std::string>());
  }
  return names;
}

absl::StatusOr<FetchedManifest> RegistryClient::GetManifest(const std::string& reference) {
  Request request;
  request.url = RepoUrl(absl::StrCat("manifests/", reference));
  request.headers.push_back(absl::StrCat("Accept: ", ManifestAccept()));
  BERTH_ASSIGN_OR_RETURN(Response response, Send(request));
  if (response.status == 404) {
    return absl::NotFoundError(RegistryErrorText(response.status, response.body));
  }
  if (response.status / 100 != 2) {
    return absl::UnavailableError(RegistryErrorText(response.status, response.body));
  }
  FetchedManifest out;
  out.body = std::move(response.body);
  out.content_type = response.headers["content-type"];
  content::Sha256 hash;
  hash.Update(out.body.data(), out.body.size());
  out.digest = hash.FinalDigest();
  if (absl::StartsWith(reference, "sha256:") && out.digest != reference) {
    return absl::DataLossError(absl::StrCat("manifest verification failed for digest ", reference,
                                            " (got ", out.digest, ")"));
  }
  return out;
}

absl::Status RegistryClient::FetchBlob(const std::string& digest, int64_t expected_size,
                                       const BodySink& sink,
                                       const std::function<void(int64_t)>& progress) {
  int64_t received = 0;
  BodySink counted = [&](const char* data, size_t size) -> absl::Status {
    received += static_cast<int64_t>(size);
    if (received > expected_size) {
      return absl::DataLossError(absl::StrCat("blob ", digest, " is larger than its ",
                                              expected_size, " bytes"));
    }
    return sink(data, size);
  };
  Request request;
  request.url = RepoUrl(absl::StrCat("blobs/", digest));
  request.sink = &counted;
  request.progress = progress;
  BERTH_ASSIGN_OR_RETURN(Response response, Send(request));
  if (response.status == 404) {
    return absl::NotFoundError(RegistryErrorText(response.status, response.body));
  }
  if (response.status / 100 != 2) {
    return absl::UnavailableError(RegistryErrorText(response.status, response.body));
  }
  if (received != expected_size) {
    return absl::DataLossError(absl::StrCat("blob ", digest, " is truncated: ", received, " of ",
                                            expected_size, " bytes"));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> RegistryClient::BlobExists(const std::string& digest) {
  Request request;
  request.method = "HEAD";
  request.url = RepoUrl(absl::StrCat("blobs/", digest));
  BERTH_ASSIGN_OR_RETURN(Response response, Send(request));
  if (response.status == 404) return false;
  if (response.status / 100 == 2) return true;
  return absl::UnavailableError(RegistryErrorText(response.status, response.body));
}

absl::StatusOr<std::string> RegistryClient::UploadLocation(const Response& response) const {
  auto it = response.headers.find("location");
  if (it == response.headers.end() || it->second.empty()) {
    return absl::UnavailableError("the registry answered an upload without a Location");
  }
  if (absl::StartsWith(it->second, "/")) return endpoint_.BaseUrl() + it->second;
  return it->second;
}

absl::StatusOr<UploadResult> RegistryClient::UploadBlob(
    const std::string& digest, const std::string& path, int64_t size,
    const UploadOptions& options) {
  Request start;
  start.method = "POST";
  start.url = RepoUrl("blobs/uploads/");
  if (!options.mount_from.empty()) {
    CURL* escaper = curl_easy_init();
    absl::Cleanup free_escaper = [escaper] { curl_easy_cleanup(escaper); };
    absl::StrAppend(&start.url, "?mount=", UrlEscape(escaper, digest),
                    "&from=", UrlEscape(escaper, options.mount_from));
  }
  BERTH_ASSIGN_OR_RETURN(Response started, Send(start));
  // 201: mounted from the other repository, nothing to send. 202: an upload
  // session (also the answer to a mount the registry declines).
  if (started.status == 201 && !options.mount_from.empty()) return UploadResult::kMounted;
  if (started.status != 202) {
    return absl::UnavailableError(absl::StrCat("starting the upload of ", digest, ": ",
                                               RegistryErrorText(started.status, started.body)));
  }
  BERTH_ASSIGN_OR_RETURN(std::string location, UploadLocation(started));
  auto with_query = [](const std::string& url, const std::string& query) {
    return absl::StrCat(url, absl::StrContains(url, '?') ? "&" : "?", query);
  };
  Request put;
  put.method = "PUT";
  put.headers.push_back("Content-Type: application/octet-stream");
  if (options.chunk_bytes > 0 && size > options.chunk_bytes) {
    // Chunked: PATCH each range; every answer names the next Location.
    for (int64_t offset = 0; offset < size; offset += options.chunk_bytes) {
      const int64_t n = std::min(options.chunk_bytes, size - offset);
      Request patch;
      patch.method = "PATCH";
      patch.url = location;
      patch.upload_path = path;
      patch.upload_offset = offset;
      patch.upload_size = n;
      patch.headers.push_back("Content-Type: application/octet-stream");
      patch.headers.push_back(absl::StrCat("Content-Range: ", offset, "-", offset + n - 1));
      BERTH_ASSIGN_OR_RETURN(Response sent, Send(patch));
      if (sent.status != 202) {
        return absl::UnavailableError(absl::StrCat("uploading ", digest, " at byte ", offset, ": ",
                                                   RegistryErrorText(sent.status, sent.body)));
      }
      BERTH_ASSIGN_OR_RETURN(location, UploadLocation(sent));
      if (options.progress) options.progress(offset + n);
    }
    put.url = with_query(location, absl::StrCat("digest=", digest));  // no body: completes
  } else {
    put.url = with_query(location, absl::StrCat("digest=", digest));
    put.upload_path = path;
    put.upload_size = size;
  }
  BERTH_ASSIGN_OR_RETURN(Response done, Send(put));
  if (done.status != 201) {
    return absl::UnavailableError(absl::StrCat("uploading ", digest, ": ",
                                               RegistryErrorText(done.status, done.body)));
  }
  if (options.progress && put.upload_size > 0) options.progress(size);
  return UploadResult::kUploaded;
}

absl::StatusOr<std::string> RegistryClient::PutManifest(const std::string& tag,
                                                        const std::string& media_type,
                                                        const std::string& body) {
  Request put;
  put.method = "PUT";
  put.url = RepoUrl(absl::StrCat("manifests/", tag));
  put.body = &body;
  put.headers.push_back(absl::StrCat("Content-Type: ", media_type));
  BERTH_ASSIGN_OR_RETURN(Response done, Send(put));
  if (done.status != 201) {
    return absl::UnavailableError(absl::StrCat("pushing the manifest: ",
                                               RegistryErrorText(done.status, done.body)));
  }
  content::Sha256 hash;
  hash.Update(body.data(), body.size());
  return hash.FinalDigest();
}

}  // namespace berth::imaged::registry
