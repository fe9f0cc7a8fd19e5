// natterctl: Natter's command-line client. Talks only to the gateway, like the desktop client.
// The command contract (arguments, output, exit codes) is in docs/PROTOCOL.md; keep them in step.
#include <fcntl.h>
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "grpc/health/v1/health.grpc.pb.h"
#include "natter/v1/gateway.grpc.pb.h"
#include "output.h"

namespace {

namespace fs = std::filesystem;
namespace v1 = natter::v1;
using Clock = std::chrono::system_clock;

constexpr auto kCallTimeout = std::chrono::seconds(10);
constexpr int kSendAttempts = 4;

// An error to report on stderr and exit with.
struct CtlError {
  std::string message;
  int exit_code = 1;
};

struct Globals {
  std::string gateway;
  std::string as_user;
  std::string home;
};

std::vector<std::string> SplitGateways(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  if (out.empty()) throw CtlError{"no gateway address given", 2};
  return out;
}

std::shared_ptr<grpc::Channel> Channel(const std::string& address) {
  return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
}

CtlError FromStatus(const grpc::Status& status, const std::string& gateway) {
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      status.error_message().find("failed to connect") != std::string::npos) {
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
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw CtlError{"cannot write " + path.string() + ": " + std::strerror(errno)};
  ::fchmod(fd, 0600);
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ::close(fd);
  if (!ok) throw CtlError{"cannot write " + path.string()};
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
  return password;
}

std::string RandomId() {
  std::random_device rd;
  std::uniform_int_distribution<uint64_t> dist;
  return fmt::format("ctl-{:016x}{:016x}", dist(rd), dist(rd));
}

void PrintJson(const nlohmann::json& j) { std::cout << j.dump() << std::endl; }

// ---- the stream ----

// One Connect stream: authenticated by the token, Welcome first, then events.
class StreamSession {
 public:
  StreamSession(const std::string& gateway, const std::string& token,
                std::optional<Clock::time_point> deadline)
      : gateway_(gateway), stub_(v1::Gateway::NewStub(Channel(gateway))) {
    context_.AddMetadata("authorization", "Bearer " + token);
    if (deadline) context_.set_deadline(*deadline);
    stream_ = stub_->Connect(&context_);
  }

  // Waits for Welcome; nullopt when the stream ended first (then Close() tells why).
  std::optional<v1::Welcome> AwaitWelcome() {
    v1::ServerEvent event;
    while (Next(event)) {
      if (event.has_welcome()) return event.welcome();
    }
    return std::nullopt;
  }

  bool Next(v1::ServerEvent& event) {
    while (pending_.empty()) {
      v1::ServerFrame frame;
      if (!stream_->Read(&frame)) return false;
      for (auto& e : *frame.mutable_events()) pending_.push_back(std::move(e));
    }
    event = std::move(pending_.front());
    pending_.erase(pending_.begin());
    return true;
  }

  bool Write(const v1::ClientFrame& frame) { return stream_->Write(frame); }

  uint64_t NextRequestId() { return ++request_id_; }

  grpc::Status Close() {
    if (closed_) return status_;
    closed_ = true;
    context_.TryCancel();
    v1::ServerFrame ignored;
    while (stream_->Read(&ignored)) {
    }
    status_ = stream_->Finish();
    return status_;
  }

  // Ends the stream and returns the server's status (for a stream that ended on its own).
  grpc::Status Finish() {
    if (closed_) return status_;
    closed_ = true;
    status_ = stream_->Finish();
    return status_;
  }

  const std::string& gateway() const { return gateway_; }

 private:
  std::string gateway_;
  std::unique_ptr<v1::Gateway::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::ClientFrame, v1::ServerFrame>> stream_;
  std::vector<v1::ServerEvent> pending_;
  uint64_t request_id_ = 0;
  bool closed_ = false;
  grpc::Status status_;
};

// ---- commands ----

int Register(const Globals& g, const std::string& user) {
  std::string password = ReadPassword("Password for new user " + user + ": ");
  auto stub = v1::Gateway::NewStub(Channel(SplitGateways(g.gateway).front()));
  grpc::ClientContext context;
  context.set_deadline(Clock::now() + kCallTimeout);
  v1::RegisterRequest request;
  request.set_username(user);
  request.set_password(password);
  v1::RegisterResponse response;
  grpc::Status status = stub->Register(&context, request, &response);
  if (!status.ok()) throw FromStatus(status, g.gateway);
  PrintJson({{"user_id", response.user_id()}, {"username", response.username()}});
  return 0;
}

int Login(const Globals& g, const std::string& user, std::string device) {
  if (!SafeUserFileName(user)) throw CtlError{"\"" + user + "\" is not a valid username", 2};
  std::string password = ReadPassword("Password for " + user + ": ");
  if (device.empty()) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    device = std::string("natterctl on ") + host;
  }
  auto stub = v1::Gateway::NewStub(Channel(SplitGateways(g.gateway).front()));
  grpc::ClientContext context;
  context.set_deadline(Clock::now() + kCallTimeout);
  v1::LoginRequest request;
  request.set_username(user);
  request.set_password(password);
  request.set_device(device);
  v1::LoginResponse response;
  grpc::Status status = stub->Login(&context, request, &response);
  if (!status.ok()) throw FromStatus(status, g.gateway);
  WritePrivateFile(TokenPath(g, user), response.token() + "\n");
  WritePrivateFile(fs::path(g.home) / "last_user", user + "\n");
  PrintJson({{"user_id", response.user_id()},
             {"username", response.username()},
             {"session_id", response.session_id()},
             {"expires_at", natter::ctl::Rfc3339(response.expires_at_ms())}});
  return 0;
}

