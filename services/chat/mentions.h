// Mentions (issue 23 item 4): the "@username" names in a message's text, and the users of the
// conversation they stand for. Resolved by natter-chat at Send and at Edit and stored with the
// entry (message_mentions, migration 010); ChatService::ListMentions, a user's mentions list, is
// defined in mentions.cc. See docs/PROTOCOL.md, "Mentions".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "message_store.h"
#include "natter/v1/common.pb.h"
#include "user_directory.h"

namespace natter::chat {

// How many different "@names" of one text are looked up; later ones stay plain text. (Each may
// cost a lookup in natter-auth and one in the conversation's members.)
inline constexpr size_t kMaxMentions = 20;
// A username has at most 32 characters (natter-auth), so a longer "@name" names no one.
inline constexpr size_t kMaxMentionNameBytes = 32 * 4;

// The different names `text` writes as "@name" (or with the fullwidth "＠"), in the order first
// written, at most `max`. A name is the longest run of letters, digits, combining marks, '_', '.'
// and '-' after the sign, without trailing '.' and '-' (the end of a sentence: "thanks @ann.").
// A sign right after a cased letter or a digit ("ann@example.com") starts no name; after Han
// or kana it does ("你好@小明"). Names are compared as
// written: "@Ann" and "@ann" are two names for natter-auth to resolve (to one user).
std::vector<std::string> MentionedNames(std::string_view text, size_t max = kMaxMentions);

// The users `text` mentions in conversation `c`: each name of MentionedNames that natter-auth
// resolves (ignoring case and width, as usernames compare) to a user who can read `c` (a member;
// in the lobby anyone), other than `author`, once each, in the order first written, with `added`
// set. Unknown names and non-members stay plain text. Fails only when a lookup fails.
absl::StatusOr<std::vector<v1::Mention>> ResolveMentions(UserDirectory& users, MessageStore& store,
                                                         const ConversationRecord& c,
                                                         uint64_t author, std::string_view text);

}  // namespace natter::chat
