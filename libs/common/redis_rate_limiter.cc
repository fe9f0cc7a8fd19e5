#include "common/redis_rate_limiter.h"

#include <fmt/format.h>

#include <algorithm>

namespace natter {

namespace {

// GcraTake in Lua, on Redis's clock. KEYS[1]: the caller; ARGV: interval and capacity in ms.
constexpr const char* kGcraScript = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local stored = redis.call('GET', KEYS[1])
local tat = now
if stored then tat = math.max(tonumber(stored), now) end
local next = tat + interval
local excess = next - now - capacity
if excess > 0 then return math.max(1, math.ceil(excess)) end
redis.call('SET', KEYS[1], string.format('%.3f', next), 'PX', math.max(1, math.ceil(next - now)))
return 0
)lua";

}  // namespace

absl::StatusOr<std::chrono::milliseconds> RedisRateLimiter::Take(const std::string& key,
                                                                 const RateLimit& limit) {
  if (limit.unlimited()) return std::chrono::milliseconds(0);
  const double interval = 1000.0 / limit.per_second;
  const double capacity = interval * std::max(1.0, limit.burst);
  auto reply = redis_.Command({"EVAL", kGcraScript, "1", key, fmt::format("{:.3f}", interval),
                               fmt::format("{:.3f}", capacity)});
  if (!reply.ok()) return reply.status();
  if (!reply->is_integer()) {
    return absl::InternalError(fmt::format("rate limit script answered {}", reply->str()));
  }
  return std::chrono::milliseconds(reply->integer());
}

}  // namespace natter
