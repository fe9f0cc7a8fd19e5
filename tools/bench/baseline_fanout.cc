// natter-bench-baseline: what gRPC alone does, for BENCHMARKS.md's ratios. A bare gRPC callback-API
// server speaking just enough of natter.v1.Gateway for natter-loadgen's fanout scenario: any login
// succeeds, every client is in one room (conversation 1), and each message is acked and written to
// every stream as its own write (one event per write, serialized per stream), with no database, no
// Redis and no second process. Not a chat server: a yardstick run on the same machine, with the
// same client, message size and connection model as the real measurement.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <deque>
#include <iostream>
#include <memory>
#include <mutex>
#include <set>

#include "absl/synchronization/mutex.h"
#include "natter/v1/gateway.grpc.pb.h"

namespace natter::bench {
namespace {

class Baseline;

// One client stream: reads commands, writes queued frames one at a time.
class Stream final : public grpc::ServerBidiReactor<v1::ClientFrame, v1::ServerFrame>,
                     public std::enable_shared_from_this<Stream> {
 public:
  explicit Stream(Baseline& server) : server_(server) {}
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
      grpc::CallbackServerContext*) override {
    auto stream = std::make_shared<Stream>(*this);
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

  void Add(const std::shared_ptr<Stream>& s) {
    std::lock_guard lock(mu_);
    streams_.insert(s);
  }
  void Remove(const std::shared_ptr<Stream>& s) {
    std::lock_guard lock(mu_);
    streams_.erase(s);
  }
  v1::ServerFrame WelcomeFrame() {
    v1::ServerFrame frame;
    auto* welcome = frame.add_events()->mutable_welcome();
    welcome->set_gateway_id("baseline");
    auto* room = welcome->add_conversations();
    room->set_id(1);
    room->set_kind("room");
    room->set_name("baseline");
    std::lock_guard lock(mu_);
    room->set_latest_seq(seq_);
    return frame;
  }

  // A message: the next seq, the ack to its sender, then one write per stream.
  void Send(Stream& sender, const v1::ClientFrame& command) {
    v1::ServerFrame event;
    auto* message = event.add_events()->mutable_message();
    message->set_conversation_id(1);
    message->set_type("message");
    message->set_room("baseline");
    message->set_text(command.send().text());
    message->set_client_msg_id(command.send().client_msg_id());
    std::vector<std::shared_ptr<Stream>> recipients;
    uint64_t seq = 0;
    {
      std::lock_guard lock(mu_);
      seq = ++seq_;
      message->set_seq(seq);
      message->set_message_id(seq);
      recipients.assign(streams_.begin(), streams_.end());
    }
    v1::ServerFrame ack;
    auto* result = ack.add_events()->mutable_result();
    result->set_request_id(command.request_id());
    result->mutable_ack()->set_conversation_id(1);
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

  std::mutex mu_;
  std::set<std::shared_ptr<Stream>> streams_;
  uint64_t seq_ = 0;
};

void Stream::Begin() {
  self_ = shared_from_this();
  server_.Add(self_);
  Push(server_.WelcomeFrame());
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
