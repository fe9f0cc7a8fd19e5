// Prometheus metrics: every server serves /metrics on its own port, counting RPCs by method and
// status code and timing MySQL and Redis calls; the gateway also reports its streams, events in,
// deliveries, writes and per-stream queue depth.
#include <gtest/gtest.h>

#include "e2e/stack_test.h"
#include "harness/harness.h"

namespace natter {
namespace {

using namespace std::chrono_literals;

class MetricsTest : public testing::StackTest {
 protected:
  static void SetUpTestSuite() { StartStack({.chat_replicas = 1, .gateways = 1}); }
};

TEST_F(MetricsTest, ServersCountRpcsAndTheGatewayItsStreams) {
  User("moe");
  auto listener = Listen("moe", 0);
  ASSERT_EQ(CtlJson({"--as", "moe", "send", "--room", "lobby", "counted"})["seq"], 1);
  EXPECT_EQ(Ctl({"--as", "moe", "send", "--room", "nowhere", "lost"}).exit_code, 1);

  std::string gateway;
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        gateway = testing::HttpGet(stack_->metrics_address("gateway-1"), "/metrics");
        return testing::MetricSample(gateway, "natter_gateway_streams_open") == 1;
      },
      10s))
      << gateway;
  EXPECT_EQ(testing::MetricSample(
                gateway, R"(natter_rpc_total{code="OK",method="/natter.v1.Gateway/Login"})"),
            1)
      << gateway;
  EXPECT_GE(testing::MetricSample(gateway, "natter_gateway_events_queued_total"), 1);
  EXPECT_GE(testing::MetricSample(gateway, "natter_gateway_events_in_total"), 1);
  EXPECT_GE(testing::MetricSample(gateway, "natter_gateway_writes_total"), 1);
  EXPECT_GE(testing::MetricSample(gateway, "natter_gateway_stream_queue_depth_count"), 1);

  std::string chat = testing::HttpGet(stack_->metrics_address("chat-1"), "/metrics");
  EXPECT_EQ(
      testing::MetricSample(chat, R"(natter_rpc_total{code="OK",method="/natter.v1.Chat/Send"})"),
      1)
      << chat;
  EXPECT_EQ(testing::MetricSample(
                chat, R"(natter_rpc_total{code="NOT_FOUND",method="/natter.v1.Chat/Send"})"),
            1)
      << chat;
  EXPECT_NE(chat.find("natter_rpc_duration_seconds_bucket{method=\"/natter.v1.Chat/Send\""),
            std::string::npos);
  // Store and Redis calls are timed by operation.
  EXPECT_GE(testing::MetricSample(
                chat, R"(natter_mysql_call_duration_seconds_count{operation="append message"})"),
            1)
      << chat;
  EXPECT_GE(
      testing::MetricSample(chat, R"(natter_redis_call_duration_seconds_count{command="PUBLISH"})"),
      1)
      << chat;
  std::string auth = testing::HttpGet(stack_->metrics_address("auth"), "/metrics");
  EXPECT_GE(testing::MetricSample(
                auth, R"(natter_rpc_total{code="OK",method="/natter.v1.Auth/ValidateToken"})"),
            1)
      << auth;
  EXPECT_GE(testing::MetricSample(
                auth, R"(natter_mysql_call_duration_seconds_count{operation="create user"})"),
            1)
      << auth;

  listener->Stop();
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        return testing::MetricSample(
                   testing::HttpGet(stack_->metrics_address("gateway-1"), "/metrics"),
                   "natter_gateway_streams_open") == 0;
      },
      10s));
}

}  // namespace
}  // namespace natter
