// ParseMysqlUrl and ParseRedisUrl: the URLs operators pass in --mysql-url / --redis-url.
#include "common/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace natter {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct MysqlCase {
  std::string name;
  std::string url;
  std::string host;
  int port;
  std::string user;
  std::string password;
  std::string database;
};

class ValidMysqlUrlTest : public ::testing::TestWithParam<MysqlCase> {};

TEST_P(ValidMysqlUrlTest, ParsesEveryPart) {
  const MysqlCase& c = GetParam();
  auto config = ParseMysqlUrl(c.url);
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->nodes.size(), 1u);
  EXPECT_EQ(config->nodes[0].host, c.host);
  EXPECT_EQ(config->nodes[0].port, c.port);
  EXPECT_EQ(config->user, c.user);
  EXPECT_EQ(config->password, c.password);
  EXPECT_EQ(config->database, c.database);
}

INSTANTIATE_TEST_SUITE_P(
    Urls, ValidMysqlUrlTest,
    ::testing::Values(
        MysqlCase{"Full", "mysql://natter:secret@db.example.com:3307/natter", "db.example.com",
                  3307, "natter", "secret", "natter"},
        MysqlCase{"DefaultPortNoPassword", "mysql://root@localhost/chat", "localhost", 3306, "root",
                  "", "chat"},
        MysqlCase{"EmptyPassword", "mysql://root:@127.0.0.1:3306/chat", "127.0.0.1", 3306, "root",
                  "", "chat"},
        MysqlCase{"PasswordWithColons", "mysql://app:pa:ss:word@db:3306/natter", "db", 3306, "app",
                  "pa:ss:word", "natter"},
        MysqlCase{"PasswordWithAt", "mysql://app:p@ss@db:3306/natter", "db", 3306, "app", "p@ss",
                  "natter"},
        MysqlCase{"PasswordWithSlash", "mysql://app:a/b@db/natter", "db", 3306, "app", "a/b",
                  "natter"},
        MysqlCase{"Ipv6WithPort", "mysql://app:pw@[::1]:3310/natter", "::1", 3310, "app", "pw",
                  "natter"},
        MysqlCase{"Ipv6WithoutPort", "mysql://app:pw@[2001:db8::7]/natter", "2001:db8::7", 3306,
                  "app", "pw", "natter"},
        MysqlCase{"LowestPort", "mysql://app@db:1/natter", "db", 1, "app", "", "natter"},
        MysqlCase{"HighestPort", "mysql://app@db:65535/natter", "db", 65535, "app", "", "natter"}),
    [](const ::testing::TestParamInfo<MysqlCase>& p) { return p.param.name; });

struct InvalidCase {
  std::string name;
  std::string url;
  std::string message_part;  // a fragment the error must contain, so the operator can fix the URL
};

class InvalidMysqlUrlTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidMysqlUrlTest, IsInvalidArgument) {
  const InvalidCase& c = GetParam();
  auto config = ParseMysqlUrl(c.url);
  ASSERT_FALSE(config.ok()) << c.url << " parsed as host " << config->nodes.at(0).host;
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr(c.message_part));
  // The operator may paste the error anywhere: it never holds the password.
  EXPECT_THAT(std::string(config.status().message()), Not(HasSubstr("s3cr3t")));
}

