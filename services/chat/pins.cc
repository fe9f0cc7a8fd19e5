// Pinned messages (issue 23 item 8, second half): who may pin in a conversation, and the pins list.
// ChatService::Pin appends the entries (chat_service.cc, beside React); see docs/PROTOCOL.md,
// "Pin rules".
#include "pins.h"

#include <vector>

#include "chat_service.h"
#include "common/status.h"
#include "room_rules.h"

namespace natter::chat {

absl::Status MayPin(const ConversationRecord& c) {
  if (c.is_direct() || c.is_group()) return absl::OkStatus();
  if (c.is_lobby()) {
    return absl::PermissionDeniedError("messages in the lobby cannot be pinned");
  }
  if (c.role == MemberRole::kOwner || c.role == MemberRole::kModerator) return absl::OkStatus();
  return absl::PermissionDeniedError("only the room's owner and moderators pin messages");
}

absl::StatusOr<v1::ListPinsResponse> ChatService::ListPins(const v1::ListPinsRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  ASSIGN_OR_RETURN(auto conversation, Resolve(request.caller(), request.conversation(), false));
  ASSIGN_OR_RETURN(auto pins, store_.Pins(conversation.id));
  // A since_join member sees the pins of what it can read (room_rules.h).
  std::erase_if(pins,
                [&](const v1::Pin& pin) { return !CanReadSeq(conversation, pin.message().seq()); });
  std::vector<v1::ChatMessage> messages;
  for (auto& pin : pins) messages.push_back(std::move(*pin.mutable_message()));
  RETURN_IF_ERROR(AttachReactions(conversation.id, messages));
  RETURN_IF_ERROR(AttachMentions(conversation.id, messages));
  google::protobuf::RepeatedPtrField<v1::ChatMessage> presented;
  Present(conversation, request.caller().user_id(), messages, presented);
  Names names;
  {
    std::vector<uint64_t> ids;
    for (const auto& pin : pins) ids.push_back(pin.pinned_by_id());
    names = LookupNames(users_, std::move(ids));
  }
  v1::ListPinsResponse response;
  response.set_conversation_id(conversation.id);
  for (size_t i = 0; i < pins.size(); ++i) {
    v1::Pin* out = response.add_pins();
    *out = std::move(pins[i]);
    *out->mutable_message() = std::move(*presented.Mutable(static_cast<int>(i)));
    if (auto it = names.find(out->pinned_by_id()); it != names.end()) {
      out->set_pinned_by(it->second);
    }
  }
  return response;
}

}  // namespace natter::chat
