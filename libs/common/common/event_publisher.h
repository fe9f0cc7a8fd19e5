// Publishing events for gateways: the interface services depend on, and its Redis PUBLISH
// implementation. Payloads are serialized natter.v1.ServerEvent messages; channels come from
// channels.h.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/redis_client.h"

namespace natter {

class EventPublisher {
 public:
  virtual ~EventPublisher() = default;
  virtual absl::Status Publish(const std::string& channel, const std::string& payload) = 0;
  // Many events in one round trip (channel, payload).
  virtual absl::Status PublishMany(
      const std::vector<std::pair<std::string, std::string>>& events) = 0;
};

class RedisEventPublisher final : public EventPublisher {
 public:
  explicit RedisEventPublisher(RedisClient& redis) : redis_(redis) {}
  absl::Status Publish(const std::string& channel, const std::string& payload) override {
    return redis_.Command(redis_.PublishCommand(channel, payload)).status();
  }
  absl::Status PublishMany(
      const std::vector<std::pair<std::string, std::string>>& events) override {
    if (events.empty()) return absl::OkStatus();
    std::vector<std::vector<std::string>> commands;
    commands.reserve(events.size());
    for (const auto& [channel, payload] : events) {
      commands.push_back(redis_.PublishCommand(channel, payload));
    }
    return redis_.Pipeline(commands).status();
  }

 private:
  RedisClient& redis_;
};

}  // namespace natter
