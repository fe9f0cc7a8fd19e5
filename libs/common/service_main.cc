#include "common/service_main.h"

#include <spdlog/spdlog.h>

#include "common/check.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/status.h"

namespace natter {

ServiceMain::ServiceMain(CLI::App& app, std::string component, const std::string& default_listen,
                         Stores stores, Callers callers)
    : component_(std::move(component)), stores_(stores) {
  BlockShutdownSignals();
  AddServerFlags(app, flags_, default_listen);
  if (callers == Callers::kServices) AddConnectionAgeFlag(app, max_connection_age_seconds_);
  if (stores_.mysql) AddMysqlFlag(app, mysql_url_);
  if (stores_.redis) AddRedisFlag(app, redis_url_);
}

std::optional<int> ServiceMain::Setup() {
  InitLogging(component_, flags_.log_level, flags_.log_format);
  auto credentials = LoadServiceCredentials(flags_.service_tls);
  if (!credentials.ok()) {
    spdlog::critical("{}", credentials.status().message());
    return 2;
  }
  credentials_ = *std::move(credentials);
  if (!flags_.metrics_listen.empty()) {
    if (auto s = Metrics::Get().Serve(flags_.metrics_listen); !s.ok()) {
      spdlog::critical("{}", s.message());
      return 1;
    }
  }
  if (stores_.mysql) {
    auto config = ParseMysqlUrl(mysql_url_);
    if (!config.ok()) {
      spdlog::critical("{}", config.status().message());
      return 2;
    }
    mysql_ = *std::move(config);
  }
  if (stores_.redis) {
    auto config = ParseRedisUrl(redis_url_);
    if (!config.ok()) {
      spdlog::critical("{}", config.status().message());
      return 2;
    }
    redis_ = *std::move(config);
  }
  return std::nullopt;
}

const MysqlConfig& ServiceMain::mysql() const {
  NATTER_CHECK(mysql_.has_value(), "mysql() without Stores::mysql, or before Setup()");
  return *mysql_;
}

const RedisConfig& ServiceMain::redis() const {
  NATTER_CHECK(redis_.has_value(), "redis() without Stores::redis, or before Setup()");
  return *redis_;
}

std::shared_ptr<grpc::Channel> ServiceMain::ChannelTo(const std::string& target) const {
  return MakeServiceChannel(target, credentials_.channel, flags_.service_tls.server_name);
}

std::optional<int> ServiceMain::Start(const std::vector<grpc::Service*>& services) {
  server_ = std::make_unique<GrpcServer>("natter-" + component_);
  server_->CloseConnectionsAfter(std::chrono::seconds(max_connection_age_seconds_));
  for (grpc::Service* service : services) server_->AddService(service);
  if (auto s = server_->Start(flags_.listen, credentials_.server, flags_.health_listen); !s.ok()) {
    spdlog::critical("{}", s.message());
    server_.reset();
    return 1;
  }
  return std::nullopt;
}

int ServiceMain::WaitAndDrain(const std::function<void()>& before_drain) {
  NATTER_CHECK(server_ != nullptr, "WaitAndDrain() before Start()");
  spdlog::info("received {}, shutting down", WaitForShutdownSignal());
  if (before_drain) before_drain();
  server_->Drain(std::chrono::seconds(flags_.drain_seconds));
  server_.reset();  // before main()'s services, which it serves, are destroyed
  return 0;
}

}  // namespace natter
