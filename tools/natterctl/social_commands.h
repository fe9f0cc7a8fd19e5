// natterctl's friends and presence commands: friends [add|cancel|accept|reject|remove USER], block,
// unblock, presence [USER...], status online|away|invisible, online [--room ROOM].
#pragma once

#include <string>
#include <vector>

#include "ctl_common.h"

namespace natter::ctl {

int ListFriends(const Globals& g);
// action: add, cancel, accept, reject, remove, block, unblock.
int ChangeFriendship(const Globals& g, const std::string& action, const std::string& user,
                     const std::string& message);
int ShowPresence(const Globals& g, const std::vector<std::string>& users);
int SetStatus(const Globals& g, const std::string& status);
int ListOnline(const Globals& g, const std::string& room);

}  // namespace natter::ctl
