// Delivery under faults, with real binaries on loopback: three chat replicas and three gateways,
// senders that retry unacknowledged messages with the same client_msg_id (as real clients do), and
// natterctl listeners as receivers. Whatever fails — a chat replica killed with SIGKILL, the
// gateway a receiver is on killed, Redis restarted, a receiver offline for the whole run — every
// acked message reaches every member exactly once and in seq order, and no message is stored twice.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "harness/harness.h"
#include "natter/v1/gateway.grpc.pb.h"

namespace natter {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::JsonLines;

constexpr int kReplicas = 3;

// Sends `count` messages "<prefix>-<i>" to a room, one at a time, over a Connect stream. After any
// failure (the stream breaks, an UNAVAILABLE result, no answer in time) it reconnects, to the next
// gateway, and sends the same client_msg_id again.
class Sender {
 public:
  // `padding` bytes are added to each text (after its id).
  Sender(std::vector<std::string> gateways, std::string token, std::string room, std::string prefix,
         int count, size_t padding = 0)
      : gateways_(std::move(gateways)),
        token_(std::move(token)),
        room_(std::move(room)),
        prefix_(std::move(prefix)),
        count_(count),
        padding_(padding, '.') {}
  ~Sender() { Join(); }

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  int acked() const { return acked_count_.load(); }
  int reconnects() const { return reconnects_.load(); }
  const std::string& error() const { return error_; }
  // Text -> seq of every acked message.
  const std::map<std::string, uint64_t>& acks() const { return acks_; }

 private:
  void Run() {
    int next = 0;
    const auto give_up = std::chrono::steady_clock::now() + 120s;
    for (size_t g = 0; next < count_ && std::chrono::steady_clock::now() < give_up; ++g) {
      if (g > 0) {
        ++reconnects_;
        std::this_thread::sleep_for(200ms);
      }
      auto stub = v1::Gateway::NewStub(
          grpc::CreateChannel(gateways_[g % gateways_.size()], grpc::InsecureChannelCredentials()));
      grpc::ClientContext context;
      context.AddMetadata("authorization", "Bearer " + token_);
      context.AddMetadata("natter-presence", "off");
      context.set_deadline(std::chrono::system_clock::now() + 60s);
      auto stream = stub->Connect(&context);
      v1::ServerFrame frame;
      bool welcomed = false;
      while (!welcomed && stream->Read(&frame)) {
        for (const auto& e : frame.events()) welcomed = welcomed || e.has_welcome();
      }
      if (!welcomed) {
        stream->Finish();
        continue;
      }
      uint64_t request_id = 0;
      bool broken = false;
      while (next < count_ && !broken) {
        std::string id = prefix_ + "-" + std::to_string(next);
        std::string text = id + padding_;
        v1::ClientFrame command;
        command.set_request_id(++request_id);
        command.mutable_send()->set_room(room_);
        command.mutable_send()->set_client_msg_id(id);
        command.mutable_send()->set_text(text);
        if (!stream->Write(command)) break;
        std::optional<v1::CommandResult> result;
        while (!result && stream->Read(&frame)) {
          for (const auto& e : frame.events()) {
            if (e.has_result() && e.result().request_id() == request_id) result = e.result();
          }
        }
        if (!result) break;  // the stream broke: reconnect and send the same id
        if (result->code() == 0) {
          acks_[text] = result->ack().seq();
          ++acked_count_;
          ++next;
        } else if (result->code() == grpc::StatusCode::UNAVAILABLE ||
                   result->code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
                   result->code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
          broken = true;  // retry the same id, on another gateway
        } else {
          error_ = text + ": " + result->error();
          next = count_;
        }
      }
      context.TryCancel();
      stream->Finish();
    }
    if (next < count_ && error_.empty()) error_ = "gave up after " + std::to_string(next);
  }

