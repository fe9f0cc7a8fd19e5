// EventPublisher on Redis PUBLISH.
#pragma once

#include "common/redis_client.h"
#include "message_store.h"

namespace natter::chat {

class RedisEventPublisher final : public EventPublisher {
 public:
  explicit RedisEventPublisher(RedisClient& redis) : redis_(redis) {}
  absl::Status Publish(const std::string& channel, const std::string& payload) override {
    return redis_.Command({"PUBLISH", channel, payload}).status();
  }

 private:
  RedisClient& redis_;
};

}  // namespace natter::chat
