#include "chat_grpc.h"

#include "file_grpc.h"

namespace natter::chat {

// Send, Edit, Delete and React answer with the ack.
namespace {

absl::StatusOr<v1::SendResponse> AckResponse(absl::StatusOr<v1::SendAck> ack) {
  if (!ack.ok()) return ack.status();
  v1::SendResponse response;
  *response.mutable_ack() = std::move(*ack);
  return response;
}

}  // namespace

grpc::ServerUnaryReactor* ChatGrpc::Send(grpc::CallbackServerContext* context,
                                         const v1::SendRequest* request,
                                         v1::SendResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(AckResponse(service_.Send(*request)), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::Sync(grpc::CallbackServerContext* context,
                                         const v1::SyncRequest* request,
                                         v1::SyncResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.Sync(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::History(grpc::CallbackServerContext* context,
                                            const v1::HistoryRequest* request,
                                            v1::HistoryResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.History(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::ListConversations(grpc::CallbackServerContext* context,
                                                      const v1::ListConversationsRequest* request,
                                                      v1::ListConversationsResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.ListConversations(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::Edit(grpc::CallbackServerContext* context,
                                         const v1::EditRequest* request,
                                         v1::SendResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(AckResponse(service_.Edit(*request)), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::Delete(grpc::CallbackServerContext* context,
                                           const v1::DeleteRequest* request,
                                           v1::SendResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(AckResponse(service_.Delete(*request)), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::React(grpc::CallbackServerContext* context,
                                          const v1::ReactRequest* request,
                                          v1::SendResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(AckResponse(service_.React(*request)), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::Typing(grpc::CallbackServerContext* context,
                                           const v1::TypingRequest* request,
                                           v1::TypingResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.Typing(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::MarkRead(grpc::CallbackServerContext* context,
                                             const v1::MarkReadRequest* request,
                                             v1::MarkReadResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.MarkRead(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::SetNotifications(grpc::CallbackServerContext* context,
                                                     const v1::SetNotificationsRequest* request,
                                                     v1::NotificationSettings* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.SetNotifications(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::ListMentions(grpc::CallbackServerContext* context,
                                                 const v1::ListMentionsRequest* request,
                                                 v1::ListMentionsResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.ListMentions(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::Pin(grpc::CallbackServerContext* context,
                                        const v1::PinRequest* request, v1::SendResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(AckResponse(service_.Pin(*request)), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::ListPins(grpc::CallbackServerContext* context,
                                             const v1::ListPinsRequest* request,
                                             v1::ListPinsResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.ListPins(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::Search(grpc::CallbackServerContext* context,
                                           const v1::SearchRequest* request,
                                           v1::SearchResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.Search(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::Friendship(grpc::CallbackServerContext* context,
                                               const v1::FriendshipRequest* request,
                                               v1::FriendshipResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(friends_.Friendship(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::ListFriends(grpc::CallbackServerContext* context,
                                                const v1::ListFriendsRequest* request,
                                                v1::ListFriendsResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(friends_.ListFriends(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::SyncUserEvents(grpc::CallbackServerContext* context,
                                                   const v1::SyncUserEventsRequest* request,
                                                   v1::SyncUserEventsResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(friends_.SyncUserEvents(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::PresenceAudience(grpc::CallbackServerContext* context,
                                                     const v1::PresenceAudienceRequest* request,
                                                     v1::PresenceAudienceResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(friends_.PresenceAudience(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::CreateRoom(grpc::CallbackServerContext* context,
                                               const v1::CreateRoomRequest* request,
                                               v1::RoomResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(rooms_.CreateRoom(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::JoinRoom(grpc::CallbackServerContext* context,
                                             const v1::RoomRequest* request,
                                             v1::RoomResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(rooms_.JoinRoom(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::LeaveRoom(grpc::CallbackServerContext* context,
                                              const v1::RoomRequest* request,
                                              v1::RoomResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(rooms_.LeaveRoom(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::ListRooms(grpc::CallbackServerContext* context,
                                              const v1::ListRoomsRequest* request,
                                              v1::ListRoomsResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(rooms_.ListRooms(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::RoomMembers(grpc::CallbackServerContext* context,
                                                const v1::RoomRequest* request,
                                                v1::RoomMembersResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(rooms_.RoomMembers(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::RemoveMember(grpc::CallbackServerContext* context,
                                                 const v1::RemoveMemberRequest* request,
                                                 v1::RoomResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(rooms_.RemoveMember(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::UpdateRoom(grpc::CallbackServerContext* context,
                                               const v1::UpdateRoomRequest* request,
                                               v1::RoomResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(rooms_.UpdateRoom(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::SetMemberRole(grpc::CallbackServerContext* context,
                                                  const v1::SetMemberRoleRequest* request,
                                                  v1::RoomResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(rooms_.SetMemberRole(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::Invite(grpc::CallbackServerContext* context,
                                           const v1::InviteRequest* request,
                                           v1::RoomResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(rooms_.Invite(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::AnswerInvitation(grpc::CallbackServerContext* context,
                                                     const v1::AnswerInvitationRequest* request,
                                                     v1::RoomResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(rooms_.AnswerInvitation(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::ListInvitations(grpc::CallbackServerContext* context,
                                                    const v1::ListInvitationsRequest* request,
                                                    v1::ListInvitationsResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(rooms_.ListInvitations(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::MuteMember(grpc::CallbackServerContext* context,
                                               const v1::MuteMemberRequest* request,
                                               v1::RoomResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(rooms_.MuteMember(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::CreateGroup(grpc::CallbackServerContext* context,
                                                const v1::CreateGroupRequest* request,
                                                v1::GroupResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.CreateGroup(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::AddGroupMembers(grpc::CallbackServerContext* context,
                                                    const v1::AddGroupMembersRequest* request,
                                                    v1::GroupResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.AddGroupMembers(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::RemoveGroupMember(grpc::CallbackServerContext* context,
                                                      const v1::RemoveGroupMemberRequest* request,
                                                      v1::GroupResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.RemoveGroupMember(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::LeaveGroup(grpc::CallbackServerContext* context,
                                               const v1::GroupRequest* request,
                                               v1::GroupResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.LeaveGroup(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::RenameGroup(grpc::CallbackServerContext* context,
                                                const v1::RenameGroupRequest* request,
                                                v1::GroupResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.RenameGroup(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::GroupMembers(grpc::CallbackServerContext* context,
                                                 const v1::GroupRequest* request,
                                                 v1::GroupResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.GroupMembers(*request), response); });
}

grpc::ServerReadReactor<v1::UploadChunk>* ChatGrpc::UploadFile(grpc::CallbackServerContext* context,
                                                               v1::FileInfo* response) {
  return StartUpload(context, response, files_, pool_, images_);
}

grpc::ServerWriteReactor<v1::FileChunk>* ChatGrpc::DownloadFile(
    grpc::CallbackServerContext* context, const v1::DownloadRequest* request) {
  return StartDownload(context, request, files_, pool_);
}

}  // namespace natter::chat
