#include "gateway_service.h"

#include <google/protobuf/descriptor.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <set>
#include <unordered_set>

#include "client_stream.h"
#include "common/check.h"
#include "common/grpc_server.h"
#include "common/status.h"
#include "common/thread_name.h"
#include "file_relay.h"
#include "friends_view.h"
#include "go_away_schedule.h"

namespace natter::gateway {
namespace {

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

grpc::Status NoToken() {
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                      "no session token (metadata \"authorization: Bearer ...\"); log in first");
}

}  // namespace

GatewayService::GatewayService(GatewayContext& gateway) : gateway_(gateway) {
  // Through a message of gateway.proto: its descriptors are in the pool once its code is linked.
  const google::protobuf::ServiceDescriptor* service =
      v1::ClientFrame::descriptor()->file()->FindServiceByName("Gateway");
  NATTER_CHECK(service != nullptr, "gateway.proto has no service Gateway");
  std::set<std::string_view> served = {"Connect", "UploadFile", "DownloadFile"};
  for (auto& method : UnaryMethods()) {
    const google::protobuf::MethodDescriptor* described =
        service->FindMethodByName(std::string(method.name));
    NATTER_CHECK(described != nullptr, "a unary method row names no method of natter.v1.Gateway");
    NATTER_CHECK(served.insert(method.name).second, "two unary method rows name one method");
    MarkMethodRawCallback(
        described->index(),
        new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
            [this, handler = std::move(method.handler)](
                grpc::CallbackServerContext* context, const grpc::ByteBuffer* in,
                grpc::ByteBuffer* out) -> grpc::ServerUnaryReactor* {
              std::unique_ptr<ClientAdmission::Lease> lease;
              if (gateway_.admission != nullptr) {
                grpc::Status admitted =
                    gateway_.admission->Admit(context->peer(), /*stream=*/false, &lease);
                if (!admitted.ok()) {
                  auto* reactor = context->DefaultReactor();
                  reactor->Finish(admitted);
                  return reactor;
                }
              }
              return handler(context, in, out, std::move(lease));
            }));
  }
  for (int i = 0; i < service->method_count(); ++i) {
    NATTER_CHECK(served.count(service->method(i)->name()) == 1,
                 "a method of natter.v1.Gateway has no row in GatewayService::UnaryMethods");
  }
}

std::vector<GatewayService::UnaryMethod> GatewayService::UnaryMethods() {
  return {
      Row("Register", &GatewayService::HandleRegister),
      Row("Login", &GatewayService::HandleLogin),
      ToAuth("Logout", &AuthAsync::Logout),
      ToAuth("ListSessions", &AuthAsync::ListSessions),
      ToAuth("RevokeSession", &AuthAsync::RevokeSession),
      ToAuth("ChangePassword", &AuthAsync::ChangePassword, /*hashes_password=*/true),
      ToAuth("GetProfile", &AuthAsync::GetProfile),
      ToAuth("UpdateProfile", &AuthAsync::UpdateProfile),
      ToAuth("SetAvatar", &AuthAsync::SetAvatar),
      ToAuth("GetAvatar", &AuthAsync::GetAvatar),
      ToAuth("DeleteAccount", &AuthAsync::DeleteAccount, /*hashes_password=*/true),
      ToChat("Friendship", &ChatAsync::Friendship),
      ToChat("History", &ChatAsync::History),
      Row("ListFriends", &GatewayService::HandleListFriends),
      Row("SetStatus", &GatewayService::HandleSetStatus),
      Row("GetPresence", &GatewayService::HandleGetPresence),
      Row("ListOnline", &GatewayService::HandleListOnline),
      ToChat("ListConversations", &ChatAsync::ListConversations),
      ToChat("CreateRoom", &ChatAsync::CreateRoom),
      ToChat("JoinRoom", &ChatAsync::JoinRoom),
      ToChat("LeaveRoom", &ChatAsync::LeaveRoom),
      ToChat("ListRooms", &ChatAsync::ListRooms),
      ToChat("RoomMembers", &ChatAsync::RoomMembers),
      ToChat("RemoveMember", &ChatAsync::RemoveMember),
      ToChat("UpdateRoom", &ChatAsync::UpdateRoom),
      ToChat("SetMemberRole", &ChatAsync::SetMemberRole),
      ToChat("Search", &ChatAsync::Search),
      ToChat("ListMentions", &ChatAsync::ListMentions),
      ToChat("ListPins", &ChatAsync::ListPins),
      ToChat("Invite", &ChatAsync::Invite),
      ToChat("AnswerInvitation", &ChatAsync::AnswerInvitation),
      ToChat("ListInvitations", &ChatAsync::ListInvitations),
      ToChat("MuteMember", &ChatAsync::MuteMember),
      ToChat("CreateGroup", &ChatAsync::CreateGroup),
      ToChat("AddGroupMembers", &ChatAsync::AddGroupMembers),
      ToChat("RemoveGroupMember", &ChatAsync::RemoveGroupMember),
      ToChat("LeaveGroup", &ChatAsync::LeaveGroup),
      ToChat("RenameGroup", &ChatAsync::RenameGroup),
      ToChat("GroupMembers", &ChatAsync::GroupMembers),
  };
}

