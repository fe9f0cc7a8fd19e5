// natterctl's group conversation commands (issue 23 item 7): group create|add|remove|leave|rename|
// members. A group is named on the command line by its conversation id, as `send`, `history` and
// the other conversation commands take it (`natterctl conversations` lists it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ctl_common.h"

namespace natter::ctl {

// GROUP as given on the command line: a conversation id.
uint64_t ParseGroup(const std::string& spec);

// Creates a group of the caller and `users` (2 to 99 friends) with an optional title; prints it.
int CreateGroup(const Globals& g, const std::string& title, const std::vector<std::string>& users);
// Adds the caller's friends `users` to the group; prints the group.
int AddGroupMembers(const Globals& g, uint64_t group, const std::vector<std::string>& users);
// The creator removes `user` from the group; prints the group.
int RemoveGroupMember(const Globals& g, uint64_t group, const std::string& user);
// Leaves the group; prints it as the caller sees it after.
int LeaveGroup(const Globals& g, uint64_t group);
// Sets the group's title (empty: none); prints the group.
int RenameGroup(const Globals& g, uint64_t group, const std::string& title);
// The group's members, one JSON line each (the creator first, then by joining time).
int GroupMembers(const Globals& g, uint64_t group);

}  // namespace natter::ctl
