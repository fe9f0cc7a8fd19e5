#include "common/config.h"

#include <algorithm>
#include <charconv>

#include "absl/status/status.h"

namespace natter {
namespace {

absl::StatusOr<int> ParsePort(std::string_view text, std::string_view what) {
  int port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535) {
    return absl::InvalidArgumentError(std::string(what) + ": port \"" + std::string(text) +
                                      "\" is not a number from 1 to 65535");
  }
  return port;
}

// Splits "HOST[:PORT]" (HOST may be a bracketed IPv6 address).
absl::Status SplitHostPort(std::string_view hostport, std::string_view what, std::string& host,
                           int& port) {
  std::string_view port_text;
  if (!hostport.empty() && hostport.front() == '[') {
    auto close = hostport.find(']');
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(std::string(what) + ": unclosed '[' in host");
    }
    host = std::string(hostport.substr(1, close - 1));
    auto rest = hostport.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return absl::InvalidArgumentError(std::string(what) + ": expected ':' after ']'");
      }
      port_text = rest.substr(1);
      if (port_text.empty()) {
        return absl::InvalidArgumentError(std::string(what) + ": port is empty after ':'");
      }
    }
  } else {
    auto colon = hostport.rfind(':');
    host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = hostport.substr(colon + 1);
      if (port_text.empty()) {
        return absl::InvalidArgumentError(std::string(what) + ": port is empty after ':'");
      }
    }
  }
  if (host.empty()) return absl::InvalidArgumentError(std::string(what) + ": host is empty");
  if (!port_text.empty()) {
    auto parsed = ParsePort(port_text, what);
    if (!parsed.ok()) return parsed.status();
    port = *parsed;
  }
  return absl::OkStatus();
}

}  // namespace

std::string MysqlNode::ToString() const {
  std::string text = host.find(':') == std::string::npos ? host : "[" + host + "]";
  return text + ":" + std::to_string(port);
}

absl::StatusOr<MysqlConfig> ParseMysqlUrl(std::string_view url) {
  constexpr std::string_view kScheme = "mysql://";
  if (!url.starts_with(kScheme)) {
    return absl::InvalidArgumentError(
        "MySQL URL must look like mysql://USER:PASSWORD@HOST:PORT/DB (or "
        "mysql://USER:PASSWORD@HOST1:PORT,HOST2:PORT,HOST3:PORT/DB for a Galera cluster)");
  }
  url.remove_prefix(kScheme.size());
  MysqlConfig config;
  // The password may hold '@', ':', ',' and '/': the user part ends at the last '@'.
  auto at = url.rfind('@');
  if (at == std::string_view::npos) {
    return absl::InvalidArgumentError("MySQL URL has no user (mysql://USER:PASSWORD@HOST:PORT/DB)");
  }
  auto userinfo = url.substr(0, at);
  auto colon = userinfo.find(':');
  config.user = std::string(userinfo.substr(0, colon));
  if (colon != std::string_view::npos) config.password = std::string(userinfo.substr(colon + 1));
  if (config.user.empty()) return absl::InvalidArgumentError("MySQL URL: user is empty");
  auto rest = url.substr(at + 1);
  auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash + 1 == rest.size()) {
    return absl::InvalidArgumentError("MySQL URL has no database name (…@HOST:PORT/DB)");
  }
  config.database = std::string(rest.substr(slash + 1));
  std::string_view hosts = rest.substr(0, slash);
  const size_t count = static_cast<size_t>(std::count(hosts.begin(), hosts.end(), ',')) + 1;
  constexpr size_t kMaxNodes = 16;  // a Galera cluster has 3, 5 or 7
  if (count > kMaxNodes) {
    return absl::InvalidArgumentError("MySQL URL lists " + std::to_string(count) +
                                      " nodes; at most " + std::to_string(kMaxNodes));
  }
  for (size_t i = 0; i < count; ++i) {
    auto comma = hosts.find(',');
    std::string_view hostport = hosts.substr(0, comma);
    hosts.remove_prefix(comma == std::string_view::npos ? hosts.size() : comma + 1);
    // Errors about one node of several say which one.
    const std::string what =
        count == 1 ? std::string("MySQL URL")
                   : "MySQL URL, node " + std::to_string(i + 1) + " of " + std::to_string(count);
    MysqlNode node;
    if (auto status = SplitHostPort(hostport, what, node.host, node.port); !status.ok()) {
      return status;
    }
    if (std::find(config.nodes.begin(), config.nodes.end(), node) != config.nodes.end()) {
      return absl::InvalidArgumentError(what + ": " + node.ToString() + " is listed twice");
    }
    config.nodes.push_back(std::move(node));
  }
  return config;
}

