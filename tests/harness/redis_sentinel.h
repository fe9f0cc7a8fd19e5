// Redis under Sentinel, from Debian's packages, on 127.0.0.1 with free ports: one master, two
// replicas and three sentinels that watch them as master "natter", without persistence. A failover
// can be asked for (SENTINEL FAILOVER) or caused (kill the master).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "harness/harness.h"

namespace natter::testing {

class RedisSentinelGroup {
 public:
  static constexpr const char* kMasterName = "natter";

  explicit RedisSentinelGroup(const fs::path& dir);
  ~RedisSentinelGroup();

  // redis+sentinel://127.0.0.1:S1,127.0.0.1:S2,127.0.0.1:S3/natter
  std::string url() const;
  // The port of the server the sentinels name master now (asking the first that answers).
  int master_port() const;
  int sentinel_port(size_t i) const { return sentinel_ports_.at(i); }
  // Redis server i (0: the first master), and its port.
  Process& server(size_t i) { return *servers_.at(i); }
  int server_port(size_t i) const { return server_ports_.at(i); }
  size_t server_of_port(int port) const;

  // SENTINEL FAILOVER, then waits until the sentinels and the new master agree; returns its port.
  int Failover();
  // Waits until a master other than the one on `old_port` is named and says it is one; returns its
  // port.
  int WaitForNewMaster(int old_port);

 private:
  // ROLE of the server on `port`: "master", "slave", or "" when it does not answer.
  std::string RoleOf(int port) const;

  fs::path dir_;
  std::vector<int> server_ports_;
  std::vector<int> sentinel_ports_;
  std::vector<std::unique_ptr<Process>> servers_;
  std::vector<std::unique_ptr<Process>> sentinels_;
};

}  // namespace natter::testing
