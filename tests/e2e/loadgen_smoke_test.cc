// natter-loadgen against a real stack (two chat replicas, two gateways): ten seconds of room
// fan-out and ten of direct messages, with every delivery counted by (conversation, seq). The smoke
// run CI makes of the benchmark tool: nothing lost, nothing duplicated, exit code 0. (Speed is
// measured by the benchmark suite, never asserted here.)
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness/harness.h"

namespace natter {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class LoadgenSmokeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new testing::Stack({.chat_replicas = 2, .gateways = 2, .rate_limits = false});
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }

  // Runs natter-loadgen with `args` against both gateways; returns its final JSON line.
  static json Loadgen(std::vector<std::string> args, int expected_exit = 0) {
    std::vector<std::string> argv = {NATTER_LOADGEN_BIN,
                                     "--gateway",
                                     stack_->gateway_address(0),
                                     "--gateway",
                                     stack_->gateway_address(1),
                                     "--state",
                                     (stack_->dir() / "loadgen.json").string(),
                                     "--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto run = testing::Run(argv, stack_->dir() / "logs", {}, "", 180s);
    EXPECT_EQ(run.exit_code, expected_exit) << run.err;
    auto lines = testing::JsonLines(run.out);
    EXPECT_EQ(lines.size(), 1u) << run.out << run.err;
    return lines.empty() ? json::object() : lines.back();
  }

  static void ExpectEverythingDeliveredOnce(const json& r) {
    EXPECT_GT(r["acked"].get<uint64_t>(), 0u) << r.dump();
    EXPECT_EQ(r["acked"], r["sent"]) << r.dump();
    EXPECT_EQ(r["lost"], 0) << r.dump();
    EXPECT_EQ(r["duplicated"], 0) << r.dump();
    EXPECT_EQ(r["stream_failures"], 0) << r.dump();
    EXPECT_EQ(r["deliveries"], r["expected_deliveries"]) << r.dump();
  }

  static testing::Stack* stack_;
};

testing::Stack* LoadgenSmokeTest::stack_ = nullptr;

TEST_F(LoadgenSmokeTest, RoomFanoutForTenSeconds) {
  json r = Loadgen({"--scenario", "fanout", "--clients", "40", "--senders", "2", "--rate", "50",
                    "--duration", "10"});
  ExpectEverythingDeliveredOnce(r);
  // Every acked message reached all 40 members.
  EXPECT_EQ(r["expected_deliveries"].get<uint64_t>(), r["acked"].get<uint64_t>() * 40);
  EXPECT_GT(r["p50_ms"].get<double>(), 0);
}

TEST_F(LoadgenSmokeTest, DirectMessagesForTenSeconds) {
  json r = Loadgen({"--scenario", "dm", "--clients", "40", "--rate", "100", "--duration", "10"});
  ExpectEverythingDeliveredOnce(r);
  // Each direct message reaches both ends.
  EXPECT_EQ(r["expected_deliveries"].get<uint64_t>(), r["acked"].get<uint64_t>() * 2);
}

TEST_F(LoadgenSmokeTest, FilesGoUpAndComeBackWhileMessagesFlow) {
  json r = Loadgen({"--scenario", "dm", "--clients", "10", "--rate", "20", "--duration", "2",
                    "--uploads", "3", "--upload-mb", "1"});
  ExpectEverythingDeliveredOnce(r);
  EXPECT_EQ(r["uploads"], 3) << r.dump();
  EXPECT_EQ(r["uploads_done"], 3) << r.dump();  // each compared byte for byte
  EXPECT_EQ(r["uploads_failed"], 0) << r.dump();
  EXPECT_GT(r["upload_mb_s"].get<double>(), 0) << r.dump();
  EXPECT_GT(r["download_mb_s"].get<double>(), 0) << r.dump();
}

TEST_F(LoadgenSmokeTest, ALoginStormConnectsEveryone) {
  json r = Loadgen({"--scenario", "connect", "--clients", "20", "--duration", "1"});
  EXPECT_EQ(r["stream_failures"], 0) << r.dump();
  EXPECT_EQ(r["failed_sends"], 0) << r.dump();
  EXPECT_GT(r["connect_p50_ms"].get<double>(), 0) << r.dump();
}

TEST_F(LoadgenSmokeTest, AStoppedGatewayIsAFailedRun) {
  // The tool must be able to fail: with one gateway gone, its clients cannot connect.
  Loadgen({"--scenario", "fanout", "--clients", "4", "--duration", "1"});  // users exist
  stack_->gateway(1).Stop();
  auto run = testing::Run(
      {NATTER_LOADGEN_BIN, "--gateway", stack_->gateway_address(0), "--gateway",
       stack_->gateway_address(1), "--state", (stack_->dir() / "loadgen.json").string(),
       "--scenario", "fanout", "--clients", "4", "--duration", "1", "--quiet"},
      stack_->dir() / "logs", {}, "", 180s);
  EXPECT_EQ(run.exit_code, 2);  // the run could not be made
  EXPECT_NE(run.err.find("natter-loadgen: "), std::string::npos) << run.err;
  stack_->StartGateway(1);

  auto bad = testing::Run({NATTER_LOADGEN_BIN, "--scenario", "nonsense"}, stack_->dir() / "logs");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--scenario"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace natter