  std::vector<std::string> gateways_;
  std::string token_;
  std::string room_;
  std::string prefix_;
  int count_;
  std::string padding_;
  std::map<std::string, uint64_t> acks_;
  std::atomic<int> acked_count_{0};
  std::atomic<int> reconnects_{0};
  std::string error_;
  std::thread thread_;
};

class DeliveryFaultsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new testing::Stack({.chat_replicas = kReplicas, .gateways = kReplicas});
  }
  static void TearDownTestSuite() { delete stack_; }

  static std::string AllGateways(size_t first) {
    std::string list;
    size_t n = stack_->gateway_count();
    for (size_t i = 0; i < n; ++i) {
      if (!list.empty()) list += ",";
      list += stack_->gateway_address((first + i) % n);
    }
    return list;
  }

  // Registers and logs in `name` for natterctl; returns a token for a Sender.
  static std::string User(const std::string& name) {
    std::string password = "password for " + name;
    EXPECT_EQ(stack_->Ctl({"register", name}, password + "\n").exit_code, 0);
    EXPECT_EQ(stack_->Ctl({"login", name}, password + "\n").exit_code, 0);
    auto stub = v1::Gateway::NewStub(
        grpc::CreateChannel(stack_->gateway_address(0), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    v1::LoginRequest request;
    request.set_username(name);
    request.set_password(password);
    request.set_device("fault test sender");
    v1::LoginResponse response;
    grpc::Status status = stub->Login(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.token();
  }

  static uint64_t CreateRoom(const std::string& owner, const std::string& room,
                             const std::vector<std::string>& members) {
    auto created = stack_->Ctl({"--as", owner, "rooms", "create", room});
    EXPECT_EQ(created.exit_code, 0) << created.err;
    for (const auto& m : members) {
      auto joined = stack_->Ctl({"--as", m, "rooms", "join", room});
      EXPECT_EQ(joined.exit_code, 0) << joined.err;
    }
    return created.exit_code == 0 ? json::parse(created.out)["conversation"].get<uint64_t>() : 0;
  }

  // A listener printing messages, starting on gateway `first` and failing over to the others.
  static std::unique_ptr<testing::Process> Listen(const std::string& user, size_t first) {
    auto listener = stack_->CtlInBackground(
        "listen-" + user, {"--gateway", AllGateways(first), "--as", user, "listen", "--type",
                           "message", "--timeout", "240"});
    bool live = testing::WaitFor(
        [&] { return listener->Stderr().find("listening as") != std::string::npos; }, 30s);
    EXPECT_TRUE(live) << listener->Stderr();
    return listener;
  }

  // Checks what `listener` printed for `room`: every acked message exactly once, in seq order, and
  // nothing that was not acked. Waits until all have arrived (or the timeout).
  static void ExpectExactlyOnceInOrder(testing::Process& listener, uint64_t room,
                                       const std::map<std::string, uint64_t>& acked,
                                       const std::string& who) {
    std::vector<json> got;
    testing::WaitFor(
        [&] {
          got.clear();
          for (auto& e : JsonLines(listener.Stdout())) {
            if (e.value("conversation", uint64_t{0}) == room) got.push_back(std::move(e));
          }
          return got.size() >= acked.size();
        },
        90s);
    std::set<std::string> seen;
    uint64_t last_seq = 0;
    size_t out_of_order = 0, duplicates = 0, unknown = 0, wrong_seq = 0;
    for (const auto& e : got) {
      uint64_t seq = e["seq"];
      std::string text = e["text"];
      if (seq <= last_seq) ++out_of_order;
      last_seq = std::max(last_seq, seq);
      if (!seen.insert(text).second) ++duplicates;
      auto it = acked.find(text);
      if (it == acked.end()) {
        ++unknown;
      } else if (it->second != seq) {
        ++wrong_seq;
      }
    }
    size_t missing = 0;
    for (const auto& [text, seq] : acked) missing += seen.contains(text) ? 0 : 1;
    EXPECT_EQ(missing, 0u) << who << " missed messages\n" << listener.Stderr();
    EXPECT_EQ(duplicates, 0u) << who;
    EXPECT_EQ(out_of_order, 0u) << who;
    EXPECT_EQ(unknown, 0u) << who << " printed messages nobody had acked";
    EXPECT_EQ(wrong_seq, 0u) << who;
  }

  // Every acked message was stored once: the acks name distinct seqs, and the room holds exactly
  // one message per client_msg_id.
  static void ExpectStoredOnce(const std::string& member, uint64_t room, size_t expected) {
    std::set<std::string> texts;
    size_t messages = 0;
    uint64_t before = 0;
    for (;;) {
      std::vector<std::string> args = {
          "--as", member, "history", "--conversation", std::to_string(room), "--limit", "200"};
      if (before != 0) args.insert(args.end(), {"--before", std::to_string(before)});
      auto page = stack_->Ctl(args);
      ASSERT_EQ(page.exit_code, 0) << page.err;
      auto entries = JsonLines(page.out);
      if (entries.empty()) break;
      for (const auto& e : entries) {
        if (e["type"] != "message") continue;
        ++messages;
        texts.insert(e["text"].get<std::string>());
      }
      before = entries.front()["seq"];
      if (before <= 1) break;
    }
    EXPECT_EQ(messages, expected);
    EXPECT_EQ(texts.size(), expected);
  }

  static std::map<std::string, uint64_t> AllAcks(
      const std::vector<std::unique_ptr<Sender>>& senders) {
    std::map<std::string, uint64_t> all;
    std::set<uint64_t> seqs;
    for (const auto& s : senders) {
      EXPECT_EQ(s->error(), "");
      for (const auto& [text, seq] : s->acks()) {
        all[text] = seq;
        EXPECT_TRUE(seqs.insert(seq).second) << "two acks with seq " << seq;
      }
    }
    return all;
  }

  // One line of the fault table: how far the run was when the fault struck, and what the senders
  // had to do about it.
  static void Report(const std::string& fault, int acked_at_fault,
                     const std::vector<std::unique_ptr<Sender>>& senders) {
    int acked = 0, reconnects = 0;
    for (const auto& s : senders) {
      acked += s->acked();
      reconnects += s->reconnects();
    }
    std::cout << "fault: " << fault << " | acked when it struck: " << acked_at_fault
              << " | acked: " << acked << " | sender reconnects: " << reconnects << std::endl;
    // A fault that struck after the run was over would prove nothing.
    EXPECT_LT(acked_at_fault, acked) << fault;
  }

  static int TotalAcked(const std::vector<std::unique_ptr<Sender>>& senders) {
    int total = 0;
    for (const auto& s : senders) total += s->acked();
    return total;
  }

  static testing::Stack* stack_;
};

testing::Stack* DeliveryFaultsTest::stack_ = nullptr;

TEST_F(DeliveryFaultsTest, AChatReplicaKilledWhileThreeSendersSendAThousandEach) {
  std::vector<std::string> tokens;
  for (const char* s : {"ks1", "ks2", "ks3"}) tokens.push_back(User(s));
  for (const char* r : {"kr1", "kr2", "kr3"}) User(r);
  User("koff");
  uint64_t room = CreateRoom("kr1", "replica-kill", {"kr2", "kr3", "ks1", "ks2", "ks3", "koff"});
  // The offline member has been here before (its cursor is saved), then stays away for the run.
  auto before = Listen("koff", 0);
  before->Stop();

  std::vector<std::unique_ptr<testing::Process>> receivers;
  for (size_t i = 0; i < kReplicas; ++i) {
    receivers.push_back(Listen("kr" + std::to_string(i + 1), i));
  }
  std::vector<std::unique_ptr<Sender>> senders;
  for (size_t i = 0; i < tokens.size(); ++i) {
    senders.push_back(std::make_unique<Sender>(
        std::vector<std::string>{stack_->gateway_address(i), stack_->gateway_address((i + 1) % 3)},
        tokens[i], "replica-kill", "k" + std::to_string(i), 1000));
    senders.back()->Start();
  }
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        int total = 0;
        for (const auto& s : senders) total += s->acked();
        return total >= 600;
      },
      60s));
  int at_fault = TotalAcked(senders);
  stack_->chat(1).Signal(SIGKILL);
  for (auto& s : senders) s->Join();
  Report("chat replica killed (SIGKILL)", at_fault, senders);
  auto acked = AllAcks(senders);
  ASSERT_EQ(acked.size(), 3000u);

  for (size_t i = 0; i < receivers.size(); ++i) {
    ExpectExactlyOnceInOrder(*receivers[i], room, acked, "kr" + std::to_string(i + 1));
  }
  // The member who was offline for the whole run gets everything on its next connect.
  auto after = Listen("koff", 2);
  ExpectExactlyOnceInOrder(*after, room, acked, "koff");
  ExpectStoredOnce("kr1", room, 3000);
}

