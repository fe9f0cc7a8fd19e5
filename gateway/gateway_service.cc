#include "gateway_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "client_stream.h"
#include "common/grpc_server.h"
#include "common/status.h"
#include "friends_view.h"

namespace natter::gateway {
namespace {

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

}  // namespace

grpc::ServerUnaryReactor* GatewayService::Register(grpc::CallbackServerContext* context,
                                                   const v1::RegisterRequest* request,
                                                   v1::RegisterResponse* response) {
  auto* reactor = context->DefaultReactor();
  auto call = std::make_shared<grpc::ClientContext>();
  call->set_deadline(PasswordCallDeadline(*context, gateway_.options));
  gateway_.auth->async()->Register(
      call.get(), request, response, [reactor, call](grpc::Status status) {
        reactor->Finish(PeerStatus(status, "the authentication service"));
      });
  return reactor;
}

grpc::ServerUnaryReactor* GatewayService::Login(grpc::CallbackServerContext* context,
                                                const v1::LoginRequest* request,
                                                v1::LoginResponse* response) {
  auto* reactor = context->DefaultReactor();
  struct LoginCall {
    grpc::ClientContext context;
    v1::LoginRequest request;
  };
  auto call = std::make_shared<LoginCall>();
  call->context.set_deadline(PasswordCallDeadline(*context, gateway_.options));
  call->request = *request;
  call->request.set_client_address(context->peer());  // never what the client claims
  gateway_.auth->async()->Login(&call->context, &call->request, response,
                                [reactor, call](grpc::Status status) {
                                  reactor->Finish(PeerStatus(status, "the authentication service"));
                                });
  return reactor;
}

template <class Request, class Response, class Method>
grpc::ServerUnaryReactor* GatewayService::ForwardWithToken(grpc::CallbackServerContext* context,
                                                           const Request* request,
                                                           Response* response, Method method,
                                                           bool hashes_password) {
  auto* reactor = context->DefaultReactor();
  std::string token = BearerToken(*context);
  if (token.empty()) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                 "no session token (metadata \"authorization: Bearer ...\"); "
                                 "log in first"));
    return reactor;
  }
  struct ForwardedCall {
    grpc::ClientContext context;
    Request request;
  };
  auto call = std::make_shared<ForwardedCall>();
  call->context.set_deadline(hashes_password ? PasswordCallDeadline(*context, gateway_.options)
                                             : DeadlineIn(gateway_.options.call_timeout));
  call->request = *request;
  call->request.set_token(std::move(token));  // never a token the client put in the message
  (gateway_.auth->async()->*method)(
      &call->context, &call->request, response, [reactor, call](grpc::Status status) {
        reactor->Finish(PeerStatus(status, "the authentication service"));
      });
  return reactor;
}

