// The test harness: real MariaDB, Redis and Natter binaries on 127.0.0.1 with free ports, in a
// temporary folder that is removed afterwards. Readiness is polled with a deadline (health checks,
// pings), never waited for with sleeps.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace natter::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A port on 127.0.0.1 that was free a moment ago.
int FreePort();

// Polls `ready` every 50 ms until it returns true or `timeout` passes.
bool WaitFor(const std::function<bool()>& ready, std::chrono::milliseconds timeout);

// A fresh folder under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A child process with stdout and stderr in files. Terminated (SIGTERM, then SIGKILL) on
// destruction.
class Process {
 public:
  Process(std::string name, std::vector<std::string> argv, const fs::path& log_dir,
          const std::map<std::string, std::string>& env = {}, const std::string& stdin_text = "");
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }
  bool Running();
  void Signal(int sig);
  // Waits for exit; returns the exit code (128 + signal when killed), or nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  // SIGTERM, wait, SIGKILL.
  void Stop(std::chrono::milliseconds grace = 5s);
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  std::string name_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  fs::path out_path_;
  fs::path err_path_;
};

// Runs a command to completion.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
CommandResult Run(const std::vector<std::string>& argv, const fs::path& log_dir,
                  const std::map<std::string, std::string>& env = {},
                  const std::string& stdin_text = "", std::chrono::milliseconds timeout = 60s);

// MariaDB from Debian's package, with database `natter` and user `natter`.
class MariaDb {
 public:
  explicit MariaDb(const fs::path& dir);
  ~MariaDb();
  std::string url() const;
  int port() const { return port_; }
  // Runs SQL as the administrative user; returns the output.
  std::string Sql(const std::string& sql) const;
  void Stop();           // SIGTERM: a clean shutdown
  void Start();          // on the same port, with the same data
  void Signal(int sig);  // e.g. SIGSTOP / SIGCONT: unavailable without closing connections

 private:
  fs::path dir_;
  int port_ = 0;
  std::string password_;
  std::unique_ptr<Process> server_;
};

// A MariaDB Galera cluster (Debian's galera-4) of `size` nodes on 127.0.0.1, each with its own free
// ports (client, group communication, IST, SST) and data folder, with database `natter` and user
// `natter` as MariaDb makes them. mariadbd runs as the `mysql` user when the test runs as root (CI
// does): rsync's state transfer drops to a user that must be able to read the data folders.
// Failure detection is tuned for tests (a silent node is dropped from the cluster in about 3 s).
class GaleraCluster {
 public:
  explicit GaleraCluster(const fs::path& dir, size_t size = 3);
  ~GaleraCluster();
  GaleraCluster(const GaleraCluster&) = delete;
  GaleraCluster& operator=(const GaleraCluster&) = delete;

  size_t size() const { return nodes_.size(); }
  // mysql://natter:PW@127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3/natter: every node, node 0 first.
  std::string url() const;
  // The same for node i alone.
  std::string node_url(size_t i) const;
  int port(size_t i) const { return nodes_.at(i).port; }
  // "127.0.0.1:PORT" of node i, as MysqlNode::ToString() prints it.
  std::string address(size_t i) const { return "127.0.0.1:" + std::to_string(port(i)); }
  // Runs SQL on node i as the administrative user; returns the output.
  std::string Sql(size_t i, const std::string& sql) const;
  // A wsrep status variable of node i ("wsrep_cluster_size"); empty when it does not answer.
  std::string Status(size_t i, const std::string& name) const;

  void Kill(size_t i);             // SIGKILL, and wait until it is gone
  void Signal(size_t i, int sig);  // e.g. SIGSTOP / SIGCONT
  void Start(size_t i);            // (re)join the cluster; returns once node i is Synced
  bool Running(size_t i);
  // Waits until every running node is Synced in one primary component of them all.
  void WaitUntilFormed(std::chrono::milliseconds timeout = 60s);

  // How long the constructor took to have every node Synced.
  std::chrono::milliseconds start_time() const { return start_time_; }

 private:
  struct Node {
    fs::path dir;
    int port = 0;
    int gcomm_port = 0;
    int ist_port = 0;
    int sst_port = 0;
    std::unique_ptr<Process> server;
  };
  void Launch(size_t i, bool new_cluster);
  void WaitForNode(size_t i, std::chrono::milliseconds timeout);
  std::string ServerLog(size_t i) const;

