// What every natterctl command shares: global options, local state (tokens in $NATTER_HOME),
// password input, errors and JSON output.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "natter/v1/gateway.grpc.pb.h"

namespace natter::ctl {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

inline constexpr auto kCallTimeout = std::chrono::seconds(10);

// An error to report on stderr ("natterctl: <message>") and exit with.
struct CtlError {
  std::string message;
  int exit_code = 1;
};

struct Globals {
  std::string gateway;
  std::string as_user;
  std::string home;
};

std::vector<std::string> SplitGateways(const std::string& list);
// TLS for every channel: verified against the system's CAs, or against `ca_file` when given.
void UseTls(bool tls, const std::string& ca_file);
std::shared_ptr<grpc::Channel> Channel(const std::string& address);
// A failed call as the user should read it.
CtlError FromStatus(const grpc::Status& status, const std::string& gateway);

// $NATTER_HOME, else $XDG_CONFIG_HOME/natter, else ~/.config/natter.
std::string DefaultHome();
// Writes `content` to `path` with mode 0600 (its folder 0700).
void WritePrivateFile(const fs::path& path, const std::string& content);
// The first line of a file, if it exists.
std::optional<std::string> ReadFile(const fs::path& path);
// Every line of a file (none if it does not exist).
std::vector<std::string> ReadLines(const fs::path& path);
bool SafeUserFileName(const std::string& user);
fs::path TokenPath(const Globals& g, const std::string& user);
// --as USER, else the last user who logged in.
std::string CurrentUser(const Globals& g);
std::string TokenFor(const Globals& g, const std::string& user);
// Forgets USER's token (and USER as the default user).
void ForgetSession(const Globals& g, const std::string& user);

// One line from stdin when it is not a terminal, else a prompt without echo.
std::string ReadPassword(const std::string& prompt);
std::string RandomId();
// Refuses text that is not valid UTF-8 (it cannot travel in a protobuf string field).
void RequireUtf8(const std::string& value, const std::string& what);
void PrintJson(const nlohmann::json& j);

// A stub for the first gateway given.
std::unique_ptr<natter::v1::Gateway::Stub> GatewayStub(const Globals& g);
// Throws the call's error as the user should read it.
void CheckStatus(const grpc::Status& status, const Globals& g);

// A client context for a unary call as the current user (bearer token, deadline).
std::unique_ptr<grpc::ClientContext> AuthedContext(const Globals& g);

}  // namespace natter::ctl
