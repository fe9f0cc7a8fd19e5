// The details of an error from a peer service (grpc-status-details-bin): parsed for a retry delay,
// and never trusted further. Garbage is ignored; whatever is read survives the way back.
#include <grpcpp/support/status.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/status.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string details(reinterpret_cast<const char*>(data), size);
  grpc::Status wire(grpc::StatusCode::RESOURCE_EXHAUSTED, "busy", details);
  auto retry = natter::RetryAfter(wire);
  absl::Status converted = natter::FromGrpc(wire);
  if (converted.code() != absl::StatusCode::kResourceExhausted) std::abort();
  if (natter::RetryAfter(converted) != retry) std::abort();
  grpc::Status back = natter::ToGrpc(converted);
  if (natter::RetryAfter(back) != retry) std::abort();
  if (retry) natter::WaitInWords(*retry);
  // An UNAVAILABLE with these details: passed on in a service's words or in ours, never empty.
  grpc::Status unavailable(grpc::StatusCode::UNAVAILABLE, "busy", details);
  grpc::Status shown = natter::PeerStatus(unavailable, "the peer");
  if (shown.error_code() != grpc::StatusCode::UNAVAILABLE || shown.error_message().empty()) {
    std::abort();
  }
  return 0;
}
