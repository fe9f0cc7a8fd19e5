// Publishing events on Redis pub/sub channels: the interface services depend on (the Redis PUBLISH
// implementation is in redis_event_publisher.h, a recording fake in tests/fakes). Channels and the
// protobuf message each carries are listed in channels.h.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace natter {

class EventPublisher {
 public:
  virtual ~EventPublisher() = default;
  virtual absl::Status Publish(const std::string& channel, const std::string& payload) = 0;
  // Many events in one round trip (channel, payload).
  virtual absl::Status PublishMany(
      const std::vector<std::pair<std::string, std::string>>& events) = 0;
};

}  // namespace natter
