#include "services/netd/firewall/libnftables_applier.h"

#include <nftables/libnftables.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace berth::netd::firewall {
namespace {

struct CtxDeleter {
  void operator()(nft_ctx* ctx) const { nft_ctx_free(ctx); }
};
using CtxPtr = std::unique_ptr<nft_ctx, CtxDeleter>;

struct RunResult {
  int rc = 0;
  std::string output;
  std::string error;
};

absl::StatusOr<RunResult> Run(const std::string& script, unsigned int output_flags = 0) {
  CtxPtr ctx(nft_ctx_new(NFT_CTX_DEFAULT));
  if (ctx == nullptr) return absl::InternalError("nft_ctx_new failed");
  if (output_flags != 0) nft_ctx_output_set_flags(ctx.get(), output_flags);
  // Buffering keeps nft's messages out of the daemon's stdout/stderr and
  // lets us put them into the Status.
  if (nft_ctx_buffer_output(ctx.get()) != 0 || nft_ctx_buffer_error(ctx.get()) != 0) {
    return absl::InternalError("nft: cannot buffer output");
  }
  RunResult result;
  result.rc = nft_run_cmd_from_buffer(ctx.get(), script.c_str());
  if (const char* out = nft_ctx_get_output_buffer(ctx.get())) result.output = out;
  if (const char* err = nft_ctx_get_error_buffer(ctx.get())) result.error = err;
  return result;
}

}  // namespace

absl::Status LibnftablesApplier::Apply(const std::string& script) {
  auto result = Run(script);
  if (!result.ok()) return result.status();
  if (result->rc != 0) {
    return absl::InternalError(absl::StrCat(
        "nft: ", absl::StripTrailingAsciiWhitespace(result->error), "\nscript:\n", script));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> LibnftablesApplier::ListTable(const std::string& table) {
  auto result = Run(absl::StrCat("list table ip ", table));
  if (!result.ok()) return result.status();
  if (result->rc != 0) {
    // nft reports a missing table as ENOENT text; any other failure has
    // other text, but a caller asking to list cannot act differently on it.
    return absl::NotFoundError(absl::StrCat("nft list table ip ", table, ": ",
                                            absl::StripTrailingAsciiWhitespace(result->error)));
  }
  return result->output;
}

absl::StatusOr<std::string> LibnftablesApplier::ListChainWithHandles(const std::string& table,
                                                                     const std::string& chain) {
  auto result = Run(absl::StrCat("list chain ip ", table, " ", chain), NFT_CTX_OUTPUT_HANDLE);
  if (!result.ok()) return result.status();
  if (result->rc != 0) {
    return absl::NotFoundError(absl::StrCat("nft list chain ip ", table, " ", chain, ": ",
                                            absl::StripTrailingAsciiWhitespace(result->error)));
  }
  return result->output;
}

}  // namespace berth::netd::firewall