int Send(const Globals& g, const std::string& room, uint64_t conversation_id,
         const std::string& text, std::string client_msg_id) {
  std::string user = CurrentUser(g);
  std::string token = TokenFor(g, user);
  if (client_msg_id.empty()) client_msg_id = RandomId();
  auto gateways = SplitGateways(g.gateway);
  CtlError last{"message not sent"};
  // Retried with the same client_msg_id: the server stores it once and returns the original ack.
  for (int attempt = 0; attempt < kSendAttempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
    const std::string& gateway = gateways[attempt % gateways.size()];
    StreamSession session(gateway, token, Clock::now() + kCallTimeout);
    if (!session.AwaitWelcome()) {
      grpc::Status status = session.Finish();
      last = FromStatus(status, gateway);
      if (status.error_code() == grpc::StatusCode::UNAVAILABLE) continue;
      throw last;
    }
    v1::ClientFrame frame;
    frame.set_request_id(session.NextRequestId());
    if (!room.empty())
      frame.mutable_send()->set_room(room);
    else
      frame.mutable_send()->set_conversation_id(conversation_id);
    frame.mutable_send()->set_client_msg_id(client_msg_id);
    frame.mutable_send()->set_text(text);
    session.Write(frame);
    v1::ServerEvent event;
    while (session.Next(event)) {
      if (!event.has_result() || event.result().request_id() != frame.request_id()) continue;
      const v1::CommandResult& result = event.result();
      session.Close();
      if (result.code() == 0) {
        PrintJson(natter::ctl::AckJson(result.ack()));
        return 0;
      }
      last = CtlError{result.error()};
      if (result.code() != grpc::StatusCode::UNAVAILABLE) throw last;
      break;
    }
    grpc::Status status = session.Close();
    if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
      last = FromStatus(status, gateway);
    }
  }
  throw last;
}

// Prints messages exactly once per (conversation, seq), in seq order, across gaps, resyncs and
// reconnects: a per-conversation cursor, and Sync from the cursor whenever something may be
// missing.
class Listener {
 public:
  Listener(const Globals& g, int count, std::optional<Clock::time_point> deadline)
      : globals_(g), count_(count), deadline_(deadline) {}

