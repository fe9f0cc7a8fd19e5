#include "client_stream.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "common/check.h"
#include "friends_view.h"
#include "stream_commands.h"

namespace natter::gateway {
namespace {

const SteadyClock& Steady() {
  static const SteadyClock clock;
  return clock;
}

}  // namespace

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* ClientStream::Start(
    GatewayContext& gateway, grpc::CallbackServerContext* context) {
  auto stream = std::make_shared<ClientStream>(gateway, context);
  stream->self_ = stream;
  Session::Opening opening;
  if (gateway.admission != nullptr) {
    opening.admitted =
        gateway.admission->Admit(context->peer(), /*stream=*/true, &stream->address_lease_);
  }
  if (opening.admitted.ok() && gateway.draining) {
    opening.admitted = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                    "this gateway is shutting down; connect to another");
  }
  const auto& metadata = context->client_metadata();
  if (auto it = metadata.find("natter-presence"); it != metadata.end()) {
    opening.announces_presence = std::string_view(it->second.data(), it->second.size()) != "off";
  }
  opening.token = BearerToken(*context);
  stream->Post([s = stream.get(), opening = std::move(opening)]() mutable {
    s->session_.Start(std::move(opening));
  });
  return stream.get();
}

ClientStream::ClientStream(GatewayContext& gateway, grpc::CallbackServerContext* context)
    : gateway_(gateway),
      context_(context),
      session_(gateway.options,
               gateway.options.gateway_id + "/" + std::to_string(gateway.next_stream++), *this,
               *this, Steady()) {}

template <class Step>
void ClientStream::Post(Step&& step) {
  strand_.Post(std::forward<Step>(step));
}

template <class Step>
void ClientStream::PostReaction(Step&& step) {
  // gRPC's hold ends in OnDone's step, which this thread may be the one to run: the stream must
  // outlive the steps it runs. (The hub and service answers hold the stream themselves.)
  auto keep = shared_from_this();
  strand_.Post(std::forward<Step>(step));
}

template <class... Args>
std::function<void(Args...)> ClientStream::OnStrand(std::function<void(Args...)> done) {
  // A weak hold: an answer that comes after the stream is gone (a Redis confirmation that took
  // minutes) is dropped instead of keeping the stream alive. Until OnDone, gRPC's hold keeps it.
  return [weak = weak_from_this(), done = std::move(done)](Args... args) {
    if (auto self = weak.lock()) {
      self->Post([done, ... args = std::move(args)]() mutable { done(std::move(args)...); });
    }
  };
}

void ClientStream::Deliver(const std::shared_ptr<const HubEvent>& event) {
  // The hot path of fan-out: in place when the strand is free, with no copy of the event's pointer.
  strand_.Dispatch([this, &event] { session_.OnEvent(*event); },
                   [this, &event] { return [this, event] { session_.OnEvent(*event); }; });
}

void ClientStream::Flush() {
  Post([this] { session_.Flush(); });
}

void ClientStream::Resync(const std::string& reason) {
  Post([this, reason] { session_.Resync(reason); });
}

void ClientStream::GoAway(const std::string& reason, std::chrono::milliseconds reconnect_after) {
  Post([this, reason, reconnect_after] { session_.GoAway(reason, reconnect_after); });
}

void ClientStream::CheckStalled() {
  Post([this] { session_.CheckStalled(); });
}

std::optional<v1::DeviceStream> ClientStream::Announced() const {
  std::lock_guard lock(announced_mu_);
  return announced_;
}

void ClientStream::OnReadDone(bool ok) {
  PostReaction([this, ok] {
    if (ok) {
      session_.OnRead(read_buffer_);
    } else {
      session_.OnReadsDone();
    }
  });
}

void ClientStream::OnWriteDone(bool ok) {
  // gRPC is done with the events written; an idle stream keeps none of them (its last write is
  // often the Welcome). The next write starts only from the step below.
  write_buffer_.Clear();
  PostReaction([this, ok] { session_.OnWriteDone(ok); });
}

void ClientStream::OnCancel() {
  PostReaction([this] { session_.OnCancel(); });
}

void ClientStream::OnDone() {
  PostReaction([this] {
    session_.OnDone();
    address_lease_.reset();
    self_.reset();  // the strand's own hold keeps the stream until this step returns
  });
}

void ClientStream::StartWrite(const grpc::Slice* events, size_t count) {
  write_buffer_ = grpc::ByteBuffer(events, count);
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>::StartWrite(&write_buffer_);
}

void ClientStream::StartRead() {
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>::StartRead(&read_buffer_);
}

void ClientStream::Finish(const grpc::Status& status) {
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>::Finish(status);
}

void ClientStream::Cancel() { context_->TryCancel(); }

