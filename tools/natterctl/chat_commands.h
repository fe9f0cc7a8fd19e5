// natterctl's messaging commands: send and listen, over the gateway's Connect stream.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ctl_common.h"

namespace natter::ctl {

int Send(const Globals& g, const std::string& room, uint64_t conversation_id,
         const std::string& text, std::string client_msg_id);
// Prints a page of a room's history as JSON lines, oldest first (`before_seq` 0: the latest).
int History(const Globals& g, const std::string& room, uint64_t before_seq, uint32_t limit);
// Prints events as JSON lines until `count` were printed (0: no limit) or `deadline` passes; with
// `types`, only events of those types (e.g. "message", "friend_request", "presence").
int Listen(const Globals& g, int count, std::optional<Clock::time_point> deadline,
           const std::vector<std::string>& types);

}  // namespace natter::ctl