template <class Request, class Response>
GatewayService::UnaryMethod GatewayService::Row(
    std::string_view name, void (GatewayService::*handle)(Call<Request, Response>*)) {
  return {name, ParsedFirst<Request, Response>(
                    [this, handle](Call<Request, Response>* call) { (this->*handle)(call); })};
}

template <class Request, class Response>
GatewayService::UnaryMethod GatewayService::ToAuth(std::string_view name,
                                                   AuthMethod<Request, Response> method,
                                                   bool hashes_password) {
  return {
      name, ParsedFirst<Request, Response>([this, method,
                                            hashes_password](Call<Request, Response>* call) {
        std::string token = BearerToken(call->context());
        if (token.empty()) {
          call->Reply(NoToken());
          return;
        }
        auto forwarded = NewCall<Request, Response>(gateway_);
        if (hashes_password) {
          forwarded->context.set_deadline(PasswordCallDeadline(call->context(), gateway_.options));
        }
        forwarded->request = std::move(call->request);
        forwarded->request.set_token(std::move(token));  // never a token put in the message
        (gateway_.auth.get()->async()->*method)(
            &forwarded->context, &forwarded->request, &call->response,
            [call, forwarded](grpc::Status status) {
              call->Reply(PeerStatus(status, "the authentication service"));
            });
      })};
}

template <class Request, class Response>
GatewayService::UnaryMethod GatewayService::ToChat(std::string_view name,
                                                   ChatMethod<Request, Response> method) {
  return {name, ParsedFirst<Request, Response>([this, method](Call<Request, Response>* call) {
            WithCaller(
                call->context(), [call](const grpc::Status& status) { call->Reply(status); },
                [this, call, method](const v1::Caller& caller) {
                  auto forwarded = NewCall<Request, Response>(gateway_);
                  forwarded->request = std::move(call->request);
                  *forwarded->request.mutable_caller() =
                      caller;  // never the caller a client claims
                  (gateway_.chat.get()->async()->*method)(
                      &forwarded->context, &forwarded->request, &call->response,
                      [call, forwarded](grpc::Status status) {
                        call->Reply(PeerStatus(status, "the chat service"));
                      });
                });
          })};
}

void GatewayService::HandleRegister(Call<v1::RegisterRequest, v1::RegisterResponse>* call) {
  auto forwarded = NewCall<v1::RegisterRequest, v1::RegisterResponse>(gateway_);
  forwarded->context.set_deadline(PasswordCallDeadline(call->context(), gateway_.options));
  forwarded->request = std::move(call->request);
  forwarded->request.set_client_address(call->context().peer());  // never what the client claims
  gateway_.auth->async()->Register(&forwarded->context, &forwarded->request, &call->response,
                                   [call, forwarded](grpc::Status status) {
                                     call->Reply(PeerStatus(status, "the authentication service"));
                                   });
}

