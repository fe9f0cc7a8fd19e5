#include "common/rate_limit.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "common/status.h"

namespace natter {

std::chrono::milliseconds GcraTake(const RateLimit& limit, double now_ms, double& tat_ms) {
  if (limit.unlimited()) return std::chrono::milliseconds(0);
  const double interval = 1000.0 / limit.per_second;
  const double capacity = interval * std::max(1.0, limit.burst);
  const double next = std::max(tat_ms, now_ms) + interval;
  const double excess = next - now_ms - capacity;
  if (excess > 0) {
    return std::chrono::milliseconds(std::max<int64_t>(1, static_cast<int64_t>(std::ceil(excess))));
  }
  tat_ms = next;
  return std::chrono::milliseconds(0);
}

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

}  // namespace natter