  fs::path dir_;
  std::string password_;
  std::string run_as_;
  std::vector<Node> nodes_;
  std::chrono::milliseconds start_time_{0};
};

// Redis from Debian's package, without persistence.
class Redis {
 public:
  explicit Redis(const fs::path& dir);
  ~Redis();
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  void Stop();
  void Start();  // on the same port

 private:
  fs::path dir_;
  int port_ = 0;
  std::unique_ptr<Process> server_;
};

// A DNS server (dnsmasq from Debian) on 127.0.0.1 and a free port, answering only for the names
// given to Set(), with a TTL of one second. gRPC targets reach it as dns://127.0.0.1:PORT/NAME:P.
class DnsServer {
 public:
  explicit DnsServer(const fs::path& dir);
  ~DnsServer();
  int port() const { return port_; }
  // From now on (dnsmasq reloads at once on SIGHUP) `name` resolves to `addresses` (IPv4).
  void Set(const std::string& name, const std::vector<std::string>& addresses);

 private:
  fs::path dir_;
  int port_ = 0;
  std::map<std::string, std::vector<std::string>> names_;
  std::unique_ptr<Process> server_;
};

// Each non-empty, newline-terminated line of `text` parsed as JSON (natterctl's output; a last line
// without its newline is still being written and is left out).
std::vector<nlohmann::json> JsonLines(const std::string& text);

// True once the gRPC server at `address` reports SERVING (grpc.health.v1); over TLS trusting
// `ca_file` when given.
bool IsServing(const std::string& address, const std::string& ca_file = "");

// The body of an HTTP/1.0 GET of `path` from `address` (HOST:PORT); empty on failure.
std::string HttpGet(const std::string& address, const std::string& path);

// In a Prometheus text page (`metrics`, as HttpGet of /metrics gives it): the value of `series`
// written out whole (`name` or `name{label="value",...}`), or -1 when the page lacks it.
double MetricSample(const std::string& metrics, const std::string& series);
// The sum of every series of the family `name` (all its label sets); 0 when there is none.
double MetricFamilySum(const std::string& metrics, const std::string& name);

// Makes a CA (ca.pem) and a certificate for 127.0.0.1 and localhost signed by it (server.pem,
// server.key) in `dir`, with openssl.
void MakeTestCertificates(const fs::path& dir);

class RedisClusterGroup;
class RedisSentinelGroup;

// The database under a Stack: one MariaDB server, or a 3-node Galera cluster (every service lists
// the nodes in the same order and writes through the first healthy one).
enum class StackDatabase { kMariaDb, kGalera };
// Redis under a Stack: one server; a master with 2 replicas and 3 sentinels; or a Redis Cluster of
// 3 masters with a replica each.
enum class StackRedis { kSingle, kSentinel, kCluster };

// The whole platform: MariaDB, Redis, auth, presence, N chat replicas and M gateways.
struct StackOptions {
  int chat_replicas = 2;
  int presence_replicas = 1;
  int gateways = 2;
  int presence_ttl_seconds = 30;
  int heartbeat_seconds = 10;
  int gateway_max_queued_events = 0;  // 0: the gateway's default
  bool tls = false;                   // gateways serve TLS; natterctl trusts the test CA
  // Rate limits as in production (natter-chat's per-user message allowance, the gateway's
  // per-stream command allowance); false for load and fault tests that send flat out.
  bool rate_limits = true;
  // Mutual TLS between the services (a CA of their own in service-tls/), with plaintext health
  // ports for readiness.
  bool mtls = false;
  // More flags for every gateway, e.g. {"--stalled-write-seconds", "2"}.
  std::vector<std::string> gateway_args = {};
  // Every server's --drain-seconds: short, so that tests that replace processes stay quick.
  int drain_seconds = 2;
  // More flags for natter-auth, e.g. {"--register-burst", "3"}.
  std::vector<std::string> auth_args = {};
  // Chat replicas are found by name, as on Kubernetes (a headless Service): replica i serves on
  // 127.0.0.(i+2), all on one port, and a DnsServer lists them under kChatName; gateways and
  // presence dial dns://127.0.0.1:PORT/chat.natter.test:PORT. See AddChat and ListChatsInDns.
  bool chat_by_dns = false;
  // More flags for every chat replica.
  std::vector<std::string> chat_args = {};
  StackDatabase database = StackDatabase::kMariaDb;
  StackRedis redis = StackRedis::kSingle;
};