INSTANTIATE_TEST_SUITE_P(
    Urls, InvalidMysqlUrlTest,
    ::testing::Values(
        InvalidCase{"Empty", "", "mysql://USER:PASSWORD@HOST:PORT/DB"},
        InvalidCase{"WrongScheme", "postgres://app:pw@db/natter", "must look like"},
        InvalidCase{"SchemeCase", "MYSQL://app:pw@db/natter", "must look like"},
        InvalidCase{"NoUser", "mysql://db:3306/natter", "no user"},
        InvalidCase{"EmptyUser", "mysql://:pw@db:3306/natter", "user is empty"},
        InvalidCase{"NoDatabase", "mysql://app:pw@db:3306", "no database"},
        InvalidCase{"EmptyDatabase", "mysql://app:pw@db:3306/", "no database"},
        InvalidCase{"PortNotANumber", "mysql://app:pw@db:abc/natter", "port \"abc\""},
        InvalidCase{"PortTrailingGarbage", "mysql://app:pw@db:33o6/natter", "port \"33o6\""},
        InvalidCase{"PortZero", "mysql://app:pw@db:0/natter", "port \"0\""},
        InvalidCase{"PortTooLarge", "mysql://app:pw@db:65536/natter", "port \"65536\""},
        InvalidCase{"PortNegative", "mysql://app:pw@db:-1/natter", "port \"-1\""},
        InvalidCase{"EmptyHost", "mysql://app:pw@:3306/natter", "host is empty"},
        InvalidCase{"EmptyPort", "mysql://app:pw@db:/natter", "port is empty"},
        InvalidCase{"EmptyBracketedPort", "mysql://app:pw@[::1]:/natter", "port is empty"},
        InvalidCase{"EmptyBracketedHost", "mysql://app:pw@[]:3306/natter", "host is empty"},
        InvalidCase{"UnclosedBracket", "mysql://app:pw@[::1:3306/natter", "unclosed '['"},
        InvalidCase{"GarbageAfterBracket", "mysql://app:pw@[::1]3306/natter", "expected ':'"},
        InvalidCase{"Ipv6BadPort", "mysql://app:pw@[::1]:port/natter", "port \"port\""},
        // A list of Galera nodes: the error says which node is wrong.
        InvalidCase{"EmptyNodeInList", "mysql://app:s3cr3t@h1:3306,,h3:3306/natter",
                    "node 2 of 3: host is empty"},
        InvalidCase{"TrailingComma", "mysql://app:s3cr3t@h1:3306,h2:3306,/natter",
                    "node 3 of 3: host is empty"},
        InvalidCase{"LeadingComma", "mysql://app:s3cr3t@,h2/natter", "node 1 of 2: host is empty"},
        InvalidCase{"BadPortOfSecondNode", "mysql://app:s3cr3t@h1:3306,h2:33x6,h3/natter",
                    "node 2 of 3: port \"33x6\""},
        InvalidCase{"NodeListedTwice", "mysql://app:s3cr3t@h1:3306,h2,h1/natter",
                    "node 3 of 3: h1:3306 is listed twice"},
        InvalidCase{"NodeListedTwiceByDefaultPort", "mysql://app:s3cr3t@h1,h1:3306/natter",
                    "node 2 of 2: h1:3306 is listed twice"},
        InvalidCase{"UnclosedBracketInList", "mysql://app:s3cr3t@h1,[::1:3306/natter",
                    "node 2 of 2: unclosed '['"},
        InvalidCase{"TooManyNodes", "mysql://app:s3cr3t@a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q/natter",
                    "lists 17 nodes; at most 16"},
        InvalidCase{"PasswordNotEchoed", "mysql://app:s3cr3t@h1:0/natter", "port \"0\""}),
    [](const ::testing::TestParamInfo<InvalidCase>& p) { return p.param.name; });

TEST(GaleraMysqlUrlTest, ListsEveryNodeInOrder) {
  auto config =
      ParseMysqlUrl("mysql://natter:pa,ss@db-0.galera:3306,db-1.galera:3307,[::1]/natter");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->nodes.size(), 3u);
  EXPECT_EQ(config->nodes[0], (MysqlNode{"db-0.galera", 3306}));
  EXPECT_EQ(config->nodes[1], (MysqlNode{"db-1.galera", 3307}));
  EXPECT_EQ(config->nodes[2], (MysqlNode{"::1", 3306}));
  EXPECT_EQ(config->user, "natter");
  EXPECT_EQ(config->password, "pa,ss");  // a comma in the password is not a node separator
  EXPECT_EQ(config->database, "natter");
}

TEST(GaleraMysqlUrlTest, NodesPrintAsHostAndPort) {
  EXPECT_EQ((MysqlNode{"db-0", 3306}).ToString(), "db-0:3306");
  EXPECT_EQ((MysqlNode{"::1", 3307}).ToString(), "[::1]:3307");
}

struct RedisCase {
  std::string name;
  std::string url;
  std::string host;
  int port;
  std::string password;
  int db;
};

class ValidRedisUrlTest : public ::testing::TestWithParam<RedisCase> {};

TEST_P(ValidRedisUrlTest, ParsesEveryPart) {
  const RedisCase& c = GetParam();
  auto config = ParseRedisUrl(c.url);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->host, c.host);
  EXPECT_EQ(config->port, c.port);
  EXPECT_EQ(config->password, c.password);
  EXPECT_EQ(config->db, c.db);
}

INSTANTIATE_TEST_SUITE_P(
    Urls, ValidRedisUrlTest,
    ::testing::Values(
        RedisCase{"HostOnly", "redis://localhost", "localhost", 6379, "", 0},
        RedisCase{"PortAndDb", "redis://cache.internal:6380/2", "cache.internal", 6380, "", 2},
        RedisCase{"PasswordOnly", "redis://:secret@cache:6379/1", "cache", 6379, "secret", 1},
        RedisCase{"UserAndPassword", "redis://default:secret@cache", "cache", 6379, "secret", 0},
        RedisCase{"BarePassword", "redis://secret@cache", "cache", 6379, "secret", 0},
        RedisCase{"PasswordWithColons", "redis://:pa:ss@cache", "cache", 6379, "pa:ss", 0},
        RedisCase{"PasswordWithAt", "redis://:p@ss@cache:7000", "cache", 7000, "p@ss", 0},
        RedisCase{"PasswordWithSlash", "redis://:a/b@cache/3", "cache", 6379, "a/b", 3},
        RedisCase{"Ipv6WithPortAndDb", "redis://[::1]:6380/3", "::1", 6380, "", 3},
        RedisCase{"Ipv6WithoutPort", "redis://:pw@[fe80::1]", "fe80::1", 6379, "pw", 0}),
    [](const ::testing::TestParamInfo<RedisCase>& p) { return p.param.name; });

