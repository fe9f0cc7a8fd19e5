// The CI version of the soak (docs/SECURITY.md, BENCHMARKS.md): 60 s of mixed room and direct
// traffic through natter-loadgen against a stack with production rate limits. After a 20 s warm-up
// no server's resident memory may grow more than 5 % (and 4 MiB: less is allocator noise), and
// nothing may be lost, duplicated or refused. The documented soak runs the same for 10 minutes at
// half the measured maximum.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness/harness.h"

namespace natter {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TEST(SoakTest, SixtySecondsOfMixedTrafficWithoutErrorsOrMemoryGrowth) {
  // Production limits, but the 100 simulated people register from one address.
  testing::Stack stack(
      {.chat_replicas = 2, .gateways = 2, .auth_args = {"--register-per-minute", "0"}});
  std::vector<std::string> argv = {NATTER_LOADGEN_BIN,
                                   "--gateway",
                                   stack.gateway_address(0),
                                   "--gateway",
                                   stack.gateway_address(1),
                                   "--state",
                                   (stack.dir() / "loadgen.json").string(),
                                   "--json",
                                   "--quiet",
                                   "--scenario",
                                   "mixed",
                                   "--clients",
                                   "100",
                                   "--rate",
                                   "100",
                                   "--duration",
                                   "60",
                                   "--warmup",
                                   "20",
                                   "--max-rss-growth",
                                   "5"};
  std::vector<testing::Process*> servers = {&stack.auth(), &stack.presence()};
  for (size_t i = 0; i < 2; ++i) {
    servers.push_back(&stack.chat(i));
    servers.push_back(&stack.gateway(i));
  }
  for (auto* server : servers) {
    argv.insert(argv.end(), {"--server-pid", std::to_string(server->pid())});
  }
  auto run = testing::Run(argv, stack.dir() / "logs", {}, "", 300s);
  auto lines = testing::JsonLines(run.out);
  ASSERT_EQ(lines.size(), 1u) << run.out << run.err;
  const json& r = lines.back();
  std::cout << "soak: " << r.dump() << std::endl;
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_GT(r["acked"].get<uint64_t>(), 5000u) << "60 s at 100 messages a second";
  EXPECT_EQ(r["acked"], r["sent"]);
  EXPECT_EQ(r["failed_sends"], 0);
  EXPECT_EQ(r["lost"], 0);
  EXPECT_EQ(r["duplicated"], 0);
  EXPECT_EQ(r["stream_failures"], 0);
  ASSERT_EQ(r["rss_growth"].size(), servers.size());
  for (const auto& g : r["rss_growth"]) {
    bool grew = g["pct"].get<double>() > 5.0 &&
                g["end_kb"].get<uint64_t>() > g["warm_kb"].get<uint64_t>() + 4096;
    EXPECT_FALSE(grew) << g.dump();
  }
  for (auto* server : servers) EXPECT_TRUE(server->Running()) << server->name();
}

}  // namespace
}  // namespace natter
