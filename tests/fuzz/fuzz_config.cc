// Configuration from flags and the environment: the MySQL and Redis URLs (all three Redis
// topologies). Bad ones are an error, never a crash; good ones have a host and a port in range.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "common/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto mysql = natter::ParseMysqlUrl(input); mysql.ok()) {
    if (mysql->nodes.empty()) std::abort();
    for (const auto& node : mysql->nodes) {
      if (node.host.empty() || node.port <= 0 || node.port > 65535) std::abort();
      // No node twice: the pool would count one server as two.
      if (std::count(mysql->nodes.begin(), mysql->nodes.end(), node) != 1) std::abort();
    }
  }
  if (auto redis = natter::ParseRedisUrl(input); redis.ok()) {
    // One topology: one server (host and port), or sentinels naming a master, or cluster nodes
    // (database 0 only); every server listed has a host and a port in range.
    if (redis->db < 0 || (redis->sentinel() && redis->cluster())) std::abort();
    std::vector<natter::RedisConfig::Endpoint> servers =
        redis->sentinel()  ? redis->sentinels
        : redis->cluster() ? redis->cluster_nodes
                           : std::vector{natter::RedisConfig::Endpoint{redis->host, redis->port}};
    if (redis->sentinel() && redis->master_name.empty()) std::abort();
    if (redis->cluster() && redis->db != 0) std::abort();
    for (const auto& server : servers) {
      if (server.host.empty() || server.port <= 0 || server.port > 65535) std::abort();
    }
  }
  return 0;
}