void ClientStream::ValidateToken(
    const std::string& token, std::function<void(grpc::Status, v1::ValidateTokenResponse)> done) {
  auto call = NewCall<v1::ValidateTokenRequest, v1::ValidateTokenResponse>(gateway_);
  call->request.set_token(token);
  gateway_.auth->async()->ValidateToken(
      &call->context, &call->request, &call->response,
      [call, done = OnStrand(std::move(done))](grpc::Status status) {
        done(std::move(status), std::move(call->response));
      });
}

bool ClientStream::AdmitUser(uint64_t user_id) { return gateway_.AdmitStream(user_id); }

void ClientStream::ReleaseUser(uint64_t user_id) { gateway_.ReleaseStream(user_id); }

void ClientStream::ListRooms(const v1::Caller& caller,
                             std::function<void(grpc::Status, std::vector<uint64_t>)> done) {
  auto call = NewCall<v1::ListConversationsRequest, v1::ListConversationsResponse>(gateway_);
  *call->request.mutable_caller() = caller;
  call->request.set_rooms_only(true);
  gateway_.chat->async()->ListConversations(
      &call->context, &call->request, &call->response,
      [call, done = OnStrand(std::move(done))](grpc::Status status) {
        std::vector<uint64_t> rooms;
        for (const auto& c : call->response.conversations()) {
          // Rooms and groups: their entries come on the conversation's channel.
          if (c.kind() == "room" || c.kind() == "group") rooms.push_back(c.id());
        }
        done(std::move(status), std::move(rooms));
      });
}

void ClientStream::LoadWelcome(
    const v1::Caller& caller,
    std::function<void(grpc::Status, v1::ListConversationsResponse, v1::ListFriendsResponse)>
        done) {
  auto call = NewCall<v1::ListConversationsRequest, v1::ListConversationsResponse>(gateway_);
  *call->request.mutable_caller() = caller;
  auto answer = OnStrand(std::move(done));
  gateway_.chat->async()->ListConversations(
      &call->context, &call->request, &call->response,
      [&gateway = gateway_, caller, call, answer](grpc::Status status) {
        if (!status.ok()) {
          answer(std::move(status), {}, {});
          return;
        }
        LoadFriends(gateway, caller,
                    [call, answer](grpc::Status friends_status,
                                   std::shared_ptr<v1::ListFriendsResponse> friends) {
                      answer(std::move(friends_status), std::move(call->response),
                             friends ? std::move(*friends) : v1::ListFriendsResponse());
                    });
      });
}

void ClientStream::Attach(const std::vector<std::string>& channels, std::function<void()> ready) {
  gateway_.hub->Attach(shared_from_this(), channels, OnStrand(std::move(ready)));
}

void ClientStream::AddChannel(const std::string& channel, std::function<void()> ready) {
  gateway_.hub->AddChannel(shared_from_this(), channel, OnStrand(std::move(ready)));
}

void ClientStream::RemoveChannel(const std::string& channel) {
  gateway_.hub->RemoveChannel(this, channel);
}

void ClientStream::Detach() { gateway_.hub->Detach(this); }

void ClientStream::RunCommand(const v1::Caller& caller, const v1::ClientFrame& frame,
                              std::function<void(v1::CommandResult)> done) {
  const StreamCommand* row = FindStreamCommand(frame.command_case());
  NATTER_CHECK(row != nullptr, "the session runs only commands of the table");
  row->run(gateway_, caller, frame, OnStrand(std::move(done)));
}

void ClientStream::StreamOpened(const v1::DeviceStream& stream) {
  {
    std::lock_guard lock(announced_mu_);
    announced_ = stream;
  }
  auto call = NewCall<v1::StreamOpenedRequest, v1::StreamOpenedResponse>(gateway_);
  call->request.set_gateway_id(gateway_.options.gateway_id);
  *call->request.mutable_stream() = stream;
  gateway_.presence->async()->StreamOpened(
      &call->context, &call->request, &call->response, [call](grpc::Status status) {
        // The heartbeat re-announces the stream within its period, so this is not fatal.
        if (!status.ok()) spdlog::warn("presence StreamOpened failed: {}", status.error_message());
      });
}

void ClientStream::StreamClosed(const v1::DeviceStream& stream) {
  {
    std::lock_guard lock(announced_mu_);
    announced_.reset();
  }
  auto call = NewCall<v1::StreamClosedRequest, v1::StreamClosedResponse>(gateway_);
  call->request.set_gateway_id(gateway_.options.gateway_id);
  *call->request.mutable_stream() = stream;
  gateway_.presence->async()->StreamClosed(
      &call->context, &call->request, &call->response, [call](grpc::Status status) {
        // If this is lost, the stream expires from presence at the end of its TTL.
        if (!status.ok()) spdlog::warn("presence StreamClosed failed: {}", status.error_message());
      });
}

}  // namespace natter::gateway
