// natter-chat's gRPC face: each RPC runs ChatService, RoomService or FriendsService on a worker
// pool (MySQL calls block).
#pragma once

#include "chat_service.h"
#include "common/unary.h"
#include "common/worker_pool.h"
#include "file_service.h"
#include "friends_service.h"
#include "natter/v1/chat.grpc.pb.h"
#include "room_service.h"

namespace natter::chat {

class ChatGrpc final : public v1::Chat::CallbackService {
 public:
  // `images` is the pool that re-encodes uploaded pictures.
  ChatGrpc(ChatService& service, RoomService& rooms, FriendsService& friends, WorkerPool& pool,
           FileService& files, WorkerPool& images)
      : service_(service),
        rooms_(rooms),
        friends_(friends),
        pool_(pool),
        files_(files),
        images_(images) {}

  grpc::ServerUnaryReactor* Send(grpc::CallbackServerContext* context,
                                 const v1::SendRequest* request,
                                 v1::SendResponse* response) override;
  grpc::ServerUnaryReactor* Sync(grpc::CallbackServerContext* context,
                                 const v1::SyncRequest* request,
                                 v1::SyncResponse* response) override;
  grpc::ServerUnaryReactor* History(grpc::CallbackServerContext* context,
                                    const v1::HistoryRequest* request,
                                    v1::HistoryResponse* response) override;
  grpc::ServerUnaryReactor* ListConversations(grpc::CallbackServerContext* context,
                                              const v1::ListConversationsRequest* request,
                                              v1::ListConversationsResponse* response) override;
  grpc::ServerUnaryReactor* Edit(grpc::CallbackServerContext* context,
                                 const v1::EditRequest* request,
                                 v1::SendResponse* response) override;
  grpc::ServerUnaryReactor* Delete(grpc::CallbackServerContext* context,
                                   const v1::DeleteRequest* request,
                                   v1::SendResponse* response) override;
  grpc::ServerUnaryReactor* React(grpc::CallbackServerContext* context,
                                  const v1::ReactRequest* request,
                                  v1::SendResponse* response) override;
  grpc::ServerUnaryReactor* Typing(grpc::CallbackServerContext* context,
                                   const v1::TypingRequest* request,
                                   v1::TypingResponse* response) override;
  grpc::ServerUnaryReactor* MarkRead(grpc::CallbackServerContext* context,
                                     const v1::MarkReadRequest* request,
                                     v1::MarkReadResponse* response) override;
  grpc::ServerUnaryReactor* SetNotifications(grpc::CallbackServerContext* context,
                                             const v1::SetNotificationsRequest* request,
                                             v1::NotificationSettings* response) override;
  grpc::ServerUnaryReactor* Search(grpc::CallbackServerContext* context,
                                   const v1::SearchRequest* request,
                                   v1::SearchResponse* response) override;
  grpc::ServerUnaryReactor* ListMentions(grpc::CallbackServerContext* context,
                                         const v1::ListMentionsRequest* request,
                                         v1::ListMentionsResponse* response) override;
  grpc::ServerUnaryReactor* Pin(grpc::CallbackServerContext* context, const v1::PinRequest* request,
                                v1::SendResponse* response) override;
  grpc::ServerUnaryReactor* ListPins(grpc::CallbackServerContext* context,
                                     const v1::ListPinsRequest* request,
                                     v1::ListPinsResponse* response) override;
  grpc::ServerUnaryReactor* Friendship(grpc::CallbackServerContext* context,
                                       const v1::FriendshipRequest* request,
                                       v1::FriendshipResponse* response) override;
  grpc::ServerUnaryReactor* ListFriends(grpc::CallbackServerContext* context,
                                        const v1::ListFriendsRequest* request,
                                        v1::ListFriendsResponse* response) override;
  grpc::ServerUnaryReactor* SyncUserEvents(grpc::CallbackServerContext* context,
                                           const v1::SyncUserEventsRequest* request,
                                           v1::SyncUserEventsResponse* response) override;
  grpc::ServerUnaryReactor* PresenceAudience(grpc::CallbackServerContext* context,
                                             const v1::PresenceAudienceRequest* request,
                                             v1::PresenceAudienceResponse* response) override;
  grpc::ServerUnaryReactor* CreateRoom(grpc::CallbackServerContext* context,
                                       const v1::CreateRoomRequest* request,
                                       v1::RoomResponse* response) override;
  grpc::ServerUnaryReactor* JoinRoom(grpc::CallbackServerContext* context,
                                     const v1::RoomRequest* request,
                                     v1::RoomResponse* response) override;
  grpc::ServerUnaryReactor* LeaveRoom(grpc::CallbackServerContext* context,
                                      const v1::RoomRequest* request,
                                      v1::RoomResponse* response) override;
  grpc::ServerUnaryReactor* ListRooms(grpc::CallbackServerContext* context,
                                      const v1::ListRoomsRequest* request,
                                      v1::ListRoomsResponse* response) override;
  grpc::ServerUnaryReactor* RoomMembers(grpc::CallbackServerContext* context,
                                        const v1::RoomRequest* request,
                                        v1::RoomMembersResponse* response) override;
  grpc::ServerUnaryReactor* RemoveMember(grpc::CallbackServerContext* context,
                                         const v1::RemoveMemberRequest* request,
                                         v1::RoomResponse* response) override;
  grpc::ServerUnaryReactor* UpdateRoom(grpc::CallbackServerContext* context,
                                       const v1::UpdateRoomRequest* request,
                                       v1::RoomResponse* response) override;
  grpc::ServerUnaryReactor* SetMemberRole(grpc::CallbackServerContext* context,
                                          const v1::SetMemberRoleRequest* request,
                                          v1::RoomResponse* response) override;
  grpc::ServerUnaryReactor* Invite(grpc::CallbackServerContext* context,
                                   const v1::InviteRequest* request,
                                   v1::RoomResponse* response) override;
  grpc::ServerUnaryReactor* AnswerInvitation(grpc::CallbackServerContext* context,
                                             const v1::AnswerInvitationRequest* request,
                                             v1::RoomResponse* response) override;
  grpc::ServerUnaryReactor* ListInvitations(grpc::CallbackServerContext* context,
                                            const v1::ListInvitationsRequest* request,
                                            v1::ListInvitationsResponse* response) override;
  grpc::ServerUnaryReactor* MuteMember(grpc::CallbackServerContext* context,
                                       const v1::MuteMemberRequest* request,
                                       v1::RoomResponse* response) override;
  grpc::ServerUnaryReactor* CreateGroup(grpc::CallbackServerContext* context,
                                        const v1::CreateGroupRequest* request,
                                        v1::GroupResponse* response) override;
  grpc::ServerUnaryReactor* AddGroupMembers(grpc::CallbackServerContext* context,
                                            const v1::AddGroupMembersRequest* request,
                                            v1::GroupResponse* response) override;
  grpc::ServerUnaryReactor* RemoveGroupMember(grpc::CallbackServerContext* context,
                                              const v1::RemoveGroupMemberRequest* request,
                                              v1::GroupResponse* response) override;
  grpc::ServerUnaryReactor* LeaveGroup(grpc::CallbackServerContext* context,
                                       const v1::GroupRequest* request,
                                       v1::GroupResponse* response) override;
  grpc::ServerUnaryReactor* RenameGroup(grpc::CallbackServerContext* context,
                                        const v1::RenameGroupRequest* request,
                                        v1::GroupResponse* response) override;
  grpc::ServerUnaryReactor* GroupMembers(grpc::CallbackServerContext* context,
                                         const v1::GroupRequest* request,
                                         v1::GroupResponse* response) override;

  grpc::ServerReadReactor<v1::UploadChunk>* UploadFile(grpc::CallbackServerContext* context,
                                                       v1::FileInfo* response) override;
  grpc::ServerWriteReactor<v1::FileChunk>* DownloadFile(
      grpc::CallbackServerContext* context, const v1::DownloadRequest* request) override;

 private:
  ChatService& service_;
  RoomService& rooms_;
  FriendsService& friends_;
  WorkerPool& pool_;
  FileService& files_;
  WorkerPool& images_;
};

}  // namespace natter::chat
