#include "common/status.h"

#include <algorithm>
#include <string>

#include "absl/strings/cord.h"
#include "natter/v1/common.pb.h"

namespace natter {
namespace {

constexpr absl::string_view kRetryInfoType = "type.googleapis.com/google.rpc.RetryInfo";

// A delay from a peer, held to 0..one day: whatever the bytes said.
std::chrono::milliseconds FromDuration(const google::protobuf::Duration& d) {
  constexpr int64_t kDaySeconds = 86'400;
  int64_t seconds = std::clamp<int64_t>(d.seconds(), 0, kDaySeconds);
  int64_t millis = std::clamp<int64_t>(d.nanos() / 1'000'000, 0, 999);
  return std::chrono::milliseconds(seconds == kDaySeconds ? seconds * 1000
                                                          : seconds * 1000 + millis);
}

// The retry delay packed in serialized RpcStatus `details`, if any.
std::optional<std::chrono::milliseconds> RetryFromDetails(std::string_view details) {
  if (details.empty()) return std::nullopt;
  v1::RpcStatus rpc_status;
  if (!rpc_status.ParseFromArray(details.data(), static_cast<int>(details.size()))) {
    return std::nullopt;
  }
  for (const auto& any : rpc_status.details()) {
    if (absl::string_view(any.type_url()) != kRetryInfoType) continue;
    v1::RetryInfo info;
    if (info.ParseFromString(any.value())) return FromDuration(info.retry_delay());
  }
  return std::nullopt;
}

}  // namespace

// absl::StatusCode and grpc::StatusCode share their numeric values (both follow google.rpc.Code).
grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  auto code = static_cast<grpc::StatusCode>(status.code());
  std::string message(status.message());
  // Always a google.rpc.Status in the details: it tells a peer the error is a Natter service's own,
  // worded for people (see PeerStatus), and carries the retry delay when there is one.
  v1::RpcStatus rpc_status;
  rpc_status.set_code(static_cast<int32_t>(code));
  rpc_status.set_message(message);
  if (auto retry = RetryAfter(status)) {
    v1::RetryInfo info;
    info.mutable_retry_delay()->set_seconds(retry->count() / 1000);
    info.mutable_retry_delay()->set_nanos(static_cast<int32_t>(retry->count() % 1000) * 1'000'000);
    auto* any = rpc_status.add_details();
    any->set_type_url(kRetryInfoType.data(), kRetryInfoType.size());
    any->set_value(info.SerializeAsString());
  }
  return grpc::Status(code, message, rpc_status.SerializeAsString());
}

bool FromNatterService(const grpc::Status& status) {
  const std::string& details = status.error_details();
  if (status.ok() || details.empty()) return false;
  v1::RpcStatus rpc_status;
  return rpc_status.ParseFromArray(details.data(), static_cast<int>(details.size())) &&
         rpc_status.code() == static_cast<int32_t>(status.error_code()) &&
         rpc_status.message() == status.error_message();
}

grpc::Status PeerStatus(const grpc::Status& status, std::string_view peer) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    // Not cancelled by us, so by the peer: it was shutting down. Retrying reaches another replica.
    case grpc::StatusCode::CANCELLED:
      if (FromNatterService(status) && !status.error_message().empty()) return status;
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          std::string(peer) + " is unavailable, try again");
    default:
      return status;
  }
}

absl::Status FromGrpc(const grpc::Status& status, std::string_view peer) {
  if (status.ok()) return absl::OkStatus();
  const grpc::Status passed = peer.empty() ? status : PeerStatus(status, peer);
  absl::Status converted(static_cast<absl::StatusCode>(passed.error_code()),
                         passed.error_message());
  if (auto retry = RetryFromDetails(passed.error_details())) {
    converted.SetPayload(kRetryInfoType, absl::Cord(std::to_string(retry->count())));
  }
  return converted;
}

std::string WaitInWords(std::chrono::milliseconds wait) {
  // Rounded up, so nobody is told to wait "0.0 s" or comes back a moment too early.
  const int64_t ms = std::max<int64_t>(wait.count(), 1);
  if (ms < 60'000) return fmt::format("{:.1f} s", static_cast<double>((ms + 99) / 100) / 10.0);
  if (ms < 3'600'000) return fmt::format("{} min", (ms + 59'999) / 60'000);
  return fmt::format("{} h", (ms + 3'599'999) / 3'600'000);
}

absl::Status TooFast(std::string_view message, std::chrono::milliseconds retry_after) {
  absl::Status status(absl::StatusCode::kResourceExhausted,
                      fmt::format("{}; try again in {}", message, WaitInWords(retry_after)));
  status.SetPayload(kRetryInfoType, absl::Cord(std::to_string(retry_after.count())));
  return status;
}

std::optional<std::chrono::milliseconds> RetryAfter(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryInfoType);
  if (!payload) return std::nullopt;
  try {
    return std::chrono::milliseconds(std::stoll(std::string(*payload)));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<std::chrono::milliseconds> RetryAfter(const grpc::Status& status) {
  return RetryFromDetails(status.error_details());
}

}  // namespace natter
