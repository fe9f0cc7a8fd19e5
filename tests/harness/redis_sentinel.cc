#include "harness/redis_sentinel.h"

#include <fstream>
#include <stdexcept>

namespace natter::testing {
namespace {

std::string Cli(int port, const std::vector<std::string>& args, const fs::path& dir) {
  std::vector<std::string> argv = {"/usr/bin/redis-cli", "-p", std::to_string(port)};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, dir, {}, "", 5s).out;
}

}  // namespace

RedisSentinelGroup::RedisSentinelGroup(const fs::path& dir) : dir_(dir) {
  fs::create_directories(dir_);
  for (int i = 0; i < 3; ++i) server_ports_.push_back(FreePort());
  for (int i = 0; i < 3; ++i) sentinel_ports_.push_back(FreePort());
  for (size_t i = 0; i < server_ports_.size(); ++i) {
    const fs::path data = dir_ / ("redis-" + std::to_string(i + 1));
    fs::create_directories(data);
    std::vector<std::string> argv = {"/usr/bin/redis-server", "--port",
                                     std::to_string(server_ports_[i]), "--bind", "127.0.0.1",
                                     "--save", "", "--appendonly", "no", "--dir", data.string()};
    if (i > 0) {
      argv.insert(argv.end(), {"--replicaof", "127.0.0.1", std::to_string(server_ports_[0])});
    }
    servers_.push_back(std::make_unique<Process>("redis-" + std::to_string(i + 1), argv, data));
  }
  // Both replicas have synced before the sentinels start watching.
  bool synced = WaitFor(
      [&] {
        return Cli(server_ports_[0], {"INFO", "replication"}, dir_).find("connected_slaves:2") !=
               std::string::npos;
      },
      30s);
  if (!synced) throw std::runtime_error("Redis replicas did not sync with their master");
  for (size_t i = 0; i < sentinel_ports_.size(); ++i) {
    const fs::path data = dir_ / ("sentinel-" + std::to_string(i + 1));
    fs::create_directories(data);
    const fs::path conf = data / "sentinel.conf";  // a sentinel rewrites its own configuration
    std::ofstream(conf) << "port " << sentinel_ports_[i] << "\n"
                        << "bind 127.0.0.1\n"
                        << "dir " << data.string() << "\n"
                        << "sentinel monitor " << kMasterName << " 127.0.0.1 " << server_ports_[0]
                        << " 2\n"
                        << "sentinel down-after-milliseconds " << kMasterName << " 1000\n"
                        << "sentinel failover-timeout " << kMasterName << " 10000\n"
                        << "sentinel parallel-syncs " << kMasterName << " 2\n";
    sentinels_.push_back(std::make_unique<Process>(
        "sentinel-" + std::to_string(i + 1),
        std::vector<std::string>{"/usr/bin/redis-sentinel", conf.string()}, data));
  }
  // Each sentinel has found the other two and both replicas (through hello messages and INFO,
  // every few seconds): only then can they agree on a failover.
  bool ready = WaitFor(
      [&] {
        for (int port : sentinel_ports_) {
          std::string master = Cli(port, {"SENTINEL", "master", kMasterName}, dir_);
          if (master.find("num-other-sentinels\n2") == std::string::npos ||
              master.find("num-slaves\n2") == std::string::npos) {
            return false;
          }
        }
        return true;
      },
      30s);
  if (!ready) {
    throw std::runtime_error("the sentinels did not find each other:\n" +
                             Cli(sentinel_ports_[0], {"SENTINEL", "master", kMasterName}, dir_));
  }
}

RedisSentinelGroup::~RedisSentinelGroup() {
  sentinels_.clear();
  servers_.clear();
}

std::string RedisSentinelGroup::url() const {
  std::string url = "redis+sentinel://";
  for (size_t i = 0; i < sentinel_ports_.size(); ++i) {
    if (i > 0) url += ",";
    url += "127.0.0.1:" + std::to_string(sentinel_ports_[i]);
  }
  return url + "/" + kMasterName;
}

int RedisSentinelGroup::master_port() const {
  for (int port : sentinel_ports_) {
    std::string out = Cli(port, {"SENTINEL", "get-master-addr-by-name", kMasterName}, dir_);
    size_t newline = out.find('\n');
    if (newline != std::string::npos && newline + 1 < out.size()) {
      return std::stoi(out.substr(newline + 1));
    }
  }
  return 0;
}

size_t RedisSentinelGroup::server_of_port(int port) const {
  for (size_t i = 0; i < server_ports_.size(); ++i) {
    if (server_ports_[i] == port) return i;
  }
  throw std::out_of_range("no Redis server on port " + std::to_string(port));
}

std::string RedisSentinelGroup::RoleOf(int port) const {
  std::string out = Cli(port, {"ROLE"}, dir_);
  return out.substr(0, out.find('\n'));
}

int RedisSentinelGroup::WaitForNewMaster(int old_port) {
  int now = 0;
  bool moved = WaitFor(
      [&] {
        now = master_port();
        return now != 0 && now != old_port && RoleOf(now) == "master";
      },
      60s);
  if (!moved) throw std::runtime_error("Sentinel did not promote a new master");
  return now;
}

int RedisSentinelGroup::Failover() {
  int old_port = master_port();
  std::string answer = Cli(sentinel_ports_[0], {"SENTINEL", "FAILOVER", kMasterName}, dir_);
  if (answer.find("OK") == std::string::npos) {
    throw std::runtime_error("SENTINEL FAILOVER refused: " + answer);
  }
  return WaitForNewMaster(old_port);
}

}  // namespace natter::testing
