#include "social_commands.h"

#include <map>

#include "natter/v1/gateway.grpc.pb.h"
#include "output.h"

namespace natter::ctl {
namespace {

namespace v1 = natter::v1;

nlohmann::json PresenceJson(const std::string& username, const std::string& status,
                            int64_t last_seen_ms) {
  nlohmann::json j = {{"user", username}, {"status", status}};
  if (status == "offline" && last_seen_ms > 0) j["last_seen"] = Rfc3339(last_seen_ms);
  return j;
}

}  // namespace

int ListFriends(const Globals& g) {
  auto context = AuthedContext(g);
  v1::ListFriendsResponse response;
  CheckStatus(GatewayStub(g)->ListFriends(context.get(), v1::ListFriendsRequest(), &response), g);
  nlohmann::json friends = nlohmann::json::array();
  for (const auto& f : response.friends()) {
    nlohmann::json j = PresenceJson(f.username(), f.status(), f.last_seen_ms());
    j["user_id"] = f.user_id();
    j["display_name"] = f.display_name();
    j["avatar_version"] = f.avatar_version();
    j["since"] = Rfc3339(f.since_ms());
    friends.push_back(std::move(j));
  }
  nlohmann::json incoming = nlohmann::json::array();
  nlohmann::json outgoing = nlohmann::json::array();
  for (const auto& r : response.requests()) {
    nlohmann::json j = {
        {"user", r.username()}, {"message", r.message()}, {"at", Rfc3339(r.created_at_ms())}};
    (r.incoming() ? incoming : outgoing).push_back(std::move(j));
  }
  PrintJson({{"friends", friends},
             {"incoming_requests", incoming},
             {"outgoing_requests", outgoing},
             {"blocked", response.blocked()}});
  return 0;
}

int ChangeFriendship(const Globals& g, const std::string& action, const std::string& user,
                     const std::string& message) {
  static const std::map<std::string, v1::FriendAction> kActions = {
      {"add", v1::FRIEND_ACTION_ADD},        {"cancel", v1::FRIEND_ACTION_CANCEL},
      {"accept", v1::FRIEND_ACTION_ACCEPT},  {"reject", v1::FRIEND_ACTION_REJECT},
      {"remove", v1::FRIEND_ACTION_REMOVE},  {"block", v1::FRIEND_ACTION_BLOCK},
      {"unblock", v1::FRIEND_ACTION_UNBLOCK}};
  auto it = kActions.find(action);
  if (it == kActions.end()) throw CtlError{"unknown friends action \"" + action + "\"", 2};
  auto context = AuthedContext(g);
  v1::FriendshipRequest request;
  request.set_action(it->second);
  request.set_username(user);
  request.set_message(message);
  v1::FriendshipResponse response;
  CheckStatus(GatewayStub(g)->Friendship(context.get(), request, &response), g);
  PrintJson({{"user", response.username()}, {"relation", response.relation()}});
  return 0;
}

int ShowPresence(const Globals& g, const std::vector<std::string>& users) {
  auto context = AuthedContext(g);
  v1::ClientPresenceRequest request;
  for (const auto& u : users) request.add_usernames(u);
  v1::ClientPresenceResponse response;
  CheckStatus(GatewayStub(g)->GetPresence(context.get(), request, &response), g);
  for (const auto& u : response.users()) {
    PrintJson(PresenceJson(u.username(), u.status(), u.last_seen_ms()));
  }
  return 0;
}

int SetStatus(const Globals& g, const std::string& status) {
  auto context = AuthedContext(g);
  v1::ClientSetStatusRequest request;
  request.set_status(status);
  v1::SetStatusResponse response;
  CheckStatus(GatewayStub(g)->SetStatus(context.get(), request, &response), g);
  PrintJson({{"status", status}, {"visible_as", response.visible_status()}});
  return 0;
}

int ListOnline(const Globals& g, const std::string& room) {
  auto context = AuthedContext(g);
  v1::ClientListOnlineRequest request;
  request.set_room(room);
  v1::ClientListOnlineResponse response;
  CheckStatus(GatewayStub(g)->ListOnline(context.get(), request, &response), g);
  nlohmann::json users = nlohmann::json::array();
  for (const auto& u : response.users())
    users.push_back({{"user", u.username()}, {"status", u.status()}});
  PrintJson({{"room", response.room()}, {"online", response.count()}, {"users", users}});
  return 0;
}

}  // namespace natter::ctl
