// natterctl's messaging commands: send, edit, delete, react, typing, read and listen over the
// gateway's Connect stream; history.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ctl_common.h"

namespace natter::ctl {

// What a command acts on: a room, the direct conversation with a user, or a conversation by id
// (exactly one is set).
struct Target {
  std::string room;
  std::string user;
  uint64_t conversation_id = 0;
};

// A CONVERSATION argument: a conversation id (digits), "@USER" for the direct conversation with
// USER, or a room name.
Target ParseConversation(const std::string& spec);
natter::v1::ConversationRef RefOf(const Target& target);

// reply_to: the seq of the message it replies to, 0 for none. file: a file to upload first and
// send with the message ("" for none); the ack's JSON then carries it as "attachment".
int Send(const Globals& g, const Target& target, const std::string& text, std::string client_msg_id,
         uint64_t reply_to = 0, const std::string& file = "");
int Edit(const Globals& g, const Target& target, uint64_t seq, const std::string& text);
int Delete(const Globals& g, const Target& target, uint64_t seq);
// Pins (or with `unpin` unpins) message `seq`; prints the ack.
int Pin(const Globals& g, const Target& target, uint64_t seq, bool unpin);
// Prints the conversation's pinned messages as JSON lines, most recently pinned first.
int ListPins(const Globals& g, const Target& target);
// Adds (or with `remove` takes back) the user's reaction `emoji` to message `seq`.
int React(const Globals& g, const Target& target, uint64_t seq, const std::string& emoji,
          bool remove);
int Typing(const Globals& g, const Target& target);
int MarkRead(const Globals& g, const Target& target, uint64_t seq);
// A duration as natterctl takes it: one or more numbers each with a unit s, m, h or d ("8h",
// "1h30m", "2d"), in milliseconds; CtlError otherwise.
int64_t ParseDurationMs(const std::string& text);
// An RFC 3339 time ("2026-12-24T18:00:00Z", "2026-12-24T19:00:00+01:00", fractions allowed) in
// Unix milliseconds; CtlError otherwise.
int64_t ParseRfc3339Ms(const std::string& text);
// Sets the user's notification settings for a conversation: `level` (UNSPECIFIED: unchanged) and
// `muted_until_ms` when given (0: unmute). Prints the settings after it as JSON.
int SetNotifications(const Globals& g, const Target& target, v1::NotifyLevel level,
                     std::optional<int64_t> muted_until_ms);
// Prints a page of history as JSON lines, oldest first (`before_seq` 0: the latest).
int History(const Globals& g, const Target& target, uint64_t before_seq, uint32_t limit);
// Prints the messages that mention the user as JSON lines, newest first
// (`before_message_id` 0: from the newest).
int ListMentions(const Globals& g, uint64_t before_message_id, uint32_t limit);
// Prints events as JSON lines until `count` were printed (0: no limit) or `deadline` passes; with
// `types`, only events of those types (e.g. "message", "friend_request", "presence"). Resumes
// from the cursors in $NATTER_HOME unless `from_start`.
int Listen(const Globals& g, int count, std::optional<Clock::time_point> deadline,
           const std::vector<std::string>& types, bool from_start);

}  // namespace natter::ctl
