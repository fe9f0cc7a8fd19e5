#include "chat_limits.h"

#include <spdlog/spdlog.h>

#include "common/status.h"

namespace natter::chat {

absl::Status TakeAllowance(RateLimiter& limiter, const std::string& key, const RateLimit& limit,
                           std::string_view too_fast) {
  auto wait = limiter.Take(key, limit);
  if (!wait.ok()) {
    spdlog::debug("allowance {} unknown: {}", key, wait.status().message());
    return absl::OkStatus();
  }
  if (wait->count() == 0) return absl::OkStatus();
  return TooFast(too_fast, *wait);
}

}  // namespace natter::chat
