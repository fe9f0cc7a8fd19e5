// The monitoring component's queries name only metrics that Natter exports: every natter_* metric
// in k8s/components/monitoring (the PrometheusRule's alerts, the Grafana dashboard's panels) must
// be on the /metrics page of some process of a running stack. A misspelt or renamed metric would
// otherwise make an alert that never fires or a panel that stays empty, silently.
//
// Error counters appear on a page only once something failed (prometheus-cpp leaves out a family
// with no series yet), so the stack is taken through what the alerts are for: MariaDB down, then
// Redis down, each briefly.
//
// Also the gateway's stream cap, which the stream autoscaling and the near-the-cap alerts are
// about: what a client meets at a full gateway, and what the gateway counts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "e2e/metric_names.h"
#include "e2e/raw_stream.h"
#include "e2e/stack_test.h"
#include "harness/harness.h"

namespace natter {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::string ReadSource(const std::string& path) {
  std::ifstream in(std::string(NATTER_SOURCE_DIR) + "/" + path);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class MonitoringMetricsTest : public testing::StackTest {
 protected:
  static void SetUpTestSuite() { StartStack({.chat_replicas = 1, .gateways = 1}); }

  // The natter_* metrics on the pages of every process of the stack.
  std::set<std::string> Exported() {
    std::set<std::string> names;
    for (const char* process : {"auth", "presence", "chat-1", "gateway-1"}) {
      auto page = testing::HttpGet(stack_->metrics_address(process), "/metrics");
      names.merge(testing::ExportedMetrics(page));
    }
    return names;
  }
};

TEST_F(MonitoringMetricsTest, EveryMetricTheAlertsAndTheDashboardQueryIsExported) {
  const std::string rules = ReadSource("k8s/components/monitoring/prometheus-rule.yaml");
  const std::string dashboard = ReadSource("k8s/components/monitoring/dashboards/natter.json");
  const std::set<std::string> alerting = testing::QueriedMetrics(testing::YamlExprs(rules));
  const std::set<std::string> charted = testing::QueriedMetrics(testing::JsonExprs(dashboard));
  // The parsers found the queries at all: each file names the gateway's streams.
  ASSERT_TRUE(alerting.contains("natter_gateway_streams_open")) << rules;
  ASSERT_TRUE(charted.contains("natter_gateway_streams_open"));

  // Normal traffic: a stream (the gateway's own metrics), a message (RPCs, MySQL, Redis, fan-out).
  User("moe");
  auto listener = Listen("moe", 0);
  ASSERT_EQ(CtlJson({"--as", "moe", "send", "--room", "lobby", "hello"})["seq"], 1);

  // The database is down: chat's store calls fail.
  stack_->mysql().Stop();
  EXPECT_NE(Ctl({"--as", "moe", "send", "--room", "lobby", "while MySQL is down"}).exit_code, 0);
  stack_->mysql().Start();
  // Redis is down: token checks and publishes fail.
  stack_->redis().Stop();
  EXPECT_NE(Ctl({"--as", "moe", "send", "--room", "lobby", "while Redis is down"}).exit_code, 0);
  stack_->redis().Start();

  std::set<std::string> exported;
  std::vector<std::string> unknown;
  // Counters of the failures above may take a moment to be counted (a call's deadline, a retry).
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        exported = Exported();
        std::set<std::string> queried = alerting;
        queried.insert(charted.begin(), charted.end());
        unknown = testing::UnknownMetrics(queried, exported);
        return unknown.empty();
      },
      20s));
  EXPECT_THAT(unknown, IsEmpty()) << "queried in k8s/components/monitoring but exported by no "
                                     "process of the stack";

  // The check itself: the same scrape, a copy of the dashboard with one metric misspelt.
  std::string broken = dashboard;
  const std::string right = "natter_gateway_slow_client_drops_total";
  ASSERT_NE(broken.find(right), std::string::npos);
  broken.replace(broken.find(right), right.size(), "natter_gateway_slow_clients_dropped_total");
  EXPECT_THAT(
      testing::UnknownMetrics(testing::QueriedMetrics(testing::JsonExprs(broken)), exported),
      ElementsAre("natter_gateway_slow_clients_dropped_total"));
  listener->Stop();
}

// A gateway at its stream cap (--max-streams, here 1) refuses a new stream with UNAVAILABLE and a
// message that says so, counts it, and a client given several gateways moves on to one with room.
class GatewayStreamCapTest : public testing::StackTest {
 protected:
  static void SetUpTestSuite() {
    StartStack({.chat_replicas = 1, .gateways = 2, .gateway_args = {"--max-streams", "1"}});
  }
};

TEST_F(GatewayStreamCapTest, AFullGatewaySendsNewStreamsToAnotherAndCountsThem) {
  User("ann");
  User("bob");
  auto page = testing::HttpGet(stack_->metrics_address("gateway-1"), "/metrics");
  EXPECT_EQ(testing::MetricSample(page, "natter_gateway_streams_max"), 1) << page;
  const std::string refused = R"(natter_gateway_streams_refused_total{limit="gateway"})";
  EXPECT_EQ(testing::MetricSample(page, refused), 0) << page;

  auto ann = Listen("ann", 0);  // gateway-1 is now full
  testing::RawStream bob(stack_->gateway_address(0), Token("bob"));
  EXPECT_FALSE(bob.Welcomed());
  grpc::Status status = bob.FinalStatus();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(),
            "this gateway is full; try again in a moment or connect to another");
  page = testing::HttpGet(stack_->metrics_address("gateway-1"), "/metrics");
  EXPECT_EQ(testing::MetricSample(page, refused), 1) << page;
  EXPECT_EQ(testing::MetricSample(page, "natter_gateway_streams_open"), 1) << page;

  // natterctl, given both gateways, is refused by the full one and listens on the other.
  auto listener = stack_->CtlInBackground(
      "listen-bob", {"--gateway", stack_->gateway_address(0) + "," + stack_->gateway_address(1),
                     "--as", "bob", "listen", "--timeout", "60"});
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        return listener->Stderr().find("listening as bob on " + stack_->gateway_address(1)) !=
               std::string::npos;
      },
      20s))
      << listener->Stderr();
  listener->Stop();
  ann->Stop();
}

}  // namespace
}  // namespace natter
