// The authenticated caller the gateway puts into every natter-chat request, for chat unit tests.
#pragma once

#include <cstdint>
#include <string>

#include "natter/v1/common.pb.h"

namespace natter::chat {

inline v1::Caller MakeCaller(uint64_t user_id, const std::string& username) {
  v1::Caller caller;
  caller.set_user_id(user_id);
  caller.set_username(username);
  caller.set_session_id("session-" + username);
  return caller;
}

}  // namespace natter::chat