void GatewayService::HandleLogin(Call<v1::LoginRequest, v1::LoginResponse>* call) {
  auto forwarded = NewCall<v1::LoginRequest, v1::LoginResponse>(gateway_);
  forwarded->context.set_deadline(PasswordCallDeadline(call->context(), gateway_.options));
  forwarded->request = std::move(call->request);
  forwarded->request.set_client_address(call->context().peer());  // never what the client claims
  gateway_.auth->async()->Login(&forwarded->context, &forwarded->request, &call->response,
                                [call, forwarded](grpc::Status status) {
                                  call->Reply(PeerStatus(status, "the authentication service"));
                                });
}

void GatewayService::WithCaller(grpc::CallbackServerContext& context,
                                std::function<void(const grpc::Status&)> fail,
                                std::function<void(const v1::Caller&)> then) {
  std::string token = BearerToken(context);
  if (token.empty()) {
    fail(NoToken());
    return;
  }
  auto call = NewCall<v1::ValidateTokenRequest, v1::ValidateTokenResponse>(gateway_);
  call->request.set_token(std::move(token));
  gateway_.auth->async()->ValidateToken(
      &call->context, &call->request, &call->response,
      [call, fail = std::move(fail), then = std::move(then)](grpc::Status status) {
        if (!status.ok()) {
          fail(PeerStatus(status, "the authentication service"));
          return;
        }
        v1::Caller caller;
        caller.set_user_id(call->response.user_id());
        caller.set_username(call->response.username());
        caller.set_session_id(call->response.session_id());
        then(caller);
      });
}

void GatewayService::HandleListFriends(
    Call<v1::ListFriendsRequest, v1::ListFriendsResponse>* call) {
  WithCaller(
      call->context(), [call](const grpc::Status& status) { call->Reply(status); },
      [this, call](const v1::Caller& caller) {
        LoadFriends(gateway_, caller,
                    [call](grpc::Status status, std::shared_ptr<v1::ListFriendsResponse> friends) {
                      if (status.ok()) call->response = std::move(*friends);
                      call->Reply(PeerStatus(status, "the chat service"));
                    });
      });
}

void GatewayService::HandleSetStatus(
    Call<v1::ClientSetStatusRequest, v1::SetStatusResponse>* call) {
  WithCaller(
      call->context(), [call](const grpc::Status& status) { call->Reply(status); },
      [this, call](const v1::Caller& caller) {
        auto forwarded = NewCall<v1::SetStatusRequest, v1::SetStatusResponse>(gateway_);
        forwarded->request.set_user_id(caller.user_id());
        forwarded->request.set_status(call->request.status());
        gateway_.presence->async()->SetStatus(
            &forwarded->context, &forwarded->request, &call->response,
            [call, forwarded](grpc::Status status) {
              call->Reply(PeerStatus(status, "the presence service"));
            });
      });
}

void GatewayService::HandleGetPresence(
    Call<v1::ClientPresenceRequest, v1::ClientPresenceResponse>* call) {
  if (call->request.usernames_size() > 1000) {
    call->Reply(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "ask for at most 1000 users at once"));
    return;
  }
  WithCaller(
      call->context(), [call](const grpc::Status& status) { call->Reply(status); },
      [this, call](const v1::Caller& caller) {
        // Presence is shared with friends only, so the friend list is the whole answer.
        LoadFriends(gateway_, caller,
                    [call](grpc::Status status, std::shared_ptr<v1::ListFriendsResponse> friends) {
                      if (!status.ok()) {
                        call->Reply(PeerStatus(status, "the chat service"));
                        return;
                      }
                      auto add = [&](const v1::Friend& f) {
                        v1::UserPresenceView* view = call->response.add_users();
                        view->set_user_id(f.user_id());
                        view->set_username(f.username());
                        view->set_status(f.status());
                        view->set_last_seen_ms(f.last_seen_ms());
                      };
                      for (const auto& name : call->request.usernames()) {
                        auto it = std::find_if(friends->friends().begin(), friends->friends().end(),
                                               [&](const v1::Friend& f) {
                                                 return EqualsIgnoringCase(f.username(), name);
                                               });
                        if (it == friends->friends().end()) {
                          call->Reply(grpc::Status(
                              grpc::StatusCode::PERMISSION_DENIED,
                              name + " is not your friend; presence is shared with friends only"));
                          return;
                        }
                        add(*it);
                      }
                      if (call->request.usernames().empty()) {
                        for (const auto& f : friends->friends()) add(f);
                      }
                      call->Reply(grpc::Status::OK);
                    });
      });
}

