// natterctl's output contract: one JSON object per line for acks and events (docs/PROTOCOL.md).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "natter/v1/auth.pb.h"
#include "natter/v1/common.pb.h"
#include "natter/v1/gateway.pb.h"

namespace natter::ctl {

// Unix milliseconds as RFC 3339 UTC with milliseconds, e.g. 2026-11-26T08:01:48.123Z.
std::string Rfc3339(int64_t unix_ms);

// "Muted until unmuted" (NotificationSettings.muted_until_ms, docs/PROTOCOL.md).
inline constexpr int64_t kMutedForeverMs = 253'402'300'799'000;

nlohmann::json AckJson(const v1::SendAck& ack);
// Adds "notify" ("all" or "none") and "muted_until" (RFC 3339, "forever", or null when not muted)
// to `j`, a conversation's line or a settings change's.
void AddNotificationsJson(const v1::NotificationSettings& n, nlohmann::json& j);
// A conversation entry: a message (type "message"), an edit or deletion, or a room change.
nlohmann::json MessageJson(const v1::ChatMessage& message);
// A pinned message: the message as MessageJson prints it, with "pinned_by" and "pinned_at".
nlohmann::json PinJson(const v1::Pin& pin);
nlohmann::json ConversationJson(const v1::Conversation& conversation);
// A stored file (an upload's answer, a message's attachment): file_id, name, content_type, size,
// sha256, and for images width, height and "thumbnail": true.
nlohmann::json FileJson(const v1::FileInfo& file);
nlohmann::json ProfileJson(const v1::Profile& profile);
nlohmann::json UserEventJson(const v1::UserEvent& event);
// A room invitation: type "invitation_" + its type (invited, accepted, declined, cancelled), room,
// conversation, inviter, invitee, invited_at, by; with `event`, its event_seq and at.
nlohmann::json InvitationJson(const v1::RoomInvitation& invitation,
                              const v1::UserEvent* event = nullptr);
// A server event as `listen` prints it; null for events that are not shown (welcome, results).
nlohmann::json EventJson(const v1::ServerEvent& event);

}  // namespace natter::ctl
