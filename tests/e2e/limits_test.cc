// Limits against a stack with production rate limits: one user's flood is refused with a clear
// error and a retry delay, nothing refused is stored, and another user's messages go through
// untouched; a stream's command allowance and the per-user stream cap of a gateway.
#include <grpcpp/grpcpp.h>

#include <optional>
#include <thread>

#include "natter/v1/gateway.grpc.pb.h"
#include "raw_stream.h"
#include "stack_test.h"

namespace natter::testing {
namespace {

using namespace std::chrono_literals;

v1::ClientFrame SendFrame(uint64_t request_id, const std::string& room, const std::string& id) {
  v1::ClientFrame frame;
  frame.set_request_id(request_id);
  frame.mutable_send()->set_room(room);
  frame.mutable_send()->set_client_msg_id(id);
  frame.mutable_send()->set_text("text of " + id);
  return frame;
}

class LimitsTest : public StackTest {
 protected:
  static void SetUpTestSuite() { StartStack({.chat_replicas = 2, .gateways = 2}); }
};

TEST_F(LimitsTest, AFloodFromOneUserIsRefusedWithARetryDelayAndOthersAreUntouched) {
  User("flooder");
  User("calm");
  User("watcher");

  RawStream flood(stack_->gateway_address(0), Token("flooder"));
  ASSERT_TRUE(flood.Welcomed());
  constexpr int kFlood = 60;  // within the stream's burst of commands, far past the message burst
  for (int i = 0; i < kFlood; ++i) {
    ASSERT_TRUE(flood.Write(SendFrame(i + 1, "lobby", "flood-" + std::to_string(i))));
  }
  // While the flood is answered, another user sends through the other gateway.
  std::thread calm([] {
    for (int i = 0; i < 10; ++i) {
      auto sent = Ctl({"--gateway", stack_->gateway_address(1), "--as", "calm", "send", "--room",
                       "lobby", "calm " + std::to_string(i)});
      EXPECT_EQ(sent.exit_code, 0) << sent.err;
    }
  });

  auto results = flood.Results(kFlood);
  ASSERT_EQ(results.size(), size_t{kFlood});
  int acked = 0, refused = 0;
  for (const auto& r : results) {
    if (r.code() == 0) {
      ++acked;
      continue;
    }
    ++refused;
    EXPECT_EQ(r.code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << r.error();
    EXPECT_NE(r.error().find("you are sending too fast (at most 10 messages a second); try again"),
              std::string::npos)
        << r.error();
    EXPECT_GT(r.retry_after_ms(), 0u);
    EXPECT_LE(r.retry_after_ms(), 2000u);
  }
  EXPECT_GE(acked, 20) << "the burst passes";
  EXPECT_LT(acked, kFlood) << "the flood does not";
  EXPECT_EQ(acked + refused, kFlood);
  calm.join();

  // The history holds every message of the calm user and exactly the flood's acked ones.
  auto history = CtlLines({"--as", "watcher", "history", "--room", "lobby", "--limit", "200"});
  int stored_flood = 0, stored_calm = 0;
  for (const auto& m : history) {
    if (m.value("from", "") == "flooder") ++stored_flood;
    if (m.value("from", "") == "calm") ++stored_calm;
  }
  EXPECT_EQ(stored_flood, acked) << "a refused message is not stored";
  EXPECT_EQ(stored_calm, 10);

  // After the wait the flooder may send again.
  std::this_thread::sleep_for(std::chrono::milliseconds(results.back().retry_after_ms() + 100));
  ASSERT_TRUE(flood.Write(SendFrame(1000, "lobby", "after-the-wait")));
  auto after = flood.Results(1);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].code(), 0) << after[0].error();
}

TEST_F(LimitsTest, NatterctlShowsTheLimitAndExitsNonZero) {
  User("hasty");
  RawStream burst(stack_->gateway_address(0), Token("hasty"));
  ASSERT_TRUE(burst.Welcomed());
  // Use the allowance up, then send with natterctl. The allowance refills at 10 a second, so a
  // natterctl slow to start (a loaded machine, a sanitizer build) may find a new one: then again.
  CommandResult refused;
  uint64_t request_id = 0;
  for (int attempt = 0; attempt < 5; ++attempt) {
    for (int i = 0; i < 30; ++i) {
      ++request_id;
      ASSERT_TRUE(burst.Write(SendFrame(request_id, "lobby", "h" + std::to_string(request_id))));
    }
    ASSERT_EQ(burst.Results(30).size(), 30u);
    refused = Ctl({"--as", "hasty", "send", "--room", "lobby", "one more"});
    if (refused.exit_code != 0) break;
  }
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("sending too fast"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("try again in"), std::string::npos) << refused.err;
}

TEST_F(LimitsTest, AStreamThatSendsTooManyCommandsIsToldToWaitAndKeepsItsConnection) {
  User("pinger");
  RawStream stream(stack_->gateway_address(0), Token("pinger"));
  ASSERT_TRUE(stream.Welcomed());
  constexpr int kPings = 150;  // past the burst of 100 commands
  for (int i = 0; i < kPings; ++i) {
    v1::ClientFrame ping;
    ping.set_request_id(i + 1);
    ping.mutable_ping();
    ASSERT_TRUE(stream.Write(ping));
  }
  auto results = stream.Results(kPings);
  ASSERT_EQ(results.size(), size_t{kPings});
  int pongs = 0;
  uint32_t wait = 0;
  for (const auto& r : results) {
    if (r.code() == 0) {
      ++pongs;
    } else {
      EXPECT_EQ(r.code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
      EXPECT_NE(r.error().find("too many commands on this connection (at most 50 a second)"),
                std::string::npos)
          << r.error();
      wait = std::max(wait, r.retry_after_ms());
    }
  }
  EXPECT_GE(pongs, 100);
  EXPECT_LT(pongs, kPings);
  ASSERT_GT(wait, 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(wait + 50));
  v1::ClientFrame ping;
  ping.set_request_id(10'000);
  ping.mutable_ping();
  ASSERT_TRUE(stream.Write(ping));
  auto after = stream.Results(1);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].code(), 0);
  EXPECT_EQ(after[0].request_id(), 10'000u);
}

TEST_F(LimitsTest, AUserHoldsAtMostSixteenStreamsOnAGateway) {
  User("many");
  std::string token = Token("many");
  std::vector<std::unique_ptr<RawStream>> streams;
  for (int i = 0; i < 16; ++i) {
    streams.push_back(std::make_unique<RawStream>(stack_->gateway_address(0), token));
    ASSERT_TRUE(streams.back()->Welcomed()) << i;
  }
  RawStream extra(stack_->gateway_address(0), token);
  EXPECT_FALSE(extra.Welcomed());
  grpc::Status refused = extra.FinalStatus();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(refused.error_message().find("already has 16 connections open to this server"),
            std::string::npos)
      << refused.error_message();
  // Another gateway counts its own streams, and closing one makes room again.
  RawStream elsewhere(stack_->gateway_address(1), token);
  EXPECT_TRUE(elsewhere.Welcomed());
  streams.pop_back();
  bool admitted = WaitFor(
      [&] {
        RawStream again(stack_->gateway_address(0), token);
        return again.Welcomed();
      },
      10s);
  EXPECT_TRUE(admitted);
}

}  // namespace
}  // namespace natter::testing