grpc::ServerUnaryReactor* GatewayService::Logout(grpc::CallbackServerContext* context,
                                                 const v1::LogoutRequest* request,
                                                 v1::LogoutResponse* response) {
  using Async = v1::Auth::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::LogoutRequest*, v1::LogoutResponse*,
                        std::function<void(grpc::Status)>) = &Async::Logout;
  return ForwardWithToken(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::ListSessions(grpc::CallbackServerContext* context,
                                                       const v1::ListSessionsRequest* request,
                                                       v1::ListSessionsResponse* response) {
  using Async = v1::Auth::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::ListSessionsRequest*,
                        v1::ListSessionsResponse*, std::function<void(grpc::Status)>) =
      &Async::ListSessions;
  return ForwardWithToken(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::RevokeSession(grpc::CallbackServerContext* context,
                                                        const v1::RevokeSessionRequest* request,
                                                        v1::RevokeSessionResponse* response) {
  using Async = v1::Auth::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::RevokeSessionRequest*,
                        v1::RevokeSessionResponse*, std::function<void(grpc::Status)>) =
      &Async::RevokeSession;
  return ForwardWithToken(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::ChangePassword(grpc::CallbackServerContext* context,
                                                         const v1::ChangePasswordRequest* request,
                                                         v1::ChangePasswordResponse* response) {
  using Async = v1::Auth::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::ChangePasswordRequest*,
                        v1::ChangePasswordResponse*, std::function<void(grpc::Status)>) =
      &Async::ChangePassword;
  return ForwardWithToken(context, request, response, method, /*hashes_password=*/true);
}

grpc::ServerUnaryReactor* GatewayService::GetProfile(grpc::CallbackServerContext* context,
                                                     const v1::GetProfileRequest* request,
                                                     v1::Profile* response) {
  using Async = v1::Auth::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::GetProfileRequest*, v1::Profile*,
                        std::function<void(grpc::Status)>) = &Async::GetProfile;
  return ForwardWithToken(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::UpdateProfile(grpc::CallbackServerContext* context,
                                                        const v1::UpdateProfileRequest* request,
                                                        v1::Profile* response) {
  using Async = v1::Auth::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::UpdateProfileRequest*, v1::Profile*,
                        std::function<void(grpc::Status)>) = &Async::UpdateProfile;
  return ForwardWithToken(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::SetAvatar(grpc::CallbackServerContext* context,
                                                    const v1::SetAvatarRequest* request,
                                                    v1::Profile* response) {
  using Async = v1::Auth::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::SetAvatarRequest*, v1::Profile*,
                        std::function<void(grpc::Status)>) = &Async::SetAvatar;
  return ForwardWithToken(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::GetAvatar(grpc::CallbackServerContext* context,
                                                    const v1::GetAvatarRequest* request,
                                                    v1::GetAvatarResponse* response) {
  using Async = v1::Auth::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::GetAvatarRequest*, v1::GetAvatarResponse*,
                        std::function<void(grpc::Status)>) = &Async::GetAvatar;
  return ForwardWithToken(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::DeleteAccount(grpc::CallbackServerContext* context,
                                                        const v1::DeleteAccountRequest* request,
                                                        v1::DeleteAccountResponse* response) {
  using Async = v1::Auth::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::DeleteAccountRequest*,
                        v1::DeleteAccountResponse*, std::function<void(grpc::Status)>) =
      &Async::DeleteAccount;
  return ForwardWithToken(context, request, response, method, /*hashes_password=*/true);
}

void GatewayService::WithCaller(grpc::CallbackServerContext* context,
                                grpc::ServerUnaryReactor* reactor,
                                std::function<void(const v1::Caller&)> then) {
  std::string token = BearerToken(*context);
  if (token.empty()) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                 "no session token (metadata \"authorization: Bearer ...\"); "
                                 "log in first"));
    return;
  }
  struct ValidateCall {
    grpc::ClientContext context;
    v1::ValidateTokenRequest request;
    v1::ValidateTokenResponse response;
  };
  auto call = std::make_shared<ValidateCall>();
  call->context.set_deadline(DeadlineIn(gateway_.options.call_timeout));
  call->request.set_token(std::move(token));
  gateway_.auth->async()->ValidateToken(
      &call->context, &call->request, &call->response,
      [reactor, call, then = std::move(then)](grpc::Status status) {
        if (!status.ok()) {
          reactor->Finish(PeerStatus(status, "the authentication service"));
          return;
        }
        v1::Caller caller;
        caller.set_user_id(call->response.user_id());
        caller.set_username(call->response.username());
        caller.set_session_id(call->response.session_id());
        then(caller);
      });
}

template <class Request, class Response, class Method>
grpc::ServerUnaryReactor* GatewayService::ForwardToChat(grpc::CallbackServerContext* context,
                                                        const Request* request, Response* response,
                                                        Method method) {
  auto* reactor = context->DefaultReactor();
  WithCaller(context, reactor,
             [this, reactor, request, response, method](const v1::Caller& caller) {
               auto call = NewCall<Request, Response>(gateway_);
               call->request = *request;
               *call->request.mutable_caller() = caller;  // never the caller a client claims
               (gateway_.chat->async()->*method)(
                   &call->context, &call->request, response, [reactor, call](grpc::Status status) {
                     reactor->Finish(PeerStatus(status, "the chat service"));
                   });
             });
  return reactor;
}

grpc::ServerUnaryReactor* GatewayService::Friendship(grpc::CallbackServerContext* context,
                                                     const v1::FriendshipRequest* request,
                                                     v1::FriendshipResponse* response) {
  using Async = v1::Chat::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::FriendshipRequest*, v1::FriendshipResponse*,
                        std::function<void(grpc::Status)>) = &Async::Friendship;
  return ForwardToChat(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::History(grpc::CallbackServerContext* context,
                                                  const v1::HistoryRequest* request,
                                                  v1::HistoryResponse* response) {
  using Async = v1::Chat::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::HistoryRequest*, v1::HistoryResponse*,
                        std::function<void(grpc::Status)>) = &Async::History;
  return ForwardToChat(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::ListConversations(
    grpc::CallbackServerContext* context, const v1::ListConversationsRequest* request,
    v1::ListConversationsResponse* response) {
  using Async = v1::Chat::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::ListConversationsRequest*,
                        v1::ListConversationsResponse*, std::function<void(grpc::Status)>) =
      &Async::ListConversations;
  return ForwardToChat(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::CreateRoom(grpc::CallbackServerContext* context,
                                                     const v1::CreateRoomRequest* request,
                                                     v1::RoomResponse* response) {
  using Async = v1::Chat::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::CreateRoomRequest*, v1::RoomResponse*,
                        std::function<void(grpc::Status)>) = &Async::CreateRoom;
  return ForwardToChat(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::JoinRoom(grpc::CallbackServerContext* context,
                                                   const v1::RoomRequest* request,
                                                   v1::RoomResponse* response) {
  using Async = v1::Chat::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::RoomRequest*, v1::RoomResponse*,
                        std::function<void(grpc::Status)>) = &Async::JoinRoom;
  return ForwardToChat(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::LeaveRoom(grpc::CallbackServerContext* context,
                                                    const v1::RoomRequest* request,
                                                    v1::RoomResponse* response) {
  using Async = v1::Chat::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::RoomRequest*, v1::RoomResponse*,
                        std::function<void(grpc::Status)>) = &Async::LeaveRoom;
  return ForwardToChat(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::ListRooms(grpc::CallbackServerContext* context,
                                                    const v1::ListRoomsRequest* request,
                                                    v1::ListRoomsResponse* response) {
  using Async = v1::Chat::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::ListRoomsRequest*, v1::ListRoomsResponse*,
                        std::function<void(grpc::Status)>) = &Async::ListRooms;
  return ForwardToChat(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::RoomMembers(grpc::CallbackServerContext* context,
                                                      const v1::RoomRequest* request,
                                                      v1::RoomMembersResponse* response) {
  using Async = v1::Chat::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::RoomRequest*, v1::RoomMembersResponse*,
                        std::function<void(grpc::Status)>) = &Async::RoomMembers;
  return ForwardToChat(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::RemoveMember(grpc::CallbackServerContext* context,
                                                       const v1::RemoveMemberRequest* request,
                                                       v1::RoomResponse* response) {
  using Async = v1::Chat::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::RemoveMemberRequest*, v1::RoomResponse*,
                        std::function<void(grpc::Status)>) = &Async::RemoveMember;
  return ForwardToChat(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::UpdateRoom(grpc::CallbackServerContext* context,
                                                     const v1::UpdateRoomRequest* request,
                                                     v1::RoomResponse* response) {
  using Async = v1::Chat::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::UpdateRoomRequest*, v1::RoomResponse*,
                        std::function<void(grpc::Status)>) = &Async::UpdateRoom;
  return ForwardToChat(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::ListFriends(grpc::CallbackServerContext* context,
                                                      const v1::ListFriendsRequest*,
                                                      v1::ListFriendsResponse* response) {
  auto* reactor = context->DefaultReactor();
  WithCaller(context, reactor, [this, reactor, response](const v1::Caller& caller) {
    LoadFriends(
        gateway_, caller,
        [reactor, response](grpc::Status status, std::shared_ptr<v1::ListFriendsResponse> friends) {
          if (status.ok()) *response = std::move(*friends);
          reactor->Finish(PeerStatus(status, "the chat service"));
        });
  });
  return reactor;
}

grpc::ServerUnaryReactor* GatewayService::SetStatus(grpc::CallbackServerContext* context,
                                                    const v1::ClientSetStatusRequest* request,
                                                    v1::SetStatusResponse* response) {
  auto* reactor = context->DefaultReactor();
  WithCaller(context, reactor, [this, reactor, request, response](const v1::Caller& caller) {
    struct Call {
      grpc::ClientContext context;
      v1::SetStatusRequest request;
    };
    auto call = std::make_shared<Call>();
    call->context.set_deadline(DeadlineIn(gateway_.options.call_timeout));
    call->request.set_user_id(caller.user_id());
    call->request.set_status(request->status());
    gateway_.presence->async()->SetStatus(
        &call->context, &call->request, response, [reactor, call](grpc::Status status) {
          reactor->Finish(PeerStatus(status, "the presence service"));
        });
  });
  return reactor;
}

grpc::ServerUnaryReactor* GatewayService::GetPresence(grpc::CallbackServerContext* context,
                                                      const v1::ClientPresenceRequest* request,
                                                      v1::ClientPresenceResponse* response) {
  auto* reactor = context->DefaultReactor();
  if (request->usernames_size() > 1000) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "ask for at most 1000 users at once"));
    return reactor;
  }
  WithCaller(context, reactor, [this, reactor, request, response](const v1::Caller& caller) {
    // Presence is shared with friends only, so the friend list is the whole answer.
    LoadFriends(gateway_, caller,
                [reactor, request, response](grpc::Status status,
                                             std::shared_ptr<v1::ListFriendsResponse> friends) {
                  if (!status.ok()) {
                    reactor->Finish(PeerStatus(status, "the chat service"));
                    return;
                  }
                  auto add = [&](const v1::Friend& f) {
                    v1::UserPresenceView* view = response->add_users();
                    view->set_user_id(f.user_id());
                    view->set_username(f.username());
                    view->set_status(f.status());
                    view->set_last_seen_ms(f.last_seen_ms());
                  };
                  for (const auto& name : request->usernames()) {
                    auto it = std::find_if(friends->friends().begin(), friends->friends().end(),
                                           [&](const v1::Friend& f) {
                                             return EqualsIgnoringCase(f.username(), name);
                                           });
                    if (it == friends->friends().end()) {
                      reactor->Finish(grpc::Status(
                          grpc::StatusCode::PERMISSION_DENIED,
                          name + " is not your friend; presence is shared with friends only"));
                      return;
                    }
                    add(*it);
                  }
                  if (request->usernames().empty()) {
                    for (const auto& f : friends->friends()) add(f);
                  }
                  reactor->Finish(grpc::Status::OK);
                });
  });
  return reactor;
}

grpc::ServerUnaryReactor* GatewayService::ListOnline(grpc::CallbackServerContext* context,
                                                     const v1::ClientListOnlineRequest* request,
                                                     v1::ClientListOnlineResponse* response) {
  auto* reactor = context->DefaultReactor();
  std::string room = request->room().empty() ? "lobby" : request->room();
  if (!EqualsIgnoringCase(room, "lobby")) {
    ListRoomOnline(context, reactor, room, response);
    return reactor;
  }
  room = "lobby";
  WithCaller(context, reactor, [this, reactor, response, room](const v1::Caller& caller) {
    // Users in a block with the caller are left out: blocked users see no presence of each other.
    LoadFriends(gateway_, caller,
                [this, reactor, response, room](grpc::Status status,
                                                std::shared_ptr<v1::ListFriendsResponse> friends) {
                  if (!status.ok()) {
                    reactor->Finish(PeerStatus(status, "the chat service"));
                    return;
                  }
                  auto call = NewCall<v1::ListOnlineRequest, v1::ListOnlineResponse>(gateway_);
                  gateway_.presence->async()->ListOnline(
                      &call->context, &call->request, &call->response,
                      [reactor, call, response, room, friends](grpc::Status presence_status) {
                        if (presence_status.ok()) {
                          const auto& hidden = friends->hidden_user_ids();
                          auto is_hidden = [&](uint64_t id) {
                            return std::find(hidden.begin(), hidden.end(), id) != hidden.end();
                          };
                          response->set_room(room);
                          uint64_t count = call->response.total();
                          for (int i = 0; i < call->response.user_ids_size(); ++i) {
                            if (is_hidden(call->response.user_ids(i))) {
                              --count;
                              continue;
                            }
                            v1::UserPresenceView* view = response->add_users();
                            view->set_user_id(call->response.user_ids(i));
                            if (i < call->response.usernames_size()) {
                              view->set_username(call->response.usernames(i));
                            }
                            if (i < call->response.statuses_size()) {
                              view->set_status(call->response.statuses(i));
                            }
                          }
                          response->set_count(count);
                        }
                        reactor->Finish(PeerStatus(presence_status, "the presence service"));
                      });
                });
  });
  return reactor;
}

void GatewayService::ListRoomOnline(grpc::CallbackServerContext* context,
                                    grpc::ServerUnaryReactor* reactor, const std::string& room,
                                    v1::ClientListOnlineResponse* response) {
  // A room's members (from natter-chat), with their presence (from natter-presence), leaving out
  // the offline and anyone in a block with the caller.
  WithCaller(context, reactor, [this, reactor, response, room](const v1::Caller& caller) {
    auto members = NewCall<v1::RoomRequest, v1::RoomMembersResponse>(gateway_);
    *members->request.mutable_caller() = caller;
    members->request.set_room(room);
    gateway_.chat->async()->RoomMembers(
        &members->context, &members->request, &members->response,
        [this, reactor, response, members, caller](grpc::Status status) {
          if (!status.ok()) {
            reactor->Finish(PeerStatus(status, "the chat service"));
            return;
          }
          LoadFriends(
              gateway_, caller,
              [this, reactor, response, members](grpc::Status friends_status,
                                                 std::shared_ptr<v1::ListFriendsResponse> friends) {
                if (!friends_status.ok()) {
                  reactor->Finish(PeerStatus(friends_status, "the chat service"));
                  return;
                }
                auto presence = NewCall<v1::GetPresenceRequest, v1::GetPresenceResponse>(gateway_);
                const auto& hidden = friends->hidden_user_ids();
                for (const auto& m : members->response.members()) {
                  if (std::find(hidden.begin(), hidden.end(), m.user_id()) == hidden.end()) {
                    presence->request.add_user_ids(m.user_id());
                  }
                }
                gateway_.presence->async()->GetPresence(
                    &presence->context, &presence->request, &presence->response,
                    [reactor, response, members, presence](grpc::Status presence_status) {
                      if (presence_status.ok()) {
                        response->set_room(members->response.room().name());
                        for (const auto& p : presence->response.users()) {
                          if (p.status() == "offline") continue;
                          v1::UserPresenceView* view = response->add_users();
                          view->set_user_id(p.user_id());
                          view->set_status(p.status());
                          for (const auto& m : members->response.members()) {
                            if (m.user_id() == p.user_id()) view->set_username(m.username());
                          }
                        }
                        response->set_count(response->users_size());
                      }
                      reactor->Finish(PeerStatus(presence_status, "the presence service"));
                    });
              });
        });
  });
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* GatewayService::Connect(
    grpc::CallbackServerContext* context) {
  return ClientStream::Start(gateway_, context);
}

void GatewayService::GoAwayAll(const std::string& reason) {
  auto sinks = gateway_.hub->AllSinks();
  spdlog::info("telling {} clients to reconnect elsewhere", sinks.size());
  for (const auto& sink : sinks) {
    if (auto* stream = dynamic_cast<ClientStream*>(sink.get())) stream->GoAway(reason);
  }
}

PresenceHeartbeat::PresenceHeartbeat(GatewayContext& gateway, std::chrono::seconds period)
    : gateway_(gateway), period_(period), thread_([this] {
        std::unique_lock lock(mu_);
        while (!cv_.wait_for(lock, period_, [this] { return stop_; })) {
          lock.unlock();
          Beat();
          lock.lock();
        }
      }) {}

PresenceHeartbeat::~PresenceHeartbeat() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void PresenceHeartbeat::Beat() {
  v1::HeartbeatRequest request;
  request.set_gateway_id(gateway_.options.gateway_id);
  for (const auto& sink : gateway_.hub->AllSinks()) {
    auto* stream = dynamic_cast<ClientStream*>(sink.get());
    if (stream && stream->announces_presence()) *request.add_streams() = stream->PresenceEntry();
  }
  if (request.streams().empty()) return;
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(gateway_.options.call_timeout));
  v1::HeartbeatResponse response;
  grpc::Status status = gateway_.presence->Heartbeat(&context, request, &response);
  if (!status.ok()) {
    spdlog::warn("presence heartbeat for {} streams failed: {}", request.streams_size(),
                 status.error_message());
  }
}

}  // namespace natter::gateway
