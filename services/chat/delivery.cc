#include "delivery.h"

#include <spdlog/spdlog.h>

#include "common/channels.h"
#include "common/status.h"
#include "natter/v1/gateway.pb.h"

namespace natter::chat {

void PublishEntry(EventPublisher& publisher, const ConversationRecord& conversation,
                  const v1::ChatMessage& entry, const std::string& low_name,
                  const std::string& high_name) {
  absl::Status status;
  if (!conversation.is_direct()) {  // a room or a group: its channel
    v1::ServerEvent event;
    *event.mutable_message() = entry;
    event.mutable_message()->set_room(conversation.name);
    status = publisher.Publish(ConversationChannel(conversation.id), event.SerializeAsString());
  } else {
    std::vector<std::pair<std::string, std::string>> copies;
    for (auto [user, peer, peer_name] :
         {std::tuple{conversation.direct_low, conversation.direct_high, &high_name},
          std::tuple{conversation.direct_high, conversation.direct_low, &low_name}}) {
      v1::ServerEvent event;
      *event.mutable_message() = entry;
      event.mutable_message()->set_peer_id(peer);
      event.mutable_message()->set_peer(*peer_name);
      copies.emplace_back(UserChannel(user), event.SerializeAsString());
    }
    status = publisher.PublishMany(copies);
  }
  if (!status.ok()) {
    spdlog::warn("publish of conversation {} seq {} failed (receivers will sync): {}",
                 conversation.id, entry.seq(), status.message());
  }
}

void PublishUserEvents(EventPublisher& publisher, const std::vector<StoredUserEvent>& events) {
  if (events.empty()) return;
  std::vector<std::pair<std::string, std::string>> batch;
  for (const auto& stored : events) {
    v1::ServerEvent event;
    *event.mutable_user_event() = stored.event;
    batch.emplace_back(UserChannel(stored.user_id), event.SerializeAsString());
  }
  if (auto s = publisher.PublishMany(batch); !s.ok()) {
    spdlog::warn("publish of {} user events failed (users will sync): {}", events.size(),
                 s.message());
  }
}

void AnnounceBlockChanged(EventPublisher& publisher, uint64_t a, uint64_t b, bool hidden) {
  std::vector<std::pair<std::string, std::string>> batch;
  for (auto [to, about] : {std::pair{a, b}, std::pair{b, a}}) {
    v1::ServerEvent event;
    event.mutable_block_changed()->set_user_id(about);
    event.mutable_block_changed()->set_hidden(hidden);
    batch.emplace_back(UserChannel(to), event.SerializeAsString());
  }
  if (auto s = publisher.PublishMany(batch); !s.ok()) {
    // Streams opened from now on know from their Welcome; open ones until they reconnect do not.
    spdlog::warn("could not announce a block change to the gateways: {}", s.message());
  }
}

void AnnounceAudienceChanged(EventPublisher& publisher, const std::vector<uint64_t>& user_ids) {
  if (user_ids.empty()) return;
  if (auto s = publisher.Publish(kAudienceChangedChannel, AudienceChangedPayload(user_ids));
      !s.ok()) {
    spdlog::warn("could not announce an audience change to presence: {}", s.message());
  }
}

}  // namespace natter::chat