TEST(SentinelRedisUrlTest, ListsTheSentinelsAndNamesTheMaster) {
  auto config = ParseRedisUrl("redis+sentinel://:s3cret@s1:26380,[::1],s3/natter-master/2");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->sentinel());
  ASSERT_EQ(config->sentinels.size(), 3u);
  EXPECT_EQ(config->sentinels[0].host, "s1");
  EXPECT_EQ(config->sentinels[0].port, 26380);
  EXPECT_EQ(config->sentinels[1].host, "::1");
  EXPECT_EQ(config->sentinels[1].port, 26379);
  EXPECT_EQ(config->sentinels[2].host, "s3");
  EXPECT_EQ(config->master_name, "natter-master");
  EXPECT_EQ(config->password, "s3cret");
  EXPECT_EQ(config->db, 2);
  EXPECT_TRUE(config->host.empty());  // found through the sentinels

  auto plain = ParseRedisUrl("redis+sentinel://s1/mymaster");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->sentinels.size(), 1u);
  EXPECT_EQ(plain->db, 0);
  EXPECT_FALSE(ParseRedisUrl("redis://cache")->sentinel());
}

class InvalidRedisUrlTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidRedisUrlTest, IsInvalidArgument) {
  const InvalidCase& c = GetParam();
  auto config = ParseRedisUrl(c.url);
  ASSERT_FALSE(config.ok()) << c.url << " parsed as host " << config->host;
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr(c.message_part));
}

TEST(ClusterRedisUrlTest, ListsTheNodesToLearnTheSlotMapFrom) {
  auto config = ParseRedisUrl("redis+cluster://:pw@r1:7000,r2,[::1]:7002");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->cluster());
  EXPECT_FALSE(config->sentinel());
  ASSERT_EQ(config->cluster_nodes.size(), 3u);
  EXPECT_EQ(config->cluster_nodes[0].host, "r1");
  EXPECT_EQ(config->cluster_nodes[0].port, 7000);
  EXPECT_EQ(config->cluster_nodes[1].port, 6379);
  EXPECT_EQ(config->cluster_nodes[2].host, "::1");
  EXPECT_EQ(config->password, "pw");
  EXPECT_FALSE(ParseRedisUrl("redis://cache")->cluster());
}

INSTANTIATE_TEST_SUITE_P(
    ClusterUrls, InvalidRedisUrlTest,
    ::testing::Values(InvalidCase{"ClusterWithDb", "redis+cluster://r1:7000/1", "only database 0"},
                      InvalidCase{"ClusterEmptyNode", "redis+cluster://r1:7000,", "host is empty"},
                      InvalidCase{"ClusterBadPort", "redis+cluster://r1:x", "port \"x\""}),
    [](const ::testing::TestParamInfo<InvalidCase>& p) { return p.param.name; });

INSTANTIATE_TEST_SUITE_P(
    SentinelUrls, InvalidRedisUrlTest,
    ::testing::Values(
        InvalidCase{"NoMaster", "redis+sentinel://s1:26379", "needs the master's name"},
        InvalidCase{"EmptyMaster", "redis+sentinel://s1:26379/", "needs the master's name"},
        InvalidCase{"EmptySentinel", "redis+sentinel://s1,,s2/m", "host is empty"},
        InvalidCase{"BadSentinelPort", "redis+sentinel://s1:x/m", "port \"x\""},
        InvalidCase{"BadDb", "redis+sentinel://s1/m/x", "database \"x\""}),
    [](const ::testing::TestParamInfo<InvalidCase>& p) { return p.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Urls, InvalidRedisUrlTest,
    ::testing::Values(InvalidCase{"Empty", "", "redis://HOST:PORT"},
                      InvalidCase{"WrongScheme", "rediss://cache:6379", "must look like"},
                      InvalidCase{"NoHost", "redis://", "host is empty"},
                      InvalidCase{"EmptyPort", "redis://cache:", "port is empty"},
                      InvalidCase{"PasswordButNoHost", "redis://:pw@", "host is empty"},
                      InvalidCase{"DbNotANumber", "redis://cache/x", "database \"x\""},
                      InvalidCase{"DbEmpty", "redis://cache/", "database \"\""},
                      InvalidCase{"DbTrailingGarbage", "redis://cache/1x", "database \"1x\""},
                      InvalidCase{"DbNegative", "redis://cache/-1", "database \"-1\""},
                      InvalidCase{"PortNotANumber", "redis://cache:port", "port \"port\""},
                      InvalidCase{"PortTooLarge", "redis://cache:99999/0", "port \"99999\""},
                      InvalidCase{"UnclosedBracket", "redis://[::1:6379", "unclosed '['"},
                      InvalidCase{"GarbageAfterBracket", "redis://[::1]x", "expected ':'"}),
    [](const ::testing::TestParamInfo<InvalidCase>& p) { return p.param.name; });

}  // namespace
}  // namespace natter
