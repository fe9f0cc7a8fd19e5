// EventPublisher over Redis: PUBLISH (SPUBLISH on a cluster), many events in one pipelined round
// trip.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/event_publisher.h"
#include "common/redis_client.h"

namespace natter {

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
