// natterctl's room and conversation commands: rooms
// list|create|join|leave|members|kick|topic|rename, conversations, unread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ctl_common.h"

namespace natter::ctl {

int ListRooms(const Globals& g, const std::string& prefix, uint32_t limit);
int CreateRoom(const Globals& g, const std::string& name, const std::string& topic);
int JoinRoom(const Globals& g, const std::string& room);
int LeaveRoom(const Globals& g, const std::string& room);
int RoomMembers(const Globals& g, const std::string& room);
int RemoveMember(const Globals& g, const std::string& room, const std::string& user);
int UpdateRoom(const Globals& g, const std::string& room, std::optional<std::string> topic,
               std::optional<std::string> new_name);
// Every conversation of the user (only_unread: those with unread messages), one JSON line each.
int ListConversations(const Globals& g, bool only_unread);

}  // namespace natter::ctl
