// The parts of the Redis Cluster client that need no server: key slots, routing keys, redirects.
#include "common/redis_cluster.h"

#include <gtest/gtest.h>

namespace natter {
namespace {

TEST(RedisKeySlotTest, MatchesTheClusterSpecification) {
  // CRC16/XMODEM("123456789") is 0x31C3 (the specification's check value).
  EXPECT_EQ(RedisKeySlot("123456789"), 0x31C3 % kRedisClusterSlots);
  // Values Redis itself gives (CLUSTER KEYSLOT).
  EXPECT_EQ(RedisKeySlot("foo"), 12182);
  EXPECT_EQ(RedisKeySlot("bar"), 5061);
  EXPECT_EQ(RedisKeySlot(""), 0);
}

TEST(RedisKeySlotTest, AHashTagDecidesTheSlot) {
  EXPECT_EQ(RedisKeySlot("{u:42}:streams"), RedisKeySlot("u:42"));
  EXPECT_EQ(RedisKeySlot("presence:{u:42}:setting"), RedisKeySlot("{u:42}:streams"));
  // Only the first {...}; an empty one is no tag, and neither is an unclosed one.
  EXPECT_EQ(RedisKeySlot("{a}{b}"), RedisKeySlot("a"));
  EXPECT_EQ(RedisKeySlot("{}x"), RedisKeySlot("{}x"));
  EXPECT_NE(RedisKeySlot("{}foo"), RedisKeySlot("foo"));
  EXPECT_EQ(RedisKeySlot("foo{"), RedisKeySlot("foo{"));
  EXPECT_NE(RedisKeySlot("foo{"), RedisKeySlot("foo"));
}

TEST(RedisRoutingKeyTest, TakesTheKeyOfEachKindOfCommand) {
  using Args = std::vector<std::string>;
  EXPECT_EQ(RedisRoutingKey(Args{"GET", "k"}), "k");
  EXPECT_EQ(RedisRoutingKey(Args{"hset", "h", "f", "v"}), "h");
  EXPECT_EQ(RedisRoutingKey(Args{"EVAL", "return 1", "2", "k1", "k2", "a"}), "k1");
  EXPECT_EQ(RedisRoutingKey(Args{"EVALSHA", "abc", "0", "a"}), std::nullopt);
  EXPECT_EQ(RedisRoutingKey(Args{"SPUBLISH", "room:7", "payload"}), "room:7");
  EXPECT_EQ(RedisRoutingKey(Args{"PING"}), std::nullopt);
  EXPECT_EQ(RedisRoutingKey(Args{"CLUSTER", "SLOTS"}), std::nullopt);
  EXPECT_EQ(RedisRoutingKey(Args{"role"}), std::nullopt);
}

TEST(RedisRedirectTest, ParsesMovedAndAsk) {
  auto moved = ParseRedisRedirect("MOVED 3999 127.0.0.1:6381");
  ASSERT_TRUE(moved);
  EXPECT_FALSE(moved->ask);
  EXPECT_EQ(moved->slot, 3999);
  EXPECT_EQ(moved->to.host, "127.0.0.1");
  EXPECT_EQ(moved->to.port, 6381);
  auto ask = ParseRedisRedirect("ASK 12 redis-2.natter:7000");
  ASSERT_TRUE(ask);
  EXPECT_TRUE(ask->ask);
  EXPECT_EQ(ask->to.host, "redis-2.natter");
  auto ipv6 = ParseRedisRedirect("MOVED 1 ::1:7001");
  ASSERT_TRUE(ipv6);
  EXPECT_EQ(ipv6->to.host, "::1");
  EXPECT_EQ(ipv6->to.port, 7001);
}

TEST(RedisRedirectTest, AnythingElseIsNoRedirect) {
  for (const char* error : {"ERR unknown command", "MOVED", "MOVED 99999 h:1", "MOVED x h:1",
                            "ASK 1 host", "MOVED 1 :7000", "TRYAGAIN Multiple keys request",
                            "CLUSTERDOWN The cluster is down"}) {
    EXPECT_FALSE(ParseRedisRedirect(error)) << error;
  }
}

}  // namespace
}  // namespace natter