absl::StatusOr<RedisConfig> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  constexpr std::string_view kSentinelScheme = "redis+sentinel://";
  constexpr std::string_view kClusterScheme = "redis+cluster://";
  constexpr std::string_view kWhat = "Redis URL";
  const bool sentinel = url.starts_with(kSentinelScheme);
  const bool cluster = url.starts_with(kClusterScheme);
  if (!sentinel && !cluster && !url.starts_with(kScheme)) {
    return absl::InvalidArgumentError(
        "Redis URL must look like redis://HOST:PORT[/DB], "
        "redis+sentinel://HOST:PORT,HOST:PORT,.../MASTER[/DB] or "
        "redis+cluster://HOST:PORT,HOST:PORT,...");
  }
  url.remove_prefix(sentinel  ? kSentinelScheme.size()
                    : cluster ? kClusterScheme.size()
                              : kScheme.size());
  RedisConfig config;
  if (auto at = url.rfind('@'); at != std::string_view::npos) {
    auto userinfo = url.substr(0, at);
    auto colon = userinfo.find(':');
    config.password =
        std::string(colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1));
    url.remove_prefix(at + 1);
  }
  auto slash = url.find('/');
  std::string_view path;
  if (slash != std::string_view::npos) {
    path = url.substr(slash + 1);
    url = url.substr(0, slash);
  }
  if (sentinel) {
    // The master's name, then an optional database.
    auto next = path.find('/');
    config.master_name = std::string(path.substr(0, next));
    path = next == std::string_view::npos ? std::string_view() : path.substr(next + 1);
    if (config.master_name.empty()) {
      return absl::InvalidArgumentError(
          "Redis URL: redis+sentinel:// needs the master's name after the sentinels "
          "(redis+sentinel://HOST:PORT,.../MASTER)");
    }
  }
  if (cluster && slash != std::string_view::npos) {
    return absl::InvalidArgumentError("Redis URL: a Redis Cluster has only database 0; drop the /" +
                                      std::string(path));
  }
  if (!path.empty() || (slash != std::string_view::npos && !sentinel)) {
    auto [end, ec] = std::from_chars(path.data(), path.data() + path.size(), config.db);
    if (ec != std::errc() || end != path.data() + path.size() || config.db < 0) {
      return absl::InvalidArgumentError("Redis URL: database \"" + std::string(path) +
                                        "\" is not a number");
    }
  }
  if (!sentinel && !cluster) {
    if (auto status = SplitHostPort(url, kWhat, config.host, config.port); !status.ok()) {
      return status;
    }
    return config;
  }
  while (true) {
    auto comma = url.find(',');
    RedisConfig::Endpoint endpoint;
    if (cluster) endpoint.port = 6379;
    if (auto status = SplitHostPort(url.substr(0, comma), kWhat, endpoint.host, endpoint.port);
        !status.ok()) {
      return status;
    }
    (cluster ? config.cluster_nodes : config.sentinels).push_back(std::move(endpoint));
    if (comma == std::string_view::npos) break;
    url.remove_prefix(comma + 1);
  }
  return config;
}

