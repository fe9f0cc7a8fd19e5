// natter-bench-baseline: what gRPC alone does, for BENCHMARKS.md's ratios. A bare gRPC callback-API
// server speaking just enough of natter.v1.Gateway for natter-loadgen's fanout and dm scenarios:
// any login succeeds, every client is in one room (conversation 1), any two users may write to each
// other (their direct conversation starts with the first message), and each message is acked and
// written to every stream of its conversation as its own write (one event per write, serialized per
// stream), with no database, no Redis and no second process. Not a chat server: a yardstick run on
// the same machine, with the same client, message size and connection model as the real
// measurement.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/http2_tuning.h"
#include "natter/v1/gateway.grpc.pb.h"

namespace natter::bench {
namespace {

class Baseline;

// One client stream: reads commands, writes queued frames one at a time.
class Stream final : public grpc::ServerBidiReactor<v1::ClientFrame, v1::ServerFrame>,
                     public std::enable_shared_from_this<Stream> {
 public:
  Stream(Baseline& server, std::string user) : server_(server), user_(std::move(user)) {}
  const std::string& user() const { return user_; }
  void Begin();
  // Writes are started outside the lock; `writing_` keeps Finish() from racing them.
  void Push(v1::ServerFrame frame) {
    std::unique_lock lock(mu_);
    if (finishing_) return;
    if (writing_) {
      queue_.push_back(std::move(frame));
      return;
    }
    writing_ = true;
    current_ = std::move(frame);
    lock.unlock();
    StartWrite(&current_);
  }
  void OnWriteDone(bool ok) override {
    std::unique_lock lock(mu_);
    if (ok && !queue_.empty()) {
      current_ = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      StartWrite(&current_);
      return;
    }
    writing_ = false;
    queue_.clear();
    bool finish = finishing_ && !finished_;
    finished_ = finished_ || finish;
    lock.unlock();
    if (finish) Finish(grpc::Status::OK);
  }
  void OnReadDone(bool ok) override;
  void OnDone() override;

 private:
  Baseline& server_;
  const std::string user_;
  v1::ClientFrame command_;
  std::mutex mu_;
  std::deque<v1::ServerFrame> queue_;
  v1::ServerFrame current_;
  bool writing_ = false;
  bool finishing_ = false;  // the client closed; no new writes
  bool finished_ = false;
  std::shared_ptr<Stream> self_;  // alive until OnDone
};

class Baseline final : public v1::Gateway::CallbackService {
 public:
  grpc::ServerBidiReactor<v1::ClientFrame, v1::ServerFrame>* Connect(
      grpc::CallbackServerContext* context) override {
    // The user is whoever the token from Login names ("Bearer baseline-<name>").
    std::string user;
    auto auth = context->client_metadata().find("authorization");
    if (auth != context->client_metadata().end()) {
      std::string_view token(auth->second.data(), auth->second.size());
      constexpr std::string_view kPrefix = "Bearer baseline-";
      if (token.starts_with(kPrefix)) user = std::string(token.substr(kPrefix.size()));
    }
    auto stream = std::make_shared<Stream>(*this, std::move(user));
    stream->Begin();
    return stream.get();
  }

  grpc::ServerUnaryReactor* Register(grpc::CallbackServerContext* context,
                                     const v1::RegisterRequest* request,
                                     v1::RegisterResponse* response) override {
    response->set_username(request->username());
    return Ok(context);
  }
  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* context,
                                  const v1::LoginRequest* request,
                                  v1::LoginResponse* response) override {
    response->set_token("baseline-" + request->username());
    response->set_username(request->username());
    return Ok(context);
  }
  grpc::ServerUnaryReactor* ListFriends(grpc::CallbackServerContext* context,
                                        const v1::ListFriendsRequest*,
                                        v1::ListFriendsResponse*) override {
    return Ok(context);
  }
  grpc::ServerUnaryReactor* CreateRoom(grpc::CallbackServerContext* context,
                                       const v1::CreateRoomRequest*, v1::RoomResponse*) override {
    return Ok(context);
  }
  grpc::ServerUnaryReactor* JoinRoom(grpc::CallbackServerContext* context, const v1::RoomRequest*,
                                     v1::RoomResponse*) override {
    return Ok(context);
  }
  grpc::ServerUnaryReactor* Friendship(grpc::CallbackServerContext* context,
                                       const v1::FriendshipRequest*,
                                       v1::FriendshipResponse*) override {
    return Ok(context);  // everyone may write to everyone
  }

  void Add(const std::shared_ptr<Stream>& s) {
    std::lock_guard lock(mu_);
    streams_.insert(s);
    by_user_[s->user()].insert(s);
  }
  void Remove(const std::shared_ptr<Stream>& s) {
    std::lock_guard lock(mu_);
    streams_.erase(s);
    auto user = by_user_.find(s->user());
    if (user != by_user_.end() && user->second.erase(s) > 0 && user->second.empty()) {
      by_user_.erase(user);
    }
  }
  v1::ServerFrame WelcomeFrame(const std::string& user) {
    v1::ServerFrame frame;
    auto* welcome = frame.add_events()->mutable_welcome();
    welcome->set_gateway_id("baseline");
    auto* room = welcome->add_conversations();
    room->set_id(1);
    room->set_kind("room");
    room->set_name("baseline");
    std::lock_guard lock(mu_);
    room->set_latest_seq(seq_);
    for (const auto& [id, direct] : directs_) {
      if (direct.users.first != user && direct.users.second != user) continue;
      auto* conversation = welcome->add_conversations();
      conversation->set_id(id);
      conversation->set_kind("direct");
      conversation->set_name(direct.users.first == user ? direct.users.second : direct.users.first);
      conversation->set_latest_seq(direct.seq);
    }
    return frame;
  }

