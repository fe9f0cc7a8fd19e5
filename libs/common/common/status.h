// Conversions between absl::Status (domain and store code) and grpc::Status (the RPC edge).
#pragma once

#include <fmt/format.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace natter {

// A service's error goes out with a google.rpc.Status in the gRPC error details (which marks it as
// a Natter service's own); a retry delay (see TooFast) travels in it as a google.rpc.RetryInfo.
// FromGrpc with a `peer` ("the authentication service") passes the result through PeerStatus.
grpc::Status ToGrpc(const absl::Status& status);
absl::Status FromGrpc(const grpc::Status& status, std::string_view peer = {});

// Whether `status` was written by a Natter service (ToGrpc), rather than by gRPC itself.
bool FromNatterService(const grpc::Status& status);

// A peer's error, as this process passes it on to its own caller. UNAVAILABLE, DEADLINE_EXCEEDED
// and CANCELLED written by gRPC ("failed to connect to all addresses", a deadline, a replica that
// shut down mid-call) become UNAVAILABLE "<peer> is unavailable, try again"; the same codes from a
// Natter service keep its words ("the database is unavailable, try again"); the rest pass as is.
grpc::Status PeerStatus(const grpc::Status& status, std::string_view peer);

// "1.5 s", "3 min", "12 h": a wait as a person reads it, rounded up.
std::string WaitInWords(std::chrono::milliseconds wait);

// RESOURCE_EXHAUSTED for a caller over a rate limit: "`message`; try again in 1.5 s", with the
// delay attached for clients that retry on their own.
absl::Status TooFast(std::string_view message, std::chrono::milliseconds retry_after);

// The delay attached by TooFast (to an absl::Status, or as RetryInfo to a grpc::Status), if any.
std::optional<std::chrono::milliseconds> RetryAfter(const absl::Status& status);
std::optional<std::chrono::milliseconds> RetryAfter(const grpc::Status& status);

}  // namespace natter

#if !defined(ABSL_USES_STD_STRING_VIEW)
// Debian's Abseil has its own string_view (status.message() returns it); let spdlog/fmt print it.
template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<std::string_view> {
  template <class Context>
  auto format(absl::string_view s, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(std::string_view(s.data(), s.size()), ctx);
  }
};
#endif