void AddServerFlags(CLI::App& app, ServerFlags& flags, const std::string& default_listen) {
  flags.listen = default_listen;
  app.add_option("--listen", flags.listen, "Address to serve gRPC on (HOST:PORT)")
      ->envname("NATTER_LISTEN")
      ->capture_default_str();
  app.add_option("--metrics-listen", flags.metrics_listen,
                 "Serve Prometheus metrics at http://HOST:PORT/metrics (default: none)")
      ->envname("NATTER_METRICS_LISTEN");
  app.add_option("--log-level", flags.log_level, "trace, debug, info, warn, error")
      ->envname("NATTER_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.add_option("--log-format", flags.log_format, "text or json (one JSON object per line)")
      ->envname("NATTER_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_option("--health-listen", flags.health_listen,
                 "Also serve grpc.health.v1 alone, in plaintext, on HOST:PORT (for probes that "
                 "cannot speak TLS)")
      ->envname("NATTER_HEALTH_LISTEN");
  auto* ca = app.add_option("--service-ca", flags.service_tls.ca_file,
                            "Mutual TLS between services: the CA (PEM) that signs every service's "
                            "certificate")
                 ->envname("NATTER_SERVICE_CA");
  auto* cert = app.add_option("--service-cert", flags.service_tls.cert_file,
                              "Mutual TLS between services: this service's certificate (PEM)")
                   ->envname("NATTER_SERVICE_CERT");
  auto* key = app.add_option("--service-key", flags.service_tls.key_file,
                             "Mutual TLS between services: this service's private key (PEM)")
                  ->envname("NATTER_SERVICE_KEY");
  auto* name = app.add_option("--service-server-name", flags.service_tls.server_name,
                              "Mutual TLS between services: check every service's certificate "
                              "against this name (default: the host each channel dials)")
                   ->envname("NATTER_SERVICE_SERVER_NAME");
  app.add_flag("--require-service-tls", flags.service_tls.required,
               "Refuse to start without mutual TLS between services (--service-ca ...): set it in "
               "production, where anyone who reaches a service's port could otherwise act as any "
               "user")
      ->envname("NATTER_REQUIRE_SERVICE_TLS");
  app.add_option("--tls-reload-seconds", flags.service_tls.reload_seconds,
                 "How often TLS certificate, key and CA files are read again, so renewed ones are "
                 "used without a restart (the gateway's --tls-cert too)")
      ->envname("NATTER_TLS_RELOAD_SECONDS")
      ->check(CLI::Range(1, 86'400))
      ->capture_default_str();
  name->needs(ca);
  ca->needs(cert)->needs(key);
  cert->needs(ca);
  key->needs(ca);
  app.add_option("--drain-seconds", flags.drain_seconds,
                 "On SIGTERM, how long to let in-flight calls finish")
      ->envname("NATTER_DRAIN_SECONDS")
      ->check(CLI::Range(0, 300))
      ->capture_default_str();
}

void AddConnectionAgeFlag(CLI::App& app, int& seconds) {
  app.add_option("--max-connection-age-seconds", seconds,
                 "Close each caller's connection after this long (GOAWAY; calls in flight "
                 "finish), so callers resolve this service again and new replicas get traffic")
      ->envname("NATTER_MAX_CONNECTION_AGE_SECONDS")
      ->check(CLI::Range(1, 86'400))
      ->capture_default_str();
}

void AddMysqlFlag(CLI::App& app, std::string& url) {
  app.add_option("--mysql-url", url,
                 "mysql://USER:PASSWORD@HOST:PORT/DB, or HOST1:PORT,HOST2:PORT,... for the nodes "
                 "of a MariaDB Galera cluster (writes go through the first healthy one)")
      ->envname("NATTER_MYSQL_URL")
      ->required();
}

void AddRedisFlag(CLI::App& app, std::string& url) {
  app.add_option("--redis-url", url, "redis://HOST:PORT[/DB]")
      ->envname("NATTER_REDIS_URL")
      ->required();
}

}  // namespace natter