void GatewayService::HandleListOnline(
    Call<v1::ClientListOnlineRequest, v1::ClientListOnlineResponse>* call) {
  std::string room = call->request.room().empty() ? "lobby" : call->request.room();
  if (!EqualsIgnoringCase(room, "lobby")) {
    ListRoomOnline(call, room);
    return;
  }
  WithCaller(
      call->context(), [call](const grpc::Status& status) { call->Reply(status); },
      [this, call](const v1::Caller& caller) {
        // Users in a block with the caller are left out: blocked users see no presence of each
        // other.
        LoadFriends(
            gateway_, caller,
            [this, call](grpc::Status status, std::shared_ptr<v1::ListFriendsResponse> friends) {
              if (!status.ok()) {
                call->Reply(PeerStatus(status, "the chat service"));
                return;
              }
              auto online = NewCall<v1::ListOnlineRequest, v1::ListOnlineResponse>(gateway_);
              gateway_.presence->async()->ListOnline(
                  &online->context, &online->request, &online->response,
                  [call, online, friends](grpc::Status presence_status) {
                    if (presence_status.ok()) {
                      const auto& hidden = friends->hidden_user_ids();
                      auto is_hidden = [&](uint64_t id) {
                        return std::find(hidden.begin(), hidden.end(), id) != hidden.end();
                      };
                      call->response.set_room("lobby");
                      uint64_t count = online->response.total();
                      for (int i = 0; i < online->response.user_ids_size(); ++i) {
                        if (is_hidden(online->response.user_ids(i))) {
                          --count;
                          continue;
                        }
                        v1::UserPresenceView* view = call->response.add_users();
                        view->set_user_id(online->response.user_ids(i));
                        if (i < online->response.usernames_size()) {
                          view->set_username(online->response.usernames(i));
                        }
                        if (i < online->response.statuses_size()) {
                          view->set_status(online->response.statuses(i));
                        }
                      }
                      call->response.set_count(count);
                    }
                    call->Reply(PeerStatus(presence_status, "the presence service"));
                  });
            });
      });
}