TEST_F(DeliveryFaultsTest, TheGatewayAReceiverIsOnIsKilled) {
  std::vector<std::string> tokens;
  for (const char* s : {"gs1", "gs2"}) tokens.push_back(User(s));
  for (const char* r : {"gr1", "gr2"}) User(r);
  uint64_t room = CreateRoom("gr1", "gateway-kill", {"gr2", "gs1", "gs2"});
  auto on_doomed = Listen("gr1", 1);
  auto elsewhere = Listen("gr2", 2);
  std::vector<std::unique_ptr<Sender>> senders;
  for (size_t i = 0; i < tokens.size(); ++i) {
    // The second sender is on the doomed gateway too: it must resend what was not acked.
    std::vector<std::string> gateways{stack_->gateway_address(i == 0 ? 0 : 1),
                                      stack_->gateway_address(2)};
    senders.push_back(std::make_unique<Sender>(gateways, tokens[i], "gateway-kill",
                                               "g" + std::to_string(i), 400));
    senders.back()->Start();
  }
  ASSERT_TRUE(testing::WaitFor([&] { return senders[0]->acked() >= 100; }, 60s));
  int at_fault = TotalAcked(senders);
  stack_->gateway(1).Signal(SIGKILL);
  stack_->gateway(1).Wait(5s);
  for (auto& s : senders) s->Join();
  Report("receiver's gateway killed (SIGKILL)", at_fault, senders);
  EXPECT_GE(senders[1]->reconnects(), 1);
  auto acked = AllAcks(senders);
  ASSERT_EQ(acked.size(), 800u);
  ExpectExactlyOnceInOrder(*on_doomed, room, acked, "gr1 (its gateway was killed)");
  ExpectExactlyOnceInOrder(*elsewhere, room, acked, "gr2");
  EXPECT_NE(on_doomed->Stderr().find("reconnecting"), std::string::npos) << on_doomed->Stderr();
  stack_->StartGateway(1);
}

