// natterctl's private-room commands: rooms invite|uninvite|mute|unmute|history|privacy,
// invitations, invitation accept|decline.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ctl_common.h"
#include "natter/v1/chat.pb.h"

namespace natter::ctl {

// Invites `user` to the room (cancel: withdraws the invitation); prints the room.
int InviteToRoom(const Globals& g, const std::string& room, const std::string& user, bool cancel);
// The caller's pending invitations, newest first, one JSON line each.
int ListInvitations(const Globals& g);
// Accepts (joins the room) or declines an invitation; prints the room.
int AnswerInvitation(const Globals& g, const std::string& room, bool accept);
// Mutes `user` in the room until `muted_until_ms` (0 unmutes); prints the room.
int MuteMember(const Globals& g, const std::string& room, const std::string& user,
               int64_t muted_until_ms);
// The owner's room settings: who reads the history, and private or public; prints the room.
int SetRoomSettings(const Globals& g, const std::string& room, std::optional<bool> is_private,
                    v1::HistoryVisibility history);

}  // namespace natter::ctl
