#include "common/channels.h"

#include <prometheus/counter.h>
#include <spdlog/spdlog.h>

#include <charconv>

#include "common/metrics.h"
#include "natter/v1/presence.pb.h"

namespace natter {
namespace {

// The previous release's payload: "12,34,56". Every byte a digit or a comma, so never a serialized
// v1::AudienceChanged (whose first byte is field 1's tag, 0x0a).
std::optional<std::vector<uint64_t>> ParseLegacyIds(std::string_view payload) {
  std::vector<uint64_t> ids;
  const char* at = payload.data();
  const char* end = payload.data() + payload.size();
  while (true) {
    uint64_t id = 0;
    auto [next, error] = std::from_chars(at, end, id);
    if (error != std::errc() || id == 0) return std::nullopt;
    ids.push_back(id);
    if (next == end) return ids;
    if (*next != ',') return std::nullopt;
    at = next + 1;
  }
}

bool LooksLikeLegacyIds(std::string_view payload) {
  return !payload.empty() && payload.find_first_not_of("0123456789,") == std::string_view::npos;
}

prometheus::Family<prometheus::Counter>& DroppedPayloads() {
  static auto& family = prometheus::BuildCounter()
                            .Name("natter_redis_payloads_dropped_total")
                            .Help("Pub/sub payloads a subscriber could not use, by channel")
                            .Register(Metrics::Get().registry());
  return family;
}

}  // namespace

void DropPayload(std::string_view channel, std::string_view why) {
  DroppedPayloads().Add({{"channel", std::string(channel)}}).Increment();
  spdlog::warn("dropped a payload on {}: {}", channel, why);
}

std::string AudienceChangedPayload(const std::vector<uint64_t>& user_ids) {
  v1::AudienceChanged message;
  message.mutable_user_ids()->Add(user_ids.begin(), user_ids.end());
  return message.SerializeAsString();
}

std::optional<std::vector<uint64_t>> ParseAudienceChanged(std::string_view payload) {
  if (LooksLikeLegacyIds(payload)) return ParseLegacyIds(payload);
  v1::AudienceChanged message;
  if (!message.ParseFromArray(payload.data(), static_cast<int>(payload.size())) ||
      message.user_ids().empty()) {
    return std::nullopt;
  }
  std::vector<uint64_t> ids(message.user_ids().begin(), message.user_ids().end());
  for (uint64_t id : ids) {
    if (id == 0) return std::nullopt;
  }
  return ids;
}

}  // namespace natter