TEST_F(DeliveryFaultsTest, RedisRestartedMidStream) {
  std::vector<std::string> tokens;
  for (const char* s : {"rs1", "rs2"}) tokens.push_back(User(s));
  for (const char* r : {"rr1", "rr2"}) User(r);
  uint64_t room = CreateRoom("rr1", "redis-restart", {"rr2", "rs1", "rs2"});
  auto first = Listen("rr1", 0);
  auto second = Listen("rr2", 1);
  std::vector<std::unique_ptr<Sender>> senders;
  for (size_t i = 0; i < tokens.size(); ++i) {
    senders.push_back(std::make_unique<Sender>(
        std::vector<std::string>{stack_->gateway_address(i), stack_->gateway_address(2)}, tokens[i],
        "redis-restart", "r" + std::to_string(i), 400));
    senders.back()->Start();
  }
  ASSERT_TRUE(testing::WaitFor([&] { return senders[0]->acked() >= 100; }, 60s));
  int at_fault = TotalAcked(senders);
  stack_->redis().Stop();
  std::this_thread::sleep_for(1s);
  stack_->redis().Start();
  for (auto& s : senders) s->Join();
  Report("Redis restarted", at_fault, senders);
  auto acked = AllAcks(senders);
  ASSERT_EQ(acked.size(), 800u);
  ExpectExactlyOnceInOrder(*first, room, acked, "rr1");
  ExpectExactlyOnceInOrder(*second, room, acked, "rr2");
  ExpectStoredOnce("rr1", room, 800);
}

// A gateway with a short per-stream queue, for a client that stops reading.
class SlowClientTest : public DeliveryFaultsTest {
 protected:
  static void SetUpTestSuite() {
    stack_ =
        new testing::Stack({.chat_replicas = 1, .gateways = 1, .gateway_max_queued_events = 64});
  }
};

TEST_F(SlowClientTest, AClientThatStopsReadingIsDroppedAndNobodyElseWaits) {
  std::string sender_token = User("flood");
  std::string stuck_token = User("stuck");
  User("steady");
  auto steady = Listen("steady", 0);

  // The stuck client connects, takes its Welcome, and never reads again.
  auto stub = v1::Gateway::NewStub(
      grpc::CreateChannel(stack_->gateway_address(0), grpc::InsecureChannelCredentials()));
  grpc::ClientContext stuck_context;
  stuck_context.AddMetadata("authorization", "Bearer " + stuck_token);
  stuck_context.set_deadline(std::chrono::system_clock::now() + 120s);
  auto stuck = stub->Connect(&stuck_context);
  v1::ServerFrame frame;
  bool welcomed = false;
  while (!welcomed && stuck->Read(&frame)) {
    for (const auto& e : frame.events()) welcomed = welcomed || e.has_welcome();
  }
  ASSERT_TRUE(welcomed);

  // Large messages, so that the stuck client's socket and HTTP/2 windows fill and the gateway's
  // queue for it overflows.
  std::vector<std::unique_ptr<Sender>> senders;
  senders.push_back(std::make_unique<Sender>(std::vector<std::string>{stack_->gateway_address(0)},
                                             sender_token, "lobby", "f", 2000, 3000));
  senders.back()->Start();
  senders.back()->Join();
  auto acked = AllAcks(senders);
  ASSERT_EQ(acked.size(), 2000u);
  ExpectExactlyOnceInOrder(*steady, 1, acked, "steady");

  // What the stuck client finds when it reads again: a Resync, then the end of the stream.
  bool resync = false;
  while (stuck->Read(&frame)) {
    for (const auto& e : frame.events()) resync = resync || e.has_resync();
  }
  grpc::Status status = stuck->Finish();
  EXPECT_TRUE(resync);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(status.error_message(), "client too slow to keep up; reconnect and sync");
  EXPECT_TRUE(stack_->gateway(0).Running());
}

}  // namespace
}  // namespace natter
