// Configuration shared by every binary: flags with environment fallbacks, parsed only in main() and
// passed on as plain structs.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace natter {

// One MariaDB server: HOST (a name, an IPv4 address or an IPv6 address without brackets) and PORT.
struct MysqlNode {
  std::string host;
  int port = 3306;
  // "HOST:PORT" ("[HOST]:PORT" for IPv6), for logs and errors.
  std::string ToString() const;
  bool operator==(const MysqlNode&) const = default;
};

// mysql://USER[:PASSWORD]@HOST[:PORT][,HOST[:PORT]...]/DATABASE
// One node is a single server; several are the nodes of one MariaDB Galera cluster, in order of
// preference: MysqlPool writes through one of them at a time (see mysql_pool.h).
struct MysqlConfig {
  std::vector<MysqlNode> nodes;  // at least one, no node twice
  std::string user;
  std::string password;
  std::string database;
};
// An InvalidArgument error names the part that is wrong; it never contains the password.
absl::StatusOr<MysqlConfig> ParseMysqlUrl(std::string_view url);

// redis://[:PASSWORD@]HOST[:PORT][/DB] — one server; or
// redis+sentinel://[:PASSWORD@]HOST[:PORT],HOST[:PORT],.../MASTER[/DB] — the master that Redis
// Sentinel names MASTER, asked of the sentinels listed (port 26379 unless given); PASSWORD is the
// data servers' (the sentinels are asked without one); or
// redis+cluster://[:PASSWORD@]HOST[:PORT],HOST[:PORT],... — a Redis Cluster, whose slot map is
// learned from any of the nodes listed (more are found from it); database 0 only.
struct RedisConfig {
  std::string host;  // one server; with Sentinel, empty until a master is found (RedisMaster)
  int port = 6379;
  std::string password;
  int db = 0;
  struct Endpoint {
    std::string host;
    int port = 26379;
    bool operator==(const Endpoint&) const = default;
  };
  std::vector<Endpoint> sentinels;  // with Sentinel
  std::string master_name;          // with Sentinel
  bool sentinel() const { return !sentinels.empty(); }
  std::vector<Endpoint> cluster_nodes;  // with Redis Cluster: where to learn the slot map first
  bool cluster() const { return !cluster_nodes.empty(); }
};
absl::StatusOr<RedisConfig> ParseRedisUrl(std::string_view url);

// Mutual TLS between Natter's services (PEM files): each internal service serves with its
// certificate and accepts only callers with a certificate signed by the CA; every service channel
// presents its certificate and checks the server's. All three or none.
struct ServiceTls {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  // The name every service's certificate is checked against; empty: the host the channel dials
  // (set it when a target lists addresses, e.g. ipv4:10.0.0.1:50053,10.0.0.2:50053).
  std::string server_name;
  // Production: refuse to serve internal calls in plaintext.
  bool required = false;
  // How often the certificate, key and CA files are read again (cert-manager renews them in
  // place); a change is used for new connections without a restart.
  int reload_seconds = 60;
  bool enabled() const { return !ca_file.empty(); }
};

// Flags every server has.
struct ServerFlags {
  std::string listen;
  // HOST:PORT of a plaintext server with only grpc.health.v1, for probes that cannot speak TLS
  // (the kubelet's); empty: none.
  std::string health_listen;
  ServiceTls service_tls;
  std::string log_level = "info";
  std::string log_format = "text";
  int drain_seconds = 10;
  std::string metrics_listen;  // HOST:PORT for Prometheus (/metrics); empty: none
};
void AddServerFlags(CLI::App& app, ServerFlags& flags, const std::string& default_listen);

// Adds --max-connection-age-seconds (NATTER_MAX_CONNECTION_AGE_SECONDS) for internal services: how
// long a caller's connection lives before it must dial (and resolve the service) again.
void AddConnectionAgeFlag(CLI::App& app, int& seconds);

// Adds --mysql-url (NATTER_MYSQL_URL) and --redis-url (NATTER_REDIS_URL) as needed.
void AddMysqlFlag(CLI::App& app, std::string& url);
void AddRedisFlag(CLI::App& app, std::string& url);

}  // namespace natter
