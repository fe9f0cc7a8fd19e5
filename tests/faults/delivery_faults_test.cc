// Delivery under faults, with real binaries on loopback: three chat replicas and three gateways,
// senders that retry unacknowledged messages with the same client_msg_id (as real clients do), and
// natterctl listeners as receivers. Whatever fails — a chat replica killed with SIGKILL, the
// gateway a receiver is on killed, Redis restarted, a receiver offline for the whole run — every
// acked message reaches every member exactly once and in seq order, and no message is stored twice.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "faults/fault_test.h"
#include "harness/harness.h"
#include "natter/v1/gateway.grpc.pb.h"

namespace natter {
namespace {

using namespace std::chrono_literals;
using faults::Sender;

constexpr int kReplicas = 3;

class DeliveryFaultsTest : public faults::FaultTest {
 protected:
  static void SetUpTestSuite() {
    stack_ = new testing::Stack(
        {.chat_replicas = kReplicas, .gateways = kReplicas, .rate_limits = false});
  }
};

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
  faults::FaultRow row("kill -9 of a chat replica", std::chrono::steady_clock::now());
  stack_->chat(1).Signal(SIGKILL);
  for (auto& s : senders) s->Join();
  row.Senders(senders, at_fault);
  auto acked = AllAcks(senders);
  ASSERT_EQ(acked.size(), 3000u);

  for (size_t i = 0; i < receivers.size(); ++i) {
    row.Add(ExpectExactlyOnceInOrder(*receivers[i], room, acked, "kr" + std::to_string(i + 1)));
  }
  // The member who was offline for the whole run gets everything on its next connect.
  auto after = Listen("koff", 2);
  row.Add(ExpectExactlyOnceInOrder(*after, room, acked, "koff (offline, then back)"));
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
  faults::FaultRow row("kill -9 of a gateway", std::chrono::steady_clock::now());
  stack_->gateway(1).Signal(SIGKILL);
  stack_->gateway(1).Wait(5s);
  for (auto& s : senders) s->Join();
  row.Senders(senders, at_fault);
  EXPECT_GE(senders[1]->reconnects(), 1);
  auto acked = AllAcks(senders);
  ASSERT_EQ(acked.size(), 800u);
  row.Add(ExpectExactlyOnceInOrder(*on_doomed, room, acked, "gr1 (its gateway was killed)"));
  row.Add(ExpectExactlyOnceInOrder(*elsewhere, room, acked, "gr2"));
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
  faults::FaultRow row("Redis restarted", std::chrono::steady_clock::now());
  stack_->redis().Stop();
  std::this_thread::sleep_for(1s);
  stack_->redis().Start();
  for (auto& s : senders) s->Join();
  row.Senders(senders, at_fault);
  auto acked = AllAcks(senders);
  ASSERT_EQ(acked.size(), 800u);
  row.Add(ExpectExactlyOnceInOrder(*first, room, acked, "rr1"));
  row.Add(ExpectExactlyOnceInOrder(*second, room, acked, "rr2"));
  ExpectStoredOnce("rr1", room, 800);
}

// A gateway with a short per-stream queue, for a client that stops reading.
class SlowClientTest : public DeliveryFaultsTest {
 protected:
  static void SetUpTestSuite() {
    stack_ = new testing::Stack(
        {.chat_replicas = 1, .gateways = 1, .gateway_max_queued_events = 64, .rate_limits = false});
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
  faults::FaultRow row("a client that stops reading", std::chrono::steady_clock::now());
  senders.back()->Start();
  senders.back()->Join();
  row.Senders(senders, -1);
  auto acked = AllAcks(senders);
  ASSERT_EQ(acked.size(), 2000u);
  row.Add(ExpectExactlyOnceInOrder(*steady, 1, acked, "steady"));

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
