// A rolling update rehearsed on loopback, the way Kubernetes performs one: each chat replica and
// then each gateway gets SIGTERM, drains (health NOT_SERVING; the gateway tells its clients to
// reconnect elsewhere; in-flight calls finish), exits 0 and is replaced by a new process on the
// same port, one at a time, while two senders keep sending and two natterctl listeners listen.
// Every acked message reaches each listener exactly once and in seq order, and is stored once.
#include <gtest/gtest.h>
#include <signal.h>

#include <functional>
#include <iostream>

#include "faults/fault_test.h"
#include "harness/harness.h"

namespace natter {
namespace {

using namespace std::chrono_literals;
using faults::Sender;

class RollingUpdateTest : public faults::FaultTest {
 protected:
  // As `./natter up` runs it: two chat replicas, two gateways.
  static void SetUpTestSuite() {
    stack_ = new testing::Stack({.chat_replicas = 2, .gateways = 2, .rate_limits = false});
  }

  // Replaces one process as a rolling update does, then waits until messages are acked again.
  static void Replace(const std::string& what, testing::Process& old_process,
                      const std::function<void()>& start_new,
                      const std::vector<std::unique_ptr<Sender>>& senders) {
    int acked_before = TotalAcked(senders);
    old_process.Signal(SIGTERM);
    // The harness drains for 2 s; the bound only keeps a hung process from hanging the test.
    std::optional<int> exit_code = old_process.Wait(30s);
    EXPECT_EQ(exit_code, std::optional<int>(0)) << what << " did not exit cleanly on SIGTERM:\n"
                                                << old_process.Stderr();
    start_new();
    bool flowing = testing::WaitFor([&] { return TotalAcked(senders) >= acked_before + 200; }, 60s);
    EXPECT_TRUE(flowing) << "messages stopped being acked after replacing " << what;
    std::cout << "rolling update: " << what << " replaced | acked before: " << acked_before
              << " | acked after: " << TotalAcked(senders) << std::endl;
  }
};

TEST_F(RollingUpdateTest, ChatReplicasThenGatewaysReplacedOneAtATimeWhileMessagesFlow) {
  std::vector<std::string> tokens;
  for (const char* s : {"us1", "us2"}) tokens.push_back(User(s));
  for (const char* r : {"ur1", "ur2"}) User(r);
  uint64_t room = CreateRoom("ur1", "rolling", {"ur2", "us1", "us2"});
  std::vector<std::unique_ptr<testing::Process>> listeners;
  listeners.push_back(Listen("ur1", 0));
  listeners.push_back(Listen("ur2", 1));

  // Senders go on until told to stop, each starting on its own gateway and moving to the other one
  // when told to go away.
  std::vector<std::unique_ptr<Sender>> senders;
  for (size_t i = 0; i < tokens.size(); ++i) {
    senders.push_back(std::make_unique<Sender>(
        std::vector<std::string>{stack_->gateway_address(i), stack_->gateway_address(1 - i)},
        tokens[i], "rolling", "u" + std::to_string(i), 1'000'000));
    senders.back()->Start();
  }
  ASSERT_TRUE(testing::WaitFor([&] { return TotalAcked(senders) >= 200; }, 60s));
  int at_fault = TotalAcked(senders);
  faults::FaultRow row("rolling update (SIGTERM, drain, replace) of 2 chat replicas, 2 gateways",
                       std::chrono::steady_clock::now());

  Replace(
      "chat-1", stack_->chat(0), [] { stack_->StartChat(0); }, senders);
  Replace(
      "chat-2", stack_->chat(1), [] { stack_->StartChat(1); }, senders);
  Replace(
      "gateway-1", stack_->gateway(0), [] { stack_->StartGateway(0); }, senders);
  Replace(
      "gateway-2", stack_->gateway(1), [] { stack_->StartGateway(1); }, senders);

  for (auto& s : senders) s->RequestStop();
  for (auto& s : senders) s->Join();
  row.Senders(senders, at_fault);
  auto acked = AllAcks(senders);
  // Both senders were on a gateway that went away, so both moved.
  EXPECT_GE(senders[0]->reconnects(), 1);
  EXPECT_GE(senders[1]->reconnects(), 1);
  row.Add(ExpectExactlyOnceInOrder(*listeners[0], room, acked, "ur1"));
  row.Add(ExpectExactlyOnceInOrder(*listeners[1], room, acked, "ur2"));
  // Each listener was told to go away once and listened again on the other gateway.
  for (const auto& listener : listeners) {
    std::string err = listener->Stderr();
    size_t first = err.find("listening as");
    EXPECT_NE(first, std::string::npos) << err;
    EXPECT_NE(err.find("listening as", first + 1), std::string::npos) << err;
  }
  ExpectStoredOnce("ur1", room, acked.size());
}

}  // namespace
}  // namespace natter
