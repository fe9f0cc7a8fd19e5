// ServiceMain (common/service_main.h): the flags every service has, and the exit codes main()
// returns when set-up or serving cannot go on.
#include "common/service_main.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace natter {
namespace {

// Parses `args` (after the program name) into `app`. Each test names its process differently:
// Setup() registers a logger by that name, once per process.
void Parse(CLI::App& app, std::vector<std::string> args) {
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  app.parse(args);
}

TEST(ServiceMainTest, AddsTheStandardFlagsAndOnlyTheStoresAsked) {
  CLI::App app;
  ServiceMain process(app, "test", "127.0.0.1:0", {.redis = true});
  EXPECT_NE(app.get_option_no_throw("--listen"), nullptr);
  EXPECT_NE(app.get_option_no_throw("--metrics-listen"), nullptr);
  EXPECT_NE(app.get_option_no_throw("--max-connection-age-seconds"), nullptr);
  EXPECT_NE(app.get_option_no_throw("--redis-url"), nullptr);
  EXPECT_EQ(app.get_option_no_throw("--mysql-url"), nullptr);
}

TEST(ServiceMainTest, AServerForClientsHasNoConnectionAgeFlag) {
  CLI::App app;
  ServiceMain process(app, "clients", "127.0.0.1:0", {.redis = true},
                      ServiceMain::Callers::kClients);
  EXPECT_NE(app.get_option_no_throw("--listen"), nullptr);
  EXPECT_NE(app.get_option_no_throw("--tls-reload-seconds"), nullptr);
  EXPECT_EQ(app.get_option_no_throw("--max-connection-age-seconds"), nullptr);
}

TEST(ServiceMainTest, SettingsThatDoNotParseExitWithTwo) {
  CLI::App app;
  ServiceMain process(app, "bad-settings", "127.0.0.1:0", {.mysql = true, .redis = true});
  Parse(app, {"--mysql-url", "mysql://natter:pw@127.0.0.1:1/natter", "--redis-url",
              "http://example.org"});
  EXPECT_EQ(process.Setup(), 2);
}

TEST(ServiceMainTest, RequiredServiceTlsWithoutCertificatesExitsWithTwo) {
  CLI::App app;
  ServiceMain process(app, "no-tls", "127.0.0.1:0", {});
  Parse(app, {"--require-service-tls"});
  EXPECT_EQ(process.Setup(), 2);
}

TEST(ServiceMainTest, StartsOnAFreePortAndExitsWithOneWhenTheListenPortIsTaken) {
  CLI::App first_app;
  ServiceMain first(first_app, "first", "127.0.0.1:0", {.redis = true});
  Parse(first_app, {"--redis-url", "redis://127.0.0.1:1"});
  ASSERT_EQ(first.Setup(), std::nullopt);
  EXPECT_EQ(first.redis().port, 1);
  ASSERT_EQ(first.Start({}), std::nullopt);

  // A second server on a port that is certainly taken: a socket of our own, listening.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  CLI::App second_app;
  ServiceMain second(second_app, "second", "127.0.0.1:0", {});
  Parse(second_app, {"--listen", "127.0.0.1:" + std::to_string(ntohs(address.sin_port))});
  ASSERT_EQ(second.Setup(), std::nullopt);
  EXPECT_EQ(second.Start({}), 1);
  close(fd);
}

}  // namespace
}  // namespace natter
