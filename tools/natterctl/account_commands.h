// natterctl's account commands: register, login, logout, whoami, passwd, sessions, profile, avatar,
// delete-account. All but register and login act as the current user (--as, else the last login).
#pragma once

#include <optional>
#include <string>

#include "ctl_common.h"

namespace natter::ctl {

int Register(const Globals& g, const std::string& user, const std::string& display_name);
int Login(const Globals& g, const std::string& user, std::string device);
int Logout(const Globals& g, bool all);
int WhoAmI(const Globals& g);
int ChangePassword(const Globals& g);
int ListSessions(const Globals& g);
int RevokeSession(const Globals& g, const std::string& session_id);
// USER empty: the current user's own profile.
int ShowProfile(const Globals& g, const std::string& user);
int SetProfile(const Globals& g, const std::optional<std::string>& display_name);
int SetAvatar(const Globals& g, const std::string& file);
int GetAvatar(const Globals& g, const std::string& user, const std::string& out_file);
int DeleteAccount(const Globals& g);

}  // namespace natter::ctl
