// A Redis Cluster from Debian's redis-server on 127.0.0.1 with free ports: three masters with one
// replica each, without persistence, with a short node timeout (2 s) so failovers are quick.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "harness/harness.h"

namespace natter::testing {

class RedisClusterGroup {
 public:
  explicit RedisClusterGroup(const fs::path& dir);
  ~RedisClusterGroup();

  // redis+cluster://127.0.0.1:P1,127.0.0.1:P2,...
  std::string url() const;
  size_t size() const { return ports_.size(); }
  int port(size_t i) const { return ports_.at(i); }
  Process& node(size_t i) { return *nodes_.at(i); }

  // redis-cli against node i; its output.
  std::string Cli(size_t i, const std::vector<std::string>& args) const;
  // The node serving `slot` as master now (asking a node that answers).
  size_t MasterOf(int slot) const;
  // Node i's cluster id.
  std::string Id(size_t i) const;
  // Waits until every live node says cluster_state:ok and agrees who serves `slot`.
  void WaitUntilHealthy(int slot = 0) const;
  // Kills node i (SIGKILL) and waits until a replica has taken over its slots.
  void KillMaster(size_t i);

 private:
  fs::path dir_;
  std::vector<int> ports_;
  std::vector<std::unique_ptr<Process>> nodes_;
  std::vector<bool> alive_;
};

}  // namespace natter::testing
