#include "harness/redis_cluster.h"

#include <signal.h>

#include <stdexcept>

namespace natter::testing {
namespace {

// A free port that Redis accepts for a cluster node: 55535 or below (it refuses more, from when
// the bus port was always 10000 higher; the bus gets a free port of its own here).
int ClusterNodePort() {
  for (int tries = 0; tries < 1000; ++tries) {
    int port = FreePort();
    if (port <= 55535) return port;
  }
  throw std::runtime_error("no free port at or below 55535 for a Redis Cluster node");
}

}  // namespace

RedisClusterGroup::RedisClusterGroup(const fs::path& dir) : dir_(dir) {
  fs::create_directories(dir_);
  for (int i = 0; i < 6; ++i) ports_.push_back(ClusterNodePort());
  for (size_t i = 0; i < ports_.size(); ++i) {
    const fs::path data = dir_ / ("node-" + std::to_string(i + 1));
    fs::create_directories(data);
    nodes_.push_back(std::make_unique<Process>(
        "redis-cluster-" + std::to_string(i + 1),
        std::vector<std::string>{"/usr/bin/redis-server", "--port", std::to_string(ports_[i]),
                                 "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
                                 data.string(), "--cluster-enabled", "yes", "--cluster-config-file",
                                 (data / "nodes.conf").string(), "--cluster-node-timeout", "2000",
                                 "--cluster-port", std::to_string(FreePort())},
        data));
    alive_.push_back(true);
  }
  for (size_t i = 0; i < ports_.size(); ++i) {
    if (!WaitFor([&] { return Cli(i, {"PING"}).find("PONG") != std::string::npos; }, 10s)) {
      throw std::runtime_error("Redis Cluster node did not start:\n" + nodes_[i]->Stdout() +
                               nodes_[i]->Stderr());
    }
  }
  // The first three become masters, each of the others a replica of one of them.
  std::vector<std::string> create = {"/usr/bin/redis-cli", "--cluster", "create"};
  for (int port : ports_) create.push_back("127.0.0.1:" + std::to_string(port));
  create.insert(create.end(), {"--cluster-replicas", "1", "--cluster-yes"});
  auto made = Run(create, dir_, {}, "", 60s);
  if (made.exit_code != 0) {
    throw std::runtime_error("redis-cli --cluster create failed:\n" + made.out + made.err);
  }
  WaitUntilHealthy();
  // Every replica has synced with its master, so that a failover loses nothing written before.
  bool synced = WaitFor(
      [&] {
        int replicas = 0;
        for (size_t i = 0; i < ports_.size(); ++i) {
          std::string info = Cli(i, {"INFO", "replication"});
          if (info.find("role:slave") != std::string::npos) {
            if (info.find("master_link_status:up") == std::string::npos) return false;
            ++replicas;
          }
        }
        return replicas == 3;
      },
      30s);
  if (!synced) throw std::runtime_error("Redis Cluster replicas did not sync");
}

RedisClusterGroup::~RedisClusterGroup() { nodes_.clear(); }

std::string RedisClusterGroup::url() const {
  std::string url = "redis+cluster://";
  for (size_t i = 0; i < ports_.size(); ++i) {
    if (i > 0) url += ",";
    url += "127.0.0.1:" + std::to_string(ports_[i]);
  }
  return url;
}

std::string RedisClusterGroup::Cli(size_t i, const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"/usr/bin/redis-cli", "-p", std::to_string(ports_.at(i))};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, dir_, {}, "", 5s).out;
}

std::string RedisClusterGroup::Id(size_t i) const {
  std::string id = Cli(i, {"CLUSTER", "MYID"});
  return id.substr(0, id.find('\n'));
}

size_t RedisClusterGroup::MasterOf(int slot) const {
  for (size_t i = 0; i < ports_.size(); ++i) {
    if (!alive_[i]) continue;
    // CLUSTER SLOTS in redis-cli's raw output: start, end, master host, master port, id, ...
    std::string out = Cli(i, {"--raw", "CLUSTER", "SLOTS"});
    std::vector<std::string> lines;
    for (size_t at = 0; at < out.size();) {
      size_t end = out.find('\n', at);
      lines.push_back(out.substr(at, end - at));
      at = end == std::string::npos ? out.size() : end + 1;
    }
    for (size_t l = 0; l + 3 < lines.size(); ++l) {
      bool numbers = !lines[l].empty() && !lines[l + 1].empty() &&
                     lines[l].find_first_not_of("0123456789") == std::string::npos &&
                     lines[l + 1].find_first_not_of("0123456789") == std::string::npos &&
                     lines[l + 2] == "127.0.0.1";
      if (!numbers) continue;
      int first = std::stoi(lines[l]), last = std::stoi(lines[l + 1]);
      if (slot >= first && slot <= last) {
        int port = std::stoi(lines[l + 3]);
        for (size_t n = 0; n < ports_.size(); ++n) {
          if (ports_[n] == port) return n;
        }
      }
    }
  }
  throw std::runtime_error("no Redis Cluster node serves slot " + std::to_string(slot));
}

void RedisClusterGroup::WaitUntilHealthy(int slot) const {
  bool ok = WaitFor(
      [&] {
        std::string master_id;
        for (size_t i = 0; i < ports_.size(); ++i) {
          if (!alive_[i]) continue;
          if (Cli(i, {"CLUSTER", "INFO"}).find("cluster_state:ok") == std::string::npos) {
            return false;
          }
        }
        try {
          size_t master = MasterOf(slot);
          return Cli(master, {"ROLE"}).starts_with("master");
        } catch (const std::exception&) {
          return false;
        }
      },
      60s);
  if (!ok) throw std::runtime_error("Redis Cluster did not become healthy");
}

void RedisClusterGroup::KillMaster(size_t i) {
  // The slots it serves, to see them served by someone else afterwards.
  int slot = -1;
  for (int s = 0; s < 16384 && slot < 0; s += 128) {
    if (MasterOf(s) == i) slot = s;
  }
  nodes_.at(i)->Signal(SIGKILL);
  alive_.at(i) = false;
  bool moved = WaitFor(
      [&] {
        try {
          size_t now = MasterOf(slot);
          return now != i && Cli(now, {"ROLE"}).starts_with("master");
        } catch (const std::exception&) {
          return false;
        }
      },
      60s);
  if (!moved) throw std::runtime_error("no replica took over from the killed Redis master");
  WaitUntilHealthy(slot);
}

}  // namespace natter::testing
