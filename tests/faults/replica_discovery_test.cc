// Chat replicas found by name, as on Kubernetes behind a headless Service: a real DNS server
// (dnsmasq) on loopback lists them, and gateways and presence dial dns://…/chat.natter.test. A
// replica added under load takes its share of Send calls within a minute, because servers close
// their callers' connections after --max-connection-age-seconds (30 s) and the callers then
// resolve the name again; a replica taken out of DNS and stopped loses nothing. Every acked message
// reaches each listener exactly once and in seq order, and is stored once.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <iostream>

#include "faults/fault_test.h"
#include "harness/harness.h"

namespace natter {
namespace {

using namespace std::chrono_literals;
using faults::Sender;

class ReplicaDiscoveryTest : public faults::FaultTest {
 protected:
  static void SetUpTestSuite() {
    stack_ = new testing::Stack(
        {.chat_replicas = 2, .gateways = 2, .rate_limits = false, .chat_by_dns = true});
  }

  // Sends replica i has answered OK so far.
  static double SendsServed(size_t i) {
    std::string metrics =
        testing::HttpGet(stack_->metrics_address("chat-" + std::to_string(i + 1)), "/metrics");
    return std::max(
        0.0, testing::MetricSample(metrics,
                                   R"(natter_rpc_total{code="OK",method="/natter.v1.Chat/Send"})"));
  }
};

TEST_F(ReplicaDiscoveryTest, AReplicaAddedUnderLoadTakesItsShareAndOneRemovedLosesNothing) {
  std::vector<std::string> tokens;
  for (const char* s : {"ds1", "ds2"}) tokens.push_back(User(s));
  for (const char* r : {"dr1", "dr2"}) User(r);
  uint64_t room = CreateRoom("dr1", "discovery", {"dr2", "ds1", "ds2"});
  std::vector<std::unique_ptr<testing::Process>> listeners;
  listeners.push_back(Listen("dr1", 0));
  listeners.push_back(Listen("dr2", 1));
  std::vector<std::unique_ptr<Sender>> senders;
  for (size_t i = 0; i < tokens.size(); ++i) {
    senders.push_back(std::make_unique<Sender>(
        std::vector<std::string>{stack_->gateway_address(i), stack_->gateway_address(1 - i)},
        tokens[i], "discovery", "d" + std::to_string(i), 1'000'000));
    senders.back()->Start();
  }
  ASSERT_TRUE(testing::WaitFor([&] { return TotalAcked(senders) >= 200; }, 60s));
  int at_fault = TotalAcked(senders);
  const auto added_at = std::chrono::steady_clock::now();
  faults::FaultRow row("chat replica added (found by DNS) under load, then one removed", added_at);

  // A third replica starts and is listed: within a minute it serves at least a quarter of the
  // Sends of a 5-second window (a third is its fair share).
  size_t added = stack_->AddChat();
  stack_->ListChatsInDns({0, 1, added});
  std::optional<std::chrono::steady_clock::duration> took;
  std::vector<double> before = {SendsServed(0), SendsServed(1), SendsServed(added)};
  double share = 0;
  while (!took && std::chrono::steady_clock::now() - added_at < 60s) {
    std::this_thread::sleep_for(5s);  // the measuring window, not a wait for a condition
    std::vector<double> now = {SendsServed(0), SendsServed(1), SendsServed(added)};
    double all = (now[0] - before[0]) + (now[1] - before[1]) + (now[2] - before[2]);
    share = all > 0 ? (now[2] - before[2]) / all : 0;
    std::cout << "replica discovery: "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - added_at).count()
              << " s after the new replica was listed it served " << share * 100 << " % of " << all
              << " Sends" << std::endl;
    if (share >= 0.25) took = std::chrono::steady_clock::now() - added_at;
    before = now;
  }
  ASSERT_TRUE(took) << "the new chat replica served only " << share * 100
                    << " % of Sends a minute after it was listed in DNS";
  row.Recovered(*took);

  // The first replica goes as a Kubernetes pod does: out of DNS, then SIGTERM (it drains).
  int acked_before = TotalAcked(senders);
  stack_->ListChatsInDns({1, added});
  stack_->chat(0).Signal(SIGTERM);
  EXPECT_EQ(stack_->chat(0).Wait(30s), std::optional<int>(0)) << stack_->chat(0).Stderr();
  EXPECT_TRUE(testing::WaitFor([&] { return TotalAcked(senders) >= acked_before + 400; }, 60s))
      << "messages stopped being acked after a chat replica was removed";

  for (auto& s : senders) s->RequestStop();
  for (auto& s : senders) s->Join();
  row.Senders(senders, at_fault);
  auto acked = AllAcks(senders);
  row.Add(ExpectExactlyOnceInOrder(*listeners[0], room, acked, "dr1"));
  row.Add(ExpectExactlyOnceInOrder(*listeners[1], room, acked, "dr2"));
  ExpectStoredOnce("dr1", room, acked.size());
}

}  // namespace
}  // namespace natter