  // A message: the next seq of its conversation, the ack to its sender, then one write per stream
  // in the conversation (everyone for the room; both users' streams for a direct message).
  void Send(Stream& sender, const v1::ClientFrame& command) {
    const v1::SendMessage& send = command.send();
    v1::ServerFrame event;
    auto* message = event.add_events()->mutable_message();
    message->set_type("message");
    message->set_text(send.text());
    message->set_client_msg_id(send.client_msg_id());
    std::vector<std::shared_ptr<Stream>> recipients;
    uint64_t conversation = 1;
    uint64_t seq = 0;
    {
      std::lock_guard lock(mu_);
      if (send.to_user().empty()) {
        message->set_room("baseline");
        seq = ++seq_;
        recipients.assign(streams_.begin(), streams_.end());
      } else {
        auto users = std::minmax(sender.user(), send.to_user());
        auto [it, added] = direct_ids_.try_emplace(users, next_direct_);
        if (added) directs_[next_direct_++].users = users;
        conversation = it->second;
        seq = ++directs_[conversation].seq;
        for (const std::string* user : {&users.first, &users.second}) {
          auto streams = by_user_.find(*user);
          if (streams == by_user_.end()) continue;
          recipients.insert(recipients.end(), streams->second.begin(), streams->second.end());
        }
      }
      message->set_conversation_id(conversation);
      message->set_seq(seq);
      message->set_message_id(++message_ids_);
    }
    v1::ServerFrame ack;
    auto* result = ack.add_events()->mutable_result();
    result->set_request_id(command.request_id());
    result->mutable_ack()->set_conversation_id(conversation);
    result->mutable_ack()->set_seq(seq);
    sender.Push(std::move(ack));
    for (const auto& s : recipients) s->Push(event);
  }

 private:
  static grpc::ServerUnaryReactor* Ok(grpc::CallbackServerContext* context) {
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  struct Direct {
    std::pair<std::string, std::string> users;  // ordered
    uint64_t seq = 0;
  };

  std::mutex mu_;
  std::set<std::shared_ptr<Stream>> streams_;
  std::map<std::string, std::set<std::shared_ptr<Stream>>> by_user_;
  uint64_t seq_ = 0;  // the room's
  std::map<std::pair<std::string, std::string>, uint64_t> direct_ids_;
  std::map<uint64_t, Direct> directs_;
  uint64_t next_direct_ = 2;
  uint64_t message_ids_ = 0;
};

void Stream::Begin() {
  self_ = shared_from_this();
  server_.Add(self_);
  Push(server_.WelcomeFrame(user_));
  StartRead(&command_);
}

void Stream::OnReadDone(bool ok) {
  if (!ok) {
    std::unique_lock lock(mu_);
    finishing_ = true;
    bool finish = !writing_ && !finished_;
    finished_ = finished_ || finish;
    lock.unlock();
    if (finish) Finish(grpc::Status::OK);
    return;
  }
  if (command_.has_send()) {
    server_.Send(*this, command_);
  } else {
    v1::ServerFrame frame;
    auto* result = frame.add_events()->mutable_result();
    result->set_request_id(command_.request_id());
    result->set_code(grpc::StatusCode::UNIMPLEMENTED);
    result->set_error("the baseline only relays messages");
    Push(std::move(frame));
  }
  StartRead(&command_);
}

void Stream::OnDone() {
  {
    std::lock_guard lock(mu_);
    finishing_ = true;
    queue_.clear();
  }
  server_.Remove(self_);
  self_.reset();  // may delete this
}

}  // namespace
}  // namespace natter::bench

int main(int argc, char** argv) {
  CLI::App app{
      "natter-bench-baseline: a bare gRPC fan-out server, the yardstick for BENCHMARKS.md"};
  std::string listen = "127.0.0.1:2029";
  app.add_option("--listen", listen, "HOST:PORT")->capture_default_str();
  // gRPC's per-connection tuning, as natter-gateway takes it; unset: gRPC's defaults.
  natter::Http2Tuning http2_tuning;
  natter::AddHttp2TuningFlags(app, http2_tuning);
  CLI11_PARSE(app, argc, argv);

  // As natter's servers do (natter::DisableMutexDeadlockDetection), so the ratio compares like with
  // like: Debian's Abseil otherwise checks every mutex lock for deadlock cycles.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  natter::bench::Baseline service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  natter::ApplyHttp2Tuning(http2_tuning, builder);
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::cerr << "natter-bench-baseline: cannot listen on " << listen << "\n";
    return 1;
  }
  std::cerr << "natter-bench-baseline: serving on port " << port << "\n";
  int sig = 0;
  sigwait(&signals, &sig);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
