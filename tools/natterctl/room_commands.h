// natterctl's room and conversation commands: rooms
// list|create|join|leave|members|kick|ban|unban|bans|mod|unmod|topic|rename, conversations, unread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ctl_common.h"
#include "natter/v1/chat.pb.h"

namespace natter::ctl {

int ListRooms(const Globals& g, const std::string& prefix, uint32_t limit);
// A room the caller owns: public (listed) or private (invite-only), and who reads its history.
int CreateRoom(const Globals& g, const std::string& name, const std::string& topic,
               bool is_private = false, v1::HistoryVisibility history = v1::HISTORY_VISIBILITY_ALL);
int JoinRoom(const Globals& g, const std::string& room);
int LeaveRoom(const Globals& g, const std::string& room);
int RoomMembers(const Globals& g, const std::string& room);
// Removes, bans or unbans `user` (the action); prints the room after the change.
int RemoveMember(const Globals& g, const std::string& room, const std::string& user,
                 v1::MemberAction action);
// Makes `user` a moderator of the room or a plain member again; prints the room after the change.
int SetMemberRole(const Globals& g, const std::string& room, const std::string& user,
                  v1::RoomRole role);
// A room's bans, newest first, one JSON line each.
int RoomBans(const Globals& g, const std::string& room);
int UpdateRoom(const Globals& g, const std::string& room, std::optional<std::string> topic,
               std::optional<std::string> new_name);
// Every conversation of the user (only_unread: those with unread messages), one JSON line each.
int ListConversations(const Globals& g, bool only_unread);

}  // namespace natter::ctl