void GatewayService::ListRoomOnline(
    Call<v1::ClientListOnlineRequest, v1::ClientListOnlineResponse>* call,
    const std::string& room) {
  // A room's members (from natter-chat), with their presence (from natter-presence), leaving out
  // the offline and anyone in a block with the caller.
  WithCaller(
      call->context(), [call](const grpc::Status& status) { call->Reply(status); },
      [this, call, room](const v1::Caller& caller) {
        auto members = NewCall<v1::RoomRequest, v1::RoomMembersResponse>(gateway_);
        *members->request.mutable_caller() = caller;
        members->request.set_room(room);
        gateway_.chat->async()->RoomMembers(
            &members->context, &members->request, &members->response,
            [this, call, members, caller](grpc::Status status) {
              if (!status.ok()) {
                call->Reply(PeerStatus(status, "the chat service"));
                return;
              }
              LoadFriends(
                  gateway_, caller,
                  [this, call, members](grpc::Status friends_status,
                                        std::shared_ptr<v1::ListFriendsResponse> friends) {
                    if (!friends_status.ok()) {
                      call->Reply(PeerStatus(friends_status, "the chat service"));
                      return;
                    }
                    auto presence =
                        NewCall<v1::GetPresenceRequest, v1::GetPresenceResponse>(gateway_);
                    const auto& hidden = friends->hidden_user_ids();
                    for (const auto& m : members->response.members()) {
                      if (std::find(hidden.begin(), hidden.end(), m.user_id()) == hidden.end()) {
                        presence->request.add_user_ids(m.user_id());
                      }
                    }
                    gateway_.presence->async()->GetPresence(
                        &presence->context, &presence->request, &presence->response,
                        [call, members, presence](grpc::Status presence_status) {
                          if (presence_status.ok()) {
                            call->response.set_room(members->response.room().name());
                            for (const auto& p : presence->response.users()) {
                              if (p.status() == "offline") continue;
                              v1::UserPresenceView* view = call->response.add_users();
                              view->set_user_id(p.user_id());
                              view->set_status(p.status());
                              for (const auto& m : members->response.members()) {
                                if (m.user_id() == p.user_id()) view->set_username(m.username());
                              }
                            }
                            call->response.set_count(call->response.users_size());
                          }
                          call->Reply(PeerStatus(presence_status, "the presence service"));
                        });
                  });
            });
      });
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* GatewayService::Connect(
    grpc::CallbackServerContext* context) {
  return ClientStream::Start(gateway_, context);
}

grpc::ServerReadReactor<v1::UploadChunk>* GatewayService::UploadFile(
    grpc::CallbackServerContext* context, v1::FileInfo* response) {
  return StartUploadRelay(
      gateway_, [this](auto& call, auto fail, auto then) { WithCaller(call, fail, then); }, context,
      response);
}

grpc::ServerWriteReactor<v1::FileChunk>* GatewayService::DownloadFile(
    grpc::CallbackServerContext* context, const v1::DownloadRequest* request) {
  return StartDownloadRelay(
      gateway_, [this](auto& call, auto fail, auto then) { WithCaller(call, fail, then); }, context,
      request);
}

void GatewayService::GoAwayAll(const std::string& reason, std::chrono::milliseconds window) {
  const auto began = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<ClientStream>> streams = gateway_.hub->AllSinks();
  std::mt19937_64 random(std::random_device{}());
  std::shuffle(streams.begin(), streams.end(), random);
  const GoAwayPlan plan = PlanGoAways(streams.size(), window);
  spdlog::info("telling {} clients to reconnect elsewhere, in {} batches over {} ms",
               streams.size(), plan.batches.size(), window.count());
  std::uniform_int_distribution<int64_t> wait(0, plan.reconnect_window.count() - 1);
  size_t next = 0;
  for (const GoAwayBatch& batch : plan.batches) {
    std::this_thread::sleep_until(began + batch.at);
    for (const size_t end = next + batch.count; next < end; ++next) {
      streams[next]->GoAway(reason, std::chrono::milliseconds(wait(random)));
    }
  }
  NATTER_CHECK(next == streams.size(), "a GoAway plan that does not tell every stream");
  // Held until here, so that a stream that joined since cannot have the address of one told.
  const std::unordered_set<std::shared_ptr<ClientStream>> told(streams.begin(), streams.end());
  size_t late = 0;
  for (const auto& stream : gateway_.hub->AllSinks()) {
    if (told.contains(stream)) continue;
    stream->GoAway(reason, std::chrono::milliseconds(wait(random)));
    ++late;
  }
  if (late > 0) spdlog::info("told {} more clients that connected meanwhile", late);
}

PresenceHeartbeat::PresenceHeartbeat(GatewayContext& gateway, std::chrono::seconds period)
    : gateway_(gateway), period_(period), thread_([this] {
        NameThisThread("heartbeat");
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
  for (const auto& stream : gateway_.hub->AllSinks()) {
    stream->CheckStalled();
    if (auto entry = stream->Announced()) *request.add_streams() = std::move(*entry);
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
