// Conversions between absl::Status (domain and store code) and grpc::Status (the RPC edge).
#pragma once

#include <fmt/format.h>
#include <grpcpp/support/status.h>

#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace natter {

grpc::Status ToGrpc(const absl::Status& status);
absl::Status FromGrpc(const grpc::Status& status);

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
