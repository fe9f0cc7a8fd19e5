// natterctl search: message search over the user's conversations (docs/PROTOCOL.md, "Search").
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "ctl_common.h"
#include "natter/v1/chat.pb.h"

namespace natter::ctl {

// A hit as `search` prints it: type "hit", conversation (id), conversation_kind,
// conversation_name, seq, message_id, sender_id, sender, sent_at (RFC 3339), edited_at (RFC 3339,
// or null), snippet, marks ([[begin, end], ...]: byte ranges of the snippet), matched (the marked
// text, in order) and score.
nlohmann::json SearchHitJson(const v1::SearchHit& hit);

// Prints one JSON line per hit, most relevant first, then, when there are more,
// {"type":"more","before":TOKEN}: pass TOKEN as `page_token` for the next page.
int Search(const Globals& g, const std::string& query, uint32_t limit,
           const std::string& page_token);

}  // namespace natter::ctl
