// Configuration from flags and the environment: the MySQL and Redis URLs. Bad ones are an error,
// never a crash; good ones have a host and a port in range.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string_view>

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
    if (redis->host.empty() || redis->port <= 0 || redis->port > 65535 || redis->db < 0) {
      std::abort();
    }
  }
  return 0;
}
