#include "private_room_commands.h"

#include "natter/v1/gateway.grpc.pb.h"
#include "output.h"

namespace natter::ctl {

namespace v1 = natter::v1;

int InviteToRoom(const Globals& g, const std::string& room, const std::string& user, bool cancel) {
  auto context = AuthedContext(g);
  v1::InviteRequest request;
  request.set_room(room);
  request.set_username(user);
  request.set_cancel(cancel);
  v1::RoomResponse response;
  CheckStatus(GatewayStub(g)->Invite(context.get(), request, &response), g);
  PrintJson(ConversationJson(response.room()));
  return 0;
}

int ListInvitations(const Globals& g) {
  auto context = AuthedContext(g);
  v1::ListInvitationsResponse response;
  CheckStatus(
      GatewayStub(g)->ListInvitations(context.get(), v1::ListInvitationsRequest(), &response), g);
  for (const auto& i : response.invitations()) PrintJson(InvitationJson(i));
  return 0;
}

int AnswerInvitation(const Globals& g, const std::string& room, bool accept) {
  auto context = AuthedContext(g);
  v1::AnswerInvitationRequest request;
  request.set_room(room);
  request.set_accept(accept);
  v1::RoomResponse response;
  CheckStatus(GatewayStub(g)->AnswerInvitation(context.get(), request, &response), g);
  PrintJson(ConversationJson(response.room()));
  return 0;
}

int MuteMember(const Globals& g, const std::string& room, const std::string& user,
               int64_t muted_until_ms) {
  auto context = AuthedContext(g);
  v1::MuteMemberRequest request;
  request.set_room(room);
  request.set_username(user);
  request.set_muted_until_ms(muted_until_ms);
  v1::RoomResponse response;
  CheckStatus(GatewayStub(g)->MuteMember(context.get(), request, &response), g);
  PrintJson(ConversationJson(response.room()));
  return 0;
}

int SetRoomSettings(const Globals& g, const std::string& room, std::optional<bool> is_private,
                    v1::HistoryVisibility history) {
  auto context = AuthedContext(g);
  v1::UpdateRoomRequest request;
  request.set_room(room);
  if (is_private) request.set_private_room(*is_private);
  request.set_history(history);
  v1::RoomResponse response;
  CheckStatus(GatewayStub(g)->UpdateRoom(context.get(), request, &response), g);
  PrintJson(ConversationJson(response.room()));
  return 0;
}

}  // namespace natter::ctl
