#include "ctl_common.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <utf8proc.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

namespace natter::ctl {

std::vector<std::string> SplitGateways(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  if (out.empty()) throw CtlError{"no gateway address given", 2};
  return out;
}

namespace {
std::shared_ptr<grpc::ChannelCredentials>& Credentials() {
  static std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  return credentials;
}
bool tls_in_use = false;
}  // namespace

void UseTls(bool tls, const std::string& ca_file) {
  if (!tls && ca_file.empty()) return;
  grpc::SslCredentialsOptions options;
  if (!ca_file.empty()) {
    std::ifstream in(ca_file);
    if (!in) throw CtlError{"cannot read the CA certificate " + ca_file};
    std::stringstream pem;
    pem << in.rdbuf();
    options.pem_root_certs = pem.str();
  }
  Credentials() = grpc::SslCredentials(options);
  tls_in_use = true;
}

std::shared_ptr<grpc::Channel> Channel(const std::string& address) {
  return grpc::CreateChannel(address, Credentials());
}

CtlError FromStatus(const grpc::Status& status, const std::string& gateway) {
  const std::string& message = status.error_message();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      (message.find("Socket closed") != std::string::npos ||
       message.find("Connection reset") != std::string::npos ||
       message.find("Ssl handshake") != std::string::npos ||
       message.find("SSL") != std::string::npos || message.find("ssl") != std::string::npos)) {
    return CtlError{tls_in_use
                        ? "no secure connection to the gateway at " + gateway +
                              " (does it serve TLS, with a certificate the CA given trusts?)"
                        : "the gateway at " + gateway +
                              " closed the connection; if it serves TLS, use --tls or --ca FILE"};
  }
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      message.find("failed to connect") != std::string::npos) {
    return CtlError{"cannot reach the gateway at " + gateway + " (is it running?)"};
  }
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return CtlError{"the gateway at " + gateway + " did not answer in time"};
  }
  return CtlError{status.error_message()};
}

// ---- local state: $NATTER_HOME/sessions/USER (token, mode 0600) and $NATTER_HOME/last_user ----

std::string DefaultHome() {
  if (const char* home = std::getenv("NATTER_HOME"); home && *home) return home;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
    return std::string(xdg) + "/natter";
  }
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.config/natter";
}

void WritePrivateFile(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  fs::permissions(path.parent_path(), fs::perms::owner_all, fs::perm_options::replace);
  // Written beside and renamed over: a reader (or a process killed mid-write) sees the old
  // content or the new, never half of it.
  fs::path temp = path;
  temp += ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw CtlError{"cannot write " + path.string() + ": " + std::strerror(errno)};
  ::fchmod(fd, 0600);
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    throw CtlError{"cannot write " + path.string()};
  }
}

std::vector<std::string> ReadLines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::optional<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string content;
  std::getline(in, content);
  return content;
}

bool SafeUserFileName(const std::string& user) {
  return !user.empty() && user.size() <= 128 && user.find('/') == std::string::npos &&
         user != "." && user != "..";
}

fs::path TokenPath(const Globals& g, const std::string& user) {
  if (!SafeUserFileName(user)) throw CtlError{"\"" + user + "\" is not a valid username", 2};
  return fs::path(g.home) / "sessions" / user;
}

std::string CurrentUser(const Globals& g) {
  if (!g.as_user.empty()) return g.as_user;
  if (auto last = ReadFile(fs::path(g.home) / "last_user"); last && !last->empty()) return *last;
  throw CtlError{"not logged in: run 'natterctl login USER' first (or pass --as USER)"};
}

std::string TokenFor(const Globals& g, const std::string& user) {
  auto token = ReadFile(TokenPath(g, user));
  if (!token || token->empty()) {
    throw CtlError{"no session for \"" + user + "\": run 'natterctl login " + user + "' first"};
  }
  return *token;
}

// ---- passwords: one line from stdin when it is not a terminal, else a prompt without echo ----

std::string ReadPassword(const std::string& prompt) {
  std::string password;
  if (!::isatty(STDIN_FILENO)) {
    if (!std::getline(std::cin, password)) throw CtlError{"no password on standard input"};
    if (!password.empty() && password.back() == '\r') password.pop_back();
    RequireUtf8(password, "password");
    return password;
  }
  std::cerr << prompt << std::flush;
  termios old_mode{};
  tcgetattr(STDIN_FILENO, &old_mode);
  termios quiet = old_mode;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::getline(std::cin, password);
  tcsetattr(STDIN_FILENO, TCSANOW, &old_mode);
  std::cerr << "\n";
  RequireUtf8(password, "password");
  return password;
}

std::string RandomId() {
  std::random_device rd;
  std::uniform_int_distribution<uint64_t> dist;
  return fmt::format("ctl-{:016x}{:016x}", dist(rd), dist(rd));
}

void PrintJson(const nlohmann::json& j) { std::cout << j.dump() << std::endl; }

void RequireUtf8(const std::string& value, const std::string& what) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(value.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(value.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) throw CtlError{what + " is not valid UTF-8", 2};
    p += n;
    left -= n;
  }
}

void ForgetSession(const Globals& g, const std::string& user) {
  std::error_code ignored;
  fs::remove(TokenPath(g, user), ignored);
  if (ReadFile(fs::path(g.home) / "last_user") == user) {
    fs::remove(fs::path(g.home) / "last_user", ignored);
  }
}

std::unique_ptr<natter::v1::Gateway::Stub> GatewayStub(const Globals& g) {
  return natter::v1::Gateway::NewStub(Channel(SplitGateways(g.gateway).front()));
}

void CheckStatus(const grpc::Status& status, const Globals& g) {
  if (!status.ok()) throw FromStatus(status, g.gateway);
}

std::unique_ptr<grpc::ClientContext> AuthedContext(const Globals& g) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", "Bearer " + TokenFor(g, CurrentUser(g)));
  context->set_deadline(Clock::now() + kCallTimeout);
  return context;
}

}  // namespace natter::ctl
