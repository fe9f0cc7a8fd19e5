// Publishing what natter-chat committed: conversation entries on room:{id} (rooms) or on both
// participants' user:{id} (direct conversations), durable user events on user:{id}. Publishing
// comes after commit and a failure loses nothing: receivers find the gap by seq and sync from
// MySQL.
#pragma once

#include <string>
#include <vector>

#include "common/event_publisher.h"
#include "friend_store.h"
#include "message_store.h"
#include "natter/v1/common.pb.h"

namespace natter::chat {

// Publishes `entry` of `conversation` to everyone in it (logging, not returning, a failure).
// For a direct conversation each participant's copy names the other as peer: `low_name` and
// `high_name` are the usernames of direct_low and direct_high.
void PublishEntry(EventPublisher& publisher, const ConversationRecord& conversation,
                  const v1::ChatMessage& entry, const std::string& low_name,
                  const std::string& high_name);

void PublishUserEvents(EventPublisher& publisher, const std::vector<StoredUserEvent>& events);

// Tells the gateways of `a` and `b` that a block between them began or ended: while `hidden`, each
// is kept out of the other's room notices on streams already open (the Welcome has the rest).
void AnnounceBlockChanged(EventPublisher& publisher, uint64_t a, uint64_t b, bool hidden);

// Tells natter-presence that these users' audience (friends, rooms) changed.
void AnnounceAudienceChanged(EventPublisher& publisher, const std::vector<uint64_t>& user_ids);

}  // namespace natter::chat
