// Pinned messages (issue 23 item 8, second half): a conversation's list of at most kMaxPins
// messages, changed by message_pinned / message_unpinned entries (message_pins, migration 011).
#pragma once

#include <cstddef>

#include "absl/status/status.h"
#include "message_store.h"

namespace natter::chat {

// PERMISSION_DENIED unless the caller (as `c` was resolved for them) may pin and unpin messages of
// `c`: both sides of a direct conversation, every member of a group; in a room its owner and
// moderators; in the lobby, which has no owner or moderators, nobody.
absl::Status MayPin(const ConversationRecord& c);

}  // namespace natter::chat
