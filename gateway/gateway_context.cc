#include "gateway_context.h"

#include <algorithm>

namespace natter::gateway {

std::string BearerToken(const grpc::CallbackServerContext& context) {
  constexpr std::string_view kBearer = "Bearer ";
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return "";
  std::string_view value(it->second.data(), it->second.size());
  return value.starts_with(kBearer) ? std::string(value.substr(kBearer.size())) : "";
}

std::chrono::system_clock::time_point PasswordCallDeadline(
    const grpc::CallbackServerContext& context, const GatewayOptions& options) {
  return std::min(context.deadline(),
                  std::chrono::system_clock::now() + options.password_call_timeout);
}

bool GatewayContext::AdmitStream(uint64_t user_id) {
  std::lock_guard lock(streams_mu_);
  size_t& count = streams_per_user_[user_id];
  if (count >= options.max_streams_per_user) return false;
  ++count;
  return true;
}

void GatewayContext::ReleaseStream(uint64_t user_id) {
  std::lock_guard lock(streams_mu_);
  auto it = streams_per_user_.find(user_id);
  if (it == streams_per_user_.end()) return;
  if (--it->second == 0) streams_per_user_.erase(it);
}

}  // namespace natter::gateway