  int Run() {
    std::string user = CurrentUser(globals_);
    std::string token = TokenFor(globals_, user);
    auto gateways = SplitGateways(globals_.gateway);
    for (size_t attempt = 0;; ++attempt) {
      const std::string& gateway = gateways[attempt % gateways.size()];
      StreamSession session(gateway, token, deadline_);
      auto welcome = session.AwaitWelcome();
      if (welcome) {
        std::cerr << "natterctl: listening as " << welcome->username() << " on " << gateway
                  << std::endl;
        OnWelcome(session, *welcome);
        if (Done()) return 0;
        v1::ServerEvent event;
        while (session.Next(event)) {
          Handle(session, event);
          if (Done()) {
            session.Close();
            return 0;
          }
          if (event.has_go_away()) break;
        }
      }
      grpc::Status status = session.Close();
      if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED || Expired()) return 0;
      if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
          status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
          status.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
        throw FromStatus(status, gateway);
      }
      if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
        std::cerr << "natterctl: stream ended (" << status.error_message() << "); reconnecting"
                  << std::endl;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(attempt == 0 ? 100 : 500));
    }
  }

 private:
  bool Done() const { return count_ > 0 && printed_ >= count_; }
  bool Expired() const { return deadline_ && Clock::now() >= *deadline_; }

  void OnWelcome(StreamSession& session, const v1::Welcome& welcome) {
    for (const auto& c : welcome.conversations()) {
      names_[c.id()] = c.name();
      auto [it, fresh] = cursors_.try_emplace(c.id(), c.latest_seq());
      // First connection: start from now. Reconnection: fetch what arrived meanwhile.
      if (!fresh && c.latest_seq() > it->second) RequestSync(session, c.id());
    }
  }

  void Handle(StreamSession& session, const v1::ServerEvent& event) {
    if (event.has_message()) {
      const v1::ChatMessage& m = event.message();
      uint64_t& cursor = cursors_[m.conversation_id()];
      if (m.seq() <= cursor) return;  // already printed
      if (m.seq() == cursor + 1) {
        Print(m);
      } else {
        RequestSync(session, m.conversation_id());  // a gap: fetch it in order
      }
    } else if (event.has_result() && event.result().has_sync()) {
      auto it = syncing_.find(event.result().request_id());
      if (it == syncing_.end()) return;
      uint64_t conversation = it->second;
      syncing_.erase(it);
      const v1::SyncResponse& sync = event.result().sync();
      for (const auto& m : sync.messages()) {
        if (m.seq() == cursors_[conversation] + 1) Print(m);
        if (Done()) return;
      }
      if (sync.has_more()) RequestSync(session, conversation);
    } else if (event.has_result() && event.result().code() != 0) {
      std::cerr << "natterctl: " << event.result().error() << std::endl;
    } else if (event.has_resync()) {
      for (const auto& [conversation, _] : cursors_) RequestSync(session, conversation);
    }
  }

  void RequestSync(StreamSession& session, uint64_t conversation) {
    for (const auto& [_, c] : syncing_) {
      if (c == conversation) return;  // one at a time per conversation
    }
    v1::ClientFrame frame;
    frame.set_request_id(session.NextRequestId());
    frame.mutable_sync()->set_conversation_id(conversation);
    frame.mutable_sync()->set_after_seq(cursors_[conversation]);
    frame.mutable_sync()->set_limit(500);
    syncing_[frame.request_id()] = conversation;
    session.Write(frame);
  }

  void Print(const v1::ChatMessage& m) {
    cursors_[m.conversation_id()] = m.seq();
    PrintJson(natter::ctl::MessageJson(m));
    ++printed_;
  }

  const Globals& globals_;
  const int count_;
  const std::optional<Clock::time_point> deadline_;
  int printed_ = 0;
  std::map<uint64_t, uint64_t> cursors_;
  std::map<uint64_t, std::string> names_;
  std::map<uint64_t, uint64_t> syncing_;  // request id -> conversation
};

int Health(const Globals& g, const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(Channel(SplitGateways(g.gateway).front()));
  grpc::ClientContext context;
  context.set_deadline(Clock::now() + std::chrono::seconds(2));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) throw FromStatus(status, g.gateway);
  std::cout << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status())
            << std::endl;
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"natterctl: Natter from the command line"};
  app.require_subcommand(1);
  Globals g;
  g.gateway = "127.0.0.1:2019";
  g.home = DefaultHome();
  app.add_option("--gateway", g.gateway, "Gateway address HOST:PORT (several, comma-separated)")
      ->envname("NATTER_GATEWAY")
      ->capture_default_str();
  app.add_option("--as", g.as_user, "Act as this logged-in user (default: the last one to log in)");

  std::string user, device, room, text, client_msg_id, service;
  uint64_t conversation = 0;
  int count = 0;
  double timeout = 0;

  auto* reg = app.add_subcommand("register", "Create an account (password from stdin or prompt)");
  reg->add_option("USER", user, "Username")->required();
  auto* login = app.add_subcommand("login", "Log in and remember the session for USER");
  login->add_option("USER", user, "Username")->required();
  login->add_option("--device", device, "Name of this device (default: natterctl on HOSTNAME)");
  auto* send = app.add_subcommand("send", "Send a message; prints the ack as JSON");
  auto* target = send->add_option_group("target");
  target->add_option("--room", room, "Room name, e.g. lobby");
  target->add_option("--conversation", conversation, "Conversation id");
  target->require_option(1);
  send->add_option("TEXT", text, "Message text")->required();
  send->add_option("--client-msg-id", client_msg_id, "Idempotency key (default: random)");
  auto* listen = app.add_subcommand("listen", "Print events as JSON lines");
  listen->add_option("--count", count, "Exit 0 after this many events")
      ->check(CLI::NonNegativeNumber);
  listen->add_option("--timeout", timeout, "Exit 0 after this many seconds")
      ->check(CLI::NonNegativeNumber);
  auto* health = app.add_subcommand("health", "Check a gRPC server's health (grpc.health.v1)");
  health->add_option("--service", service, "Service name (default: the whole server)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    if (*reg) return Register(g, user);
    if (*login) return Login(g, user, device);
    if (*send) return Send(g, room, conversation, text, client_msg_id);
    if (*listen) {
      std::optional<Clock::time_point> deadline;
      if (timeout > 0) {
        deadline = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000));
      }
      return Listener(g, count, deadline).Run();
    }
    if (*health) return Health(g, service);
  } catch (const CtlError& e) {
    std::cerr << "natterctl: " << e.message << std::endl;
    return e.exit_code;
  } catch (const std::exception& e) {
    std::cerr << "natterctl: " << e.what() << std::endl;
    return 1;
  }
  return 2;
}
