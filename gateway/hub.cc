#include "hub.h"

#include <spdlog/spdlog.h>

#include "event_frame.h"

namespace natter::gateway {

std::shared_ptr<const HubEvent> ParseHubEvent(const std::string& channel,
                                              std::string_view payload) {
  // Checked once per event, not per recipient: the publisher sent a well-formed event.
  auto parsed = std::make_shared<HubEvent>();
  if (!parsed->event.ParseFromArray(payload.data(), static_cast<int>(payload.size())) ||
      parsed->event.kind_case() == v1::ServerEvent::KIND_NOT_SET) {
    spdlog::warn("dropping malformed event ({} bytes) on channel {}", payload.size(), channel);
    return nullptr;
  }
  parsed->framed = FrameEvent(payload);
  return parsed;
}

}  // namespace natter::gateway
