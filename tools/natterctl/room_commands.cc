#include "room_commands.h"

#include "natter/v1/gateway.grpc.pb.h"
#include "output.h"

namespace natter::ctl {

namespace v1 = natter::v1;

namespace {

void PrintRoom(const v1::RoomResponse& response) { PrintJson(ConversationJson(response.room())); }

}  // namespace

int ListRooms(const Globals& g, const std::string& prefix, uint32_t limit) {
  auto context = AuthedContext(g);
  v1::ListRoomsRequest request;
  request.set_prefix(prefix);
  request.set_limit(limit);
  v1::ListRoomsResponse response;
  CheckStatus(GatewayStub(g)->ListRooms(context.get(), request, &response), g);
  for (const auto& listing : response.rooms()) {
    nlohmann::json j = ConversationJson(listing.room());
    j.erase("unread");
    j.erase("last_read_seq");
    j["joined"] = listing.joined();
    PrintJson(j);
  }
  return 0;
}

int CreateRoom(const Globals& g, const std::string& name, const std::string& topic, bool is_private,
               v1::HistoryVisibility history) {
  auto context = AuthedContext(g);
  v1::CreateRoomRequest request;
  request.set_name(name);
  request.set_topic(topic);
  request.set_private_room(is_private);
  request.set_history(history);
  v1::RoomResponse response;
  CheckStatus(GatewayStub(g)->CreateRoom(context.get(), request, &response), g);
  PrintRoom(response);
  return 0;
}

int JoinRoom(const Globals& g, const std::string& room) {
  auto context = AuthedContext(g);
  v1::RoomRequest request;
  request.set_room(room);
  v1::RoomResponse response;
  CheckStatus(GatewayStub(g)->JoinRoom(context.get(), request, &response), g);
  PrintRoom(response);
  return 0;
}

int LeaveRoom(const Globals& g, const std::string& room) {
  auto context = AuthedContext(g);
  v1::RoomRequest request;
  request.set_room(room);
  v1::RoomResponse response;
  CheckStatus(GatewayStub(g)->LeaveRoom(context.get(), request, &response), g);
  PrintRoom(response);
  return 0;
}

int RoomMembers(const Globals& g, const std::string& room) {
  auto context = AuthedContext(g);
  v1::RoomRequest request;
  request.set_room(room);
  v1::RoomMembersResponse response;
  CheckStatus(GatewayStub(g)->RoomMembers(context.get(), request, &response), g);
  for (const auto& m : response.members()) {
    nlohmann::json j = {{"user", m.username()},
                        {"user_id", m.user_id()},
                        {"role", m.role()},
                        {"joined_at", Rfc3339(m.joined_at_ms())}};
    // Muted by a moderator: until when ("forever": until unmuted).
    if (m.muted_until_ms() == kMutedForeverMs) {
      j["muted_until"] = "forever";
    } else if (m.muted_until_ms() != 0) {
      j["muted_until"] = Rfc3339(m.muted_until_ms());
    }
    PrintJson(j);
  }
  return 0;
}

int RemoveMember(const Globals& g, const std::string& room, const std::string& user,
                 v1::MemberAction action) {
  auto context = AuthedContext(g);
  v1::RemoveMemberRequest request;
  request.set_room(room);
  request.set_username(user);
  request.set_action(action);
  v1::RoomResponse response;
  CheckStatus(GatewayStub(g)->RemoveMember(context.get(), request, &response), g);
  PrintRoom(response);
  return 0;
}

int SetMemberRole(const Globals& g, const std::string& room, const std::string& user,
                  v1::RoomRole role) {
  auto context = AuthedContext(g);
  v1::SetMemberRoleRequest request;
  request.set_room(room);
  request.set_username(user);
  request.set_role(role);
  v1::RoomResponse response;
  CheckStatus(GatewayStub(g)->SetMemberRole(context.get(), request, &response), g);
  PrintRoom(response);
  return 0;
}

int RoomBans(const Globals& g, const std::string& room) {
  auto context = AuthedContext(g);
  v1::RoomRequest request;
  request.set_room(room);
  request.set_bans(true);
  v1::RoomMembersResponse response;
  CheckStatus(GatewayStub(g)->RoomMembers(context.get(), request, &response), g);
  for (const auto& b : response.bans()) {
    PrintJson({{"user", b.username()},
               {"user_id", b.user_id()},
               {"by", b.by()},
               {"banned_at", Rfc3339(b.banned_at_ms())}});
  }
  return 0;
}

int UpdateRoom(const Globals& g, const std::string& room, std::optional<std::string> topic,
               std::optional<std::string> new_name) {
  auto context = AuthedContext(g);
  v1::UpdateRoomRequest request;
  request.set_room(room);
  if (topic) request.set_topic(*topic);
  if (new_name) request.set_new_name(*new_name);
  v1::RoomResponse response;
  CheckStatus(GatewayStub(g)->UpdateRoom(context.get(), request, &response), g);
  PrintRoom(response);
  return 0;
}

int ListConversations(const Globals& g, bool only_unread) {
  auto context = AuthedContext(g);
  v1::ListConversationsResponse response;
  CheckStatus(
      GatewayStub(g)->ListConversations(context.get(), v1::ListConversationsRequest(), &response),
      g);
  for (const auto& c : response.conversations()) {
    if (only_unread && c.unread() == 0) continue;
    PrintJson(ConversationJson(c));
  }
  return 0;
}

}  // namespace natter::ctl
