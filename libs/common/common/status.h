// Conversions between absl::Status (domain and store code) and grpc::Status (the RPC edge), and
// RETURN_IF_ERROR / ASSIGN_OR_RETURN for code that passes an error on (Debian's Abseil has no
// public status macros).
#pragma once

#include <fmt/format.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
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

namespace internal {
inline const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <class T>
const absl::Status& StatusOf(const absl::StatusOr<T>& result) {
  return result.status();
}
}  // namespace internal

}  // namespace natter

// RETURN_IF_ERROR(expr): returns the status of `expr` (an absl::Status or absl::StatusOr) from the
// enclosing function, which returns absl::Status or any absl::StatusOr, unless it is OK.
#define RETURN_IF_ERROR(expr) \
  NATTER_RETURN_IF_ERROR_IMPL(NATTER_STATUS_CONCAT(natter_status_, __COUNTER__), expr)

// ASSIGN_OR_RETURN(lhs, expr): evaluates `expr` (an absl::StatusOr<T>); returns its status from the
// enclosing function unless it is OK, else moves its value into `lhs`, which may declare a variable
// (`ASSIGN_OR_RETURN(auto user, users_.FindById(id));`). It expands to several statements, so it
// cannot be the lone body of an unbraced `if`; `lhs` must not contain a bare comma.
#define ASSIGN_OR_RETURN(lhs, expr) \
  NATTER_ASSIGN_OR_RETURN_IMPL(NATTER_STATUS_CONCAT(natter_result_, __COUNTER__), lhs, expr)

#define NATTER_STATUS_CONCAT_INNER(a, b) a##b
#define NATTER_STATUS_CONCAT(a, b) NATTER_STATUS_CONCAT_INNER(a, b)
#define NATTER_RETURN_IF_ERROR_IMPL(status, expr)                                       \
  do {                                                                                  \
    if (const absl::Status status = ::natter::internal::StatusOf(expr); !status.ok()) { \
      return status;                                                                    \
    }                                                                                   \
  } while (false)
#define NATTER_ASSIGN_OR_RETURN_IMPL(result, lhs, expr) \
  auto result = (expr);                                 \
  if (!result.ok()) return std::move(result).status();  \
  lhs = *std::move(result)

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
