// The users a run needs, made once and reused: accounts lg1..lgN with a known password, a session
// token for each (kept in a state file, mode 0600), the fan-out room with all of them in it, and
// friendships between pairs (lg1 & lg2, lg3 & lg4, ...) for direct messages. A later run checks the
// saved tokens and redoes only what is missing, so it does not pay for registration (password
// hashing) again.
#pragma once

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace natter::loadgen {

struct PrepareOptions {
  std::vector<std::string> gateways;
  std::string prefix = "lg";
  std::string password;
  size_t users = 0;
  bool room = false;     // every user in the room `<prefix>-room`
  bool friends = false;  // pairs befriended
  std::filesystem::path state_file;
  size_t threads = 16;
  std::function<std::shared_ptr<grpc::Channel>(const std::string&)> channel;
};

struct PreparedUser {
  std::string name;
  std::string token;
};

struct Prepared {
  std::vector<PreparedUser> users;  // users[i] is <prefix><i + 1>
  std::string room;
};

// Throws std::runtime_error with a readable message when the stack refuses something it should not.
Prepared Prepare(const PrepareOptions& options, bool verbose);

// Name of user i (0-based).
std::string UserName(const std::string& prefix, size_t i);

}  // namespace natter::loadgen
