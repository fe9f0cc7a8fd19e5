// In-process stand-ins for natter-auth, natter-chat and natter-presence, served on a loopback port,
// and a GatewayContext whose stubs call them: for tests of the gateway's own gRPC code (the stream
// reactor, the command table) without the real services.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "gateway_context.h"
#include "natter/v1/auth.grpc.pb.h"
#include "natter/v1/chat.grpc.pb.h"
#include "natter/v1/presence.grpc.pb.h"

namespace natter::gateway {

// Tokens are "token-N" for user N (session "s-N"); anything else is UNAUTHENTICATED.
class FakeAuth final : public v1::Auth::Service {
 public:
  grpc::Status ValidateToken(grpc::ServerContext*, const v1::ValidateTokenRequest* request,
                             v1::ValidateTokenResponse* response) override {
    const std::string& token = request->token();
    if (!token.starts_with("token-")) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "unknown session");
    }
    uint64_t user = std::stoull(token.substr(6));
    response->set_user_id(user);
    response->set_username("user" + std::to_string(user));
    response->set_session_id("s-" + std::to_string(user));
    response->set_device("test");
    return grpc::Status::OK;
  }
};

// Every user is in room 3. Send answers an ack with seq = the number of sends so far, unless the
// text is "fail", which is refused as a Natter service would refuse it. The requests are kept.
class FakeChat final : public v1::Chat::Service {
 public:
  grpc::Status ListConversations(grpc::ServerContext*, const v1::ListConversationsRequest*,
                                 v1::ListConversationsResponse* response) override {
    v1::Conversation* room = response->add_conversations();
    room->set_id(3);
    room->set_kind("room");
    return grpc::Status::OK;
  }
  grpc::Status ListFriends(grpc::ServerContext*, const v1::ListFriendsRequest*,
                           v1::ListFriendsResponse*) override {
    return grpc::Status::OK;
  }
  grpc::Status Send(grpc::ServerContext*, const v1::SendRequest* request,
                    v1::SendResponse* response) override {
    {
      std::lock_guard lock(mu_);
      sends_.push_back(*request);
    }
    if (request->text() == "fail") {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "you are not in that room");
    }
    response->mutable_ack()->set_seq(++seq_);
    return grpc::Status::OK;
  }
  grpc::Status Sync(grpc::ServerContext*, const v1::SyncRequest* request,
                    v1::SyncResponse* response) override {
    {
      std::lock_guard lock(mu_);
      syncs_.push_back(*request);
    }
    for (uint64_t seq = request->after_seq() + 1; seq <= request->after_seq() + 2; ++seq) {
      v1::ChatMessage* m = response->add_messages();
      m->set_conversation_id(request->conversation_id());
      m->set_seq(seq);
    }
    return grpc::Status::OK;
  }

  // An unchanged ack (the reaction was already so) for a removal, seq 9 for an addition.
  grpc::Status React(grpc::ServerContext*, const v1::ReactRequest* request,
                     v1::SendResponse* response) override {
    {
      std::lock_guard lock(mu_);
      reacts_.push_back(*request);
    }
    if (request->remove()) {
      response->mutable_ack()->set_unchanged(true);
    } else {
      response->mutable_ack()->set_seq(9);
    }
    return grpc::Status::OK;
  }

  // An unchanged ack (it was already so) for an unpin, seq 11 for a pin.
  grpc::Status Pin(grpc::ServerContext*, const v1::PinRequest* request,
                   v1::SendResponse* response) override {
    {
      std::lock_guard lock(mu_);
      pins_.push_back(*request);
    }
    if (request->unpin()) {
      response->mutable_ack()->set_unchanged(true);
    } else {
      response->mutable_ack()->set_seq(11);
    }
    return grpc::Status::OK;
  }

  // Echoes the settings asked for (level NONE when unspecified, so the test sees the answer).
  grpc::Status SetNotifications(grpc::ServerContext*, const v1::SetNotificationsRequest* request,
                                v1::NotificationSettings* response) override {
    {
      std::lock_guard lock(mu_);
      notifications_.push_back(*request);
    }
    response->set_conversation_id(request->conversation().id());
    response->set_level(request->level() == v1::NOTIFY_LEVEL_UNSPECIFIED ? v1::NOTIFY_LEVEL_NONE
                                                                         : request->level());
    response->set_muted_until_ms(request->muted_until_ms());
    return grpc::Status::OK;
  }

  std::vector<v1::SendRequest> sends() const {
    std::lock_guard lock(mu_);
    return sends_;
  }
  std::vector<v1::ReactRequest> reacts() const {
    std::lock_guard lock(mu_);
    return reacts_;
  }
  std::vector<v1::PinRequest> pins() const {
    std::lock_guard lock(mu_);
    return pins_;
  }
  std::vector<v1::SetNotificationsRequest> notifications() const {
    std::lock_guard lock(mu_);
    return notifications_;
  }
  std::vector<v1::SyncRequest> syncs() const {
    std::lock_guard lock(mu_);
    return syncs_;
  }

 private:
  std::atomic<uint64_t> seq_{0};
  mutable std::mutex mu_;
  std::vector<v1::SendRequest> sends_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::SyncRequest> syncs_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::ReactRequest> reacts_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::SetNotificationsRequest> notifications_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::PinRequest> pins_ ABSL_GUARDED_BY(mu_);
};

// Counts the streams announced and withdrawn.
class FakePresence final : public v1::Presence::Service {
 public:
  grpc::Status StreamOpened(grpc::ServerContext*, const v1::StreamOpenedRequest*,
                            v1::StreamOpenedResponse*) override {
    ++opened;
    return grpc::Status::OK;
  }
  grpc::Status StreamClosed(grpc::ServerContext*, const v1::StreamClosedRequest*,
                            v1::StreamClosedResponse*) override {
    ++closed;
    return grpc::Status::OK;
  }
  std::atomic<int> opened{0};
  std::atomic<int> closed{0};
};

// The three fakes on one loopback server, and a GatewayContext calling them.
class FakeServices {
 public:
  FakeServices() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&auth);
    builder.RegisterService(&chat);
    builder.RegisterService(&presence);
    server_ = builder.BuildAndStart();
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                       grpc::InsecureChannelCredentials());
    gateway.options.gateway_id = "gw-test";
    gateway.auth = v1::Auth::NewStub(channel);
    gateway.chat = v1::Chat::NewStub(channel);
    gateway.presence = v1::Presence::NewStub(channel);
  }
  ~FakeServices() { server_->Shutdown(); }

  FakeAuth auth;
  FakeChat chat;
  FakePresence presence;
  GatewayContext gateway;

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace natter::gateway
