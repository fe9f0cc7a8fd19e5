// What the main() of every Natter server does alike: the standard flags; then logging, service
// credentials, /metrics and the MySQL/Redis settings. The internal services (natter-auth,
// natter-presence, natter-chat) also serve through it and drain on SIGTERM; natter-gateway serves
// its clients through a listening socket of its own (connection_gate.h) and drains them itself.
// Each main() keeps its own flags and wiring and lists its components between Setup() and Start();
// flags are still read only in main().
#pragma once

#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/grpc_server.h"

namespace natter {

class ServiceMain {
 public:
  struct Stores {
    bool mysql = false;  // adds --mysql-url
    bool redis = false;  // adds --redis-url
  };
  // Who calls the server: the other services (it gets --max-connection-age-seconds, so callers
  // dial again and find new replicas) or the clients (the gateway, which bounds their connections
  // with its own flags).
  enum class Callers { kServices, kClients };

  // Blocks the shutdown signals in this thread and every thread started after (so construct it
  // first in main()), and adds the ServerFlags (--listen defaulting to `default_listen`),
  // --max-connection-age-seconds and the stores' URL flags to `app`. `component` names the logger
  // ("chat"); the server is "natter-<component>".
  ServiceMain(CLI::App& app, std::string component, const std::string& default_listen,
              Stores stores, Callers callers = Callers::kServices);

  // Once the flags are parsed: logging, the service credentials, /metrics (--metrics-listen) and
  // the stores' settings. On failure it logs why and returns the exit code for main(): 2 for bad
  // settings, 1 for a metrics port that cannot be bound.
  std::optional<int> Setup();

  const ServerFlags& flags() const { return flags_; }
  const ServiceCredentials& credentials() const { return credentials_; }
  const MysqlConfig& mysql() const;  // only with Stores::mysql, after Setup
  const RedisConfig& redis() const;  // only with Stores::redis, after Setup

  // A channel to another internal service, with this process's credentials and TLS server name.
  std::shared_ptr<grpc::Channel> ChannelTo(const std::string& target) const;

  // Serves `services` on --listen (and grpc.health.v1 on --health-listen), closing each caller's
  // connection after --max-connection-age-seconds. On failure it logs why and returns the exit code
  // for main(), 1. The services must live until WaitAndDrain() returns.
  std::optional<int> Start(const std::vector<grpc::Service*>& services);

  // Waits for SIGTERM or SIGINT, runs `before_drain` (e.g. stops a background thread) and drains
  // for --drain-seconds. Returns the exit code for main(), 0.
  int WaitAndDrain(const std::function<void()>& before_drain = {});

 private:
  std::string component_;
  Stores stores_;
  ServerFlags flags_;
  int max_connection_age_seconds_ = 30;
  std::string mysql_url_, redis_url_;
  ServiceCredentials credentials_;
  std::optional<MysqlConfig> mysql_;
  std::optional<RedisConfig> redis_;
  std::unique_ptr<GrpcServer> server_;
};

}  // namespace natter