class Stack {
 public:
  explicit Stack(StackOptions options = {});
  ~Stack();

  const fs::path& dir() const { return tmp_.path(); }
  // The engines, as StackOptions chose them; asking for one the stack does not run is a bug in
  // the test (std::logic_error).
  MariaDb& mysql();
  Redis& redis();
  GaleraCluster& galera();
  RedisSentinelGroup& redis_sentinel();
  RedisClusterGroup& redis_cluster();
  // What the services are given as NATTER_MYSQL_URL and NATTER_REDIS_URL.
  std::string mysql_url() const;
  std::string redis_url() const;
  std::string auth_address() const { return Address(auth_port_); }
  // Presence replica i's address, and the target that gateways dial (all replicas).
  std::string presence_address(size_t i = 0) const { return Address(presence_ports_.at(i)); }
  std::string presence_target() const;
  size_t presence_count() const { return presence_ports_.size(); }
  std::string chat_target() const;
  std::string gateway_address(size_t i) const { return Address(gateway_ports_.at(i)); }
  size_t gateway_count() const { return gateway_ports_.size(); }
  // Where server `name` ("auth", "presence", "chat-1", "gateway-1", ...) serves /metrics.
  std::string metrics_address(const std::string& name) const {
    return Address(metrics_ports_.at(name));
  }
  // With StackOptions::tls: the CA the gateways' certificate is signed by.
  fs::path ca_file() const { return tmp_.path() / "tls" / "ca.pem"; }
  // With StackOptions::mtls: the services' CA, certificate and key, and where server `name` serves
  // its plaintext health port.
  fs::path service_tls_dir() const { return tmp_.path() / "service-tls"; }
  std::string health_address(const std::string& name) const {
    return Address(health_ports_.at(name));
  }
  Process& gateway(size_t i) { return *gateways_.at(i); }
  Process& chat(size_t i) { return *chats_.at(i); }
  Process& auth() { return *auth_; }
  Process& presence(size_t i = 0) { return *presences_.at(i); }

  // Starts (again) gateway i on its port, waiting until it serves.
  void StartGateway(size_t i);
  // Starts (again) chat replica i on its port, waiting until it serves.
  void StartChat(size_t i);
  size_t chat_count() const { return chats_.size(); }
  // With chat_by_dns: starts one more chat replica (the next address) and returns its index; it
  // serves but callers find it only once it is listed.
  size_t AddChat();
  // With chat_by_dns: the chat name resolves to these replicas from now on.
  void ListChatsInDns(const std::vector<size_t>& replicas);
  static constexpr const char* kChatName = "chat.natter.test";
  // Starts (again) presence replica i on its port, waiting until it serves.
  void StartPresence(size_t i = 0);

  // natterctl with this stack's gateway 0 and a private NATTER_HOME.
  CommandResult Ctl(const std::vector<std::string>& args, const std::string& stdin_text = "");
  std::unique_ptr<Process> CtlInBackground(const std::string& name,
                                           const std::vector<std::string>& args);
  std::vector<std::string> CtlArgv(const std::vector<std::string>& args) const;

 private:
  static std::string Address(int port) { return "127.0.0.1:" + std::to_string(port); }
  std::unique_ptr<Process> StartServer(const std::string& name, const std::string& binary,
                                       std::vector<std::string> args, int port,
                                       const std::string& ca_file = "",
                                       const std::string& host = "127.0.0.1");
  std::string ChatHost(size_t i) const;
  std::map<std::string, std::string> CtlEnv() const;

  StackOptions options_;
  TempDir tmp_;
  std::unique_ptr<MariaDb> mysql_;
  std::unique_ptr<GaleraCluster> galera_;
  std::unique_ptr<Redis> redis_;
  std::unique_ptr<RedisSentinelGroup> redis_sentinel_;
  std::unique_ptr<RedisClusterGroup> redis_cluster_;
  std::unique_ptr<DnsServer> dns_;
  int auth_port_ = 0;
  std::vector<int> presence_ports_;
  std::vector<int> chat_ports_;
  std::vector<int> gateway_ports_;
  std::map<std::string, int> metrics_ports_;
  std::map<std::string, int> health_ports_;
  std::unique_ptr<Process> auth_;
  std::vector<std::unique_ptr<Process>> presences_;
  std::vector<std::unique_ptr<Process>> chats_;
  std::vector<std::unique_ptr<Process>> gateways_;
};

}  // namespace natter::testing
