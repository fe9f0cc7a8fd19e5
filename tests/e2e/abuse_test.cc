// Abuse: the regression test of each hole found when Natter was tried from outside as an attacker
// would (issue 19). Each test does what the attacker did against a real stack and checks that it no
// longer works, that the answer is a clear status, and that honest users are untouched.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QBuffer>
#include <QByteArray>
#include <QImage>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <future>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "natter/v1/auth.grpc.pb.h"
#include "natter/v1/gateway.grpc.pb.h"
#include "raw_stream.h"
#include "stack_test.h"

namespace natter::testing {
namespace {

using namespace std::chrono_literals;

// ---------------------------------------------------------------------------------------------
// The gateway: memory, frames, connections, presence across a block.

// `count` TCP connections to the gateway at `address` that never send a byte.
std::vector<int> SilentConnections(const std::string& address, int count) {
  const int port = std::stoi(address.substr(address.rfind(':') + 1));
  std::vector<int> sockets;
  for (int i = 0; i < count; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_GE(fd, 0);
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(static_cast<uint16_t>(port));
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&in), sizeof in), 0);
    sockets.push_back(fd);
  }
  return sockets;
}

// Whether the gateway closed `fd`: once what it sent (its HTTP/2 settings, if anything) is read, a
// read returns end of file (or the connection was reset).
bool ClosedByGateway(int fd) {
  char buffer[4096];
  while (true) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n > 0) continue;
    return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  }
}

class GatewayAbuseTest : public StackTest {
 protected:
  static void SetUpTestSuite() { StartStack({.chat_replicas = 1, .gateways = 1}); }
};

// A line of /proc/PID/status in KiB ("VmHWM": the peak resident set), or -1.
long ProcStatusKib(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

// Issue 19 item 6: a unary request whose bytes are not a valid message was answered UNIMPLEMENTED
// with no message, and each one wrote a libprotobuf ERROR line to the gateway's log.
TEST_F(GatewayAbuseTest, AMalformedUnaryRequestIsRefusedWithWhatIsWrongAndLogsNothing) {
  grpc::GenericStub stub(
      grpc::CreateChannel(stack_->gateway_address(0), grpc::InsecureChannelCredentials()));
  auto call = [&](const std::string& method, const std::string& bytes) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1), response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                   [&done](grpc::Status status) { done.set_value(status); });
    return done.get_future().get();
  };
  // LoginRequest.username (field 1) as bytes that are not UTF-8.
  const std::string bad_username = std::string(
      "\x0a\x04"
      "a\xff\xfe"
      "b",
      6);
  grpc::Status status = call("/natter.v1.Gateway/Login", bad_username);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("\"username\" is not valid UTF-8"));
  status = call("/natter.v1.Gateway/Register", std::string("\x0a\x7f"
                                                           "x",
                                                           3));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              ::testing::HasSubstr("not a valid natter.v1.RegisterRequest"));

  for (int i = 0; i < 300; ++i) {
    ASSERT_EQ(call("/natter.v1.Gateway/Login", bad_username).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  EXPECT_EQ(stack_->gateway(0).Stderr().find("libprotobuf"), std::string::npos);
  // And the gateway still serves.
  User("after_malformed");
}

// Issue 19 item 6: one frame that did not parse ended the whole stream.
TEST_F(GatewayAbuseTest, AMalformedFrameIsRefusedAndTheStreamGoesOn) {
  User("framer");
  RawStream stream(stack_->gateway_address(0), Token("framer"));
  ASSERT_TRUE(stream.Welcomed());
  v1::ClientFrame frame;
  frame.mutable_send()->set_room("lobby");
  frame.mutable_send()->set_client_msg_id("bad-utf8");
  frame.mutable_send()->set_text(std::string("caf\xc3", 4));  // a cut-off two-byte sequence
  v1::CommandResult refused = stream.Command(frame);
  EXPECT_EQ(refused.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error(), ::testing::HasSubstr("\"send.text\" is not valid UTF-8"));

  v1::ClientFrame ping;
  ping.mutable_ping();
  v1::CommandResult pong = stream.Command(ping);
  EXPECT_EQ(pong.code(), 0) << pong.error();
  EXPECT_TRUE(pong.has_pong());
}

// Issue 19 item 8: every service said "(TLS)" in its log while it served plaintext.
TEST_F(GatewayAbuseTest, ServicesSayTheySpeakPlaintextAndRefuseItWhenTlsIsRequired) {
  for (Process* server : {&stack_->auth(), &stack_->chat(0), &stack_->presence()}) {
    std::string log = server->Stderr();
    EXPECT_NE(log.find("in plaintext"), std::string::npos) << server->name();
    EXPECT_NE(log.find("PLAINTEXT"), std::string::npos) << server->name();  // the warning
    EXPECT_EQ(log.find("(TLS)"), std::string::npos) << server->name();
  }
  auto refused = testing::Run(
      {NATTER_PRESENCE_BIN, "--listen", "127.0.0.1:" + std::to_string(FreePort()), "--redis-url",
       stack_->redis().url(), "--chat", stack_->chat_target(), "--require-service-tls"},
      stack_->dir(), {}, "", 30s);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err + refused.out, ::testing::HasSubstr("refusing to serve in plaintext"));
}

// Issue 19 item 9: 200 TCP connections that never said a word were all held 10 s and more (gRPC's
// default handshake timeout is 120 s).
TEST_F(GatewayAbuseTest, SilentConnectionsAreClosedAfterTheHandshakeTimeout) {
  std::vector<int> sockets = SilentConnections(stack_->gateway_address(0), 50);
  EXPECT_TRUE(
      WaitFor([&] { return std::all_of(sockets.begin(), sockets.end(), ClosedByGateway); }, 20s));
  for (int fd : sockets) ::close(fd);
  User("after_silence");  // and the gateway serves as before
}

// Issue 19 item 7: the blocked list was read once at Welcome, so a stream opened before a block
// went on receiving the blocker's room notices until it reconnected.
TEST_F(GatewayAbuseTest, ABlockHidesTheBlockersRoomNoticesFromStreamsAlreadyOpen) {
  User("blocker7");
  User("blocked7");
  User("witness7");
  RawStream blocked(stack_->gateway_address(0), Token("blocked7"));
  RawStream witness(stack_->gateway_address(0), Token("witness7"));
  ASSERT_TRUE(blocked.Welcomed());
  ASSERT_TRUE(witness.Welcomed());
  ASSERT_EQ(CtlJson({"--as", "blocker7", "block", "blocked7"})["relation"], "blocked");

  auto notices_about = [](RawStream& stream, const std::string& who, const std::string& what) {
    v1::ClientFrame ping;
    ping.mutable_ping();
    EXPECT_TRUE(stream.Command(ping).has_pong());  // everything delivered before it is read
    int n = 0;
    for (const auto& e : stream.events()) {
      n += e.has_room_notice() && e.room_notice().username() == who &&
           e.room_notice().event() == what;
    }
    return n;
  };
  // The blocker comes online in the lobby: the witness is told, the blocked user is not.
  auto online = Listen("blocker7", 0);
  ASSERT_TRUE(WaitFor([&] { return notices_about(witness, "blocker7", "joined") > 0; }, 20s));
  EXPECT_EQ(notices_about(blocked, "blocker7", "joined"), 0);

  // Once the block is lifted, the same stream hears of the blocker again.
  ASSERT_EQ(CtlJson({"--as", "blocker7", "unblock", "blocked7"})["relation"], "none");
  online->Stop();
  ASSERT_TRUE(WaitFor([&] { return notices_about(witness, "blocker7", "left") > 0; }, 20s));
  EXPECT_TRUE(WaitFor([&] { return notices_about(blocked, "blocker7", "left") > 0; }, 10s));
}

// Issue 19 item 9: nothing limited what one address could hold open.
class GatewayConnectionAbuseTest : public StackTest {
 protected:
  static void SetUpTestSuite() {
    StartStack(
        {.chat_replicas = 1, .gateways = 1, .gateway_args = {"--max-calls-per-address", "8"}});
  }
};

TEST_F(GatewayConnectionAbuseTest, OneAddressCannotHoldMoreThanItsShareOfStreams) {
  User("holder");
  const std::string token = Token("holder");
  std::vector<std::unique_ptr<RawStream>> streams;
  for (int i = 0; i < 8; ++i) {
    streams.push_back(std::make_unique<RawStream>(stack_->gateway_address(0), token));
    ASSERT_TRUE(streams.back()->Welcomed())
        << i << ": " << streams.back()->FinalStatus().error_message();
  }
  RawStream refused(stack_->gateway_address(0), token);
  EXPECT_FALSE(refused.Welcomed());
  grpc::Status status = refused.FinalStatus();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("from your address"));

  // Unary calls from the address are refused alike while it is full...
  auto stub = v1::Gateway::NewStub(
      grpc::CreateChannel(stack_->gateway_address(0), grpc::InsecureChannelCredentials()));
  {
    grpc::ClientContext context;
    v1::LoginRequest request;
    v1::LoginResponse response;
    request.set_username("holder");
    request.set_password("password for holder");
    EXPECT_EQ(stub->Login(&context, request, &response).error_code(),
              grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  // ...and admitted again once one of its streams ends.
  streams.pop_back();
  EXPECT_TRUE(WaitFor(
      [&] {
        RawStream again(stack_->gateway_address(0), token);
        return again.Welcomed();
      },
      10s));
}

// Issue 19 item 9: connections were counted per address only once a call reached the gateway, so
// 200 silent sockets (and 2,000 calls sent as headers without a body) from one address were all
// held. Now the gateway accepts connections itself and counts them from the first moment.
class GatewayConnectionCapTest : public StackTest {
 protected:
  static void SetUpTestSuite() {
    // A long handshake timeout, so that only the cap can close the silent sockets here.
    StartStack({.chat_replicas = 1,
                .gateways = 1,
                .gateway_args = {"--max-connections-per-address", "20", "--handshake-timeout-ms",
                                 "60000"}});
  }
};

TEST_F(GatewayConnectionCapTest, OneAddressCannotHoldMoreThanItsShareOfConnections) {
  User("before_cap");
  std::vector<int> sockets = SilentConnections(stack_->gateway_address(0), 200);
  auto closed = ClosedByGateway;
  // The first 20 are held (their handshake has a minute); the other 180 are closed at once.
  EXPECT_TRUE(
      WaitFor([&] { return std::count_if(sockets.begin(), sockets.end(), closed) >= 180; }, 10s));
  EXPECT_EQ(std::count_if(sockets.begin(), sockets.begin() + 20, closed), 0);
  EXPECT_EQ(std::count_if(sockets.begin(), sockets.end(), closed), 180);

  // While the address holds its 20, a client from it is not served...
  auto refused = Ctl({"--as", "before_cap", "whoami"});
  EXPECT_NE(refused.exit_code, 0) << refused.out;
  std::string metrics = testing::HttpGet(stack_->metrics_address("gateway-1"), "/metrics");
  const std::string series = "\nnatter_gateway_connections_refused_total{limit=\"per_address\"} ";
  size_t at = metrics.find(series);
  ASSERT_NE(at, std::string::npos) << metrics;
  EXPECT_GE(std::stod(metrics.substr(at + series.size())), 180) << metrics;

  // ...and is again once they are gone.
  for (int fd : sockets) ::close(fd);
  EXPECT_TRUE(WaitFor([&] { return Ctl({"--as", "before_cap", "whoami"}).exit_code == 0; }, 10s));
}

// Issue 19 item 1: the per-stream queue was bounded by count, not bytes, and the gateway kept
// reading commands while a client took none of its answers: 120 Sync(limit=500) from a client
// that never read grew a gateway from 52 to 94 MiB.
class GatewayMemoryAbuseTest : public StackTest {
 protected:
  static void SetUpTestSuite() {
    StartStack({.chat_replicas = 1,
                .gateways = 1,
                .heartbeat_seconds = 1,
                .rate_limits = false,  // to store the history below quickly
                .gateway_args = {"--stalled-write-seconds", "3"}});
  }
};

TEST_F(GatewayMemoryAbuseTest, AClientThatDoesNotReadCannotGrowTheGatewaysMemory) {
  User("hoarder");
  const std::string token = Token("hoarder");
  // 250 messages of 4,000 bytes: each Sync(limit=500) of the lobby answers about 1 MB.
  uint64_t lobby = 0;
  {
    RawStream writer(stack_->gateway_address(0), token);
    ASSERT_TRUE(writer.Welcomed());
    const std::string text(4000, 'h');
    for (int batch = 0; batch < 5; ++batch) {
      for (int i = 0; i < 50; ++i) {
        v1::ClientFrame frame;
        frame.set_request_id(batch * 50 + i + 1);
        frame.mutable_send()->set_room("lobby");
        frame.mutable_send()->set_client_msg_id("h" + std::to_string(batch * 50 + i));
        frame.mutable_send()->set_text(text);
        ASSERT_TRUE(writer.Write(frame));
      }
      for (const auto& result : writer.Results(50)) {
        ASSERT_EQ(result.code(), 0) << result.error();
        lobby = result.ack().conversation_id();
      }
    }
  }
  ASSERT_NE(lobby, 0u);
  const pid_t gateway = stack_->gateway(0).pid();
  const long before_kib = ProcStatusKib(gateway, "VmHWM");
  ASSERT_GT(before_kib, 0);

  Process stuck(
      "stuck-client",
      {NATTER_STUCK_CLIENT_BIN, stack_->gateway_address(0), token, std::to_string(lobby), "120"},
      stack_->dir());
  ASSERT_TRUE(WaitFor([&] { return stuck.Stdout().find("sent") != std::string::npos; }, 30s))
      << stuck.Stderr();
  // The gateway stops reading the client's commands while it is behind, and cancels the stream
  // once a write has waited for it too long.
  const std::string metrics = stack_->metrics_address("gateway-1");
  EXPECT_TRUE(WaitFor(
      [&] {
        return testing::MetricSample(HttpGet(metrics, "/metrics"),
                                     "natter_gateway_reads_paused_total") >= 1;
      },
      30s));
  EXPECT_TRUE(WaitFor(
      [&] {
        return testing::MetricSample(HttpGet(metrics, "/metrics"),
                                     "natter_gateway_slow_client_drops_total") >= 1;
      },
      30s));
  const long grown_kib = ProcStatusKib(gateway, "VmHWM") - before_kib;
  std::printf("gateway peak RSS grew by %ld KiB\n", grown_kib);
  EXPECT_LT(grown_kib, 12 * 1024);
  stuck.Signal(SIGKILL);

  // The user is not locked out by it: a new stream of theirs works.
  RawStream again(stack_->gateway_address(0), token);
  EXPECT_TRUE(again.Welcomed());
}

// ---------------------------------------------------------------------------------------------
// Accounts: lockout, avatars, registration, look-alike names.

class AccountAbuseTest : public StackTest {
 protected:
  // One hashing thread, so that the login storm below outlasts its deadline on any machine.
  static void SetUpTestSuite() {
    StartStack({.chat_replicas = 1, .gateways = 1, .auth_args = {"--workers", "1"}});
  }

  static std::unique_ptr<v1::Gateway::Stub> Gateway() {
    return v1::Gateway::NewStub(
        grpc::CreateChannel(stack_->gateway_address(0), grpc::InsecureChannelCredentials()));
  }
  // natter-auth itself, as the gateway calls it: the tests set the client address the gateway
  // would have seen, which from here is always 127.0.0.1.
  static std::unique_ptr<v1::Auth::Stub> Auth() {
    return v1::Auth::NewStub(
        grpc::CreateChannel(stack_->auth_address(), grpc::InsecureChannelCredentials()));
  }
  // Whether a refusal says when to try again (a google.rpc.RetryInfo in its details).
  static bool HasRetryInfo(const grpc::Status& status) {
    v1::RpcStatus details;
    if (!details.ParseFromString(status.error_details())) return false;
    for (const auto& any : details.details()) {
      if (any.type_url() == "type.googleapis.com/google.rpc.RetryInfo") return true;
    }
    return false;
  }
  static void Deadline(grpc::ClientContext& context, std::chrono::milliseconds in = 30s) {
    context.set_deadline(std::chrono::system_clock::now() + in);
  }
  static grpc::Status LoginFrom(const std::string& username, const std::string& password,
                                const std::string& address) {
    grpc::ClientContext context;
    Deadline(context);
    v1::LoginRequest request;
    request.set_username(username);
    request.set_password(password);
    request.set_client_address(address);
    v1::LoginResponse response;
    return Auth()->Login(&context, request, &response);
  }
  // A call through the gateway as `token`'s user.
  template <class Request, class Response, class Method>
  static grpc::Status AsUser(const std::string& token, Method method, const Request& request,
                             Response& response) {
    grpc::ClientContext context;
    Deadline(context);
    context.AddMetadata("authorization", "Bearer " + token);
    auto stub = Gateway();
    return (stub.get()->*method)(&context, request, &response);
  }
  static grpc::Status SetAvatar(const std::string& token, const std::string& image) {
    v1::SetAvatarRequest request;
    request.set_image(image);
    v1::Profile profile;
    return AsUser(token, &v1::Gateway::Stub::SetAvatar, request, profile);
  }
  static std::string Encode(const QImage& image, const char* format) {
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    EXPECT_TRUE(image.save(&buffer, format));
    return std::string(bytes.constData(), static_cast<size_t>(bytes.size()));
  }
  // An image of noise (so that it compresses poorly and can be cut mid-scan), with text beside
  // its pixels: tEXt chunks in a PNG, a COM segment in a JPEG.
  static std::string NoisyImageWithText(int side, const char* format) {
    QImage image(side, side, QImage::Format_RGB32);
    uint32_t state = 7;
    for (int y = 0; y < side; ++y) {
      for (int x = 0; x < side; ++x) {
        state = state * 1664525u + 1013904223u;
        image.setPixel(x, y, state >> 8);
      }
    }
    image.setText("Description", "home: 1 Secret Lane, 51.5007 N 0.1246 W");
    return Encode(image, format);
  }
};

// Issue 19 item 3: five wrong guesses from anywhere locked the real user out of login and of
// password changes for 15 minutes.
TEST_F(AccountAbuseTest, AGuesserElsewhereCannotLockTheOwnerOut) {
  User("olga");  // logs in from 127.0.0.1: an address of hers from now on
  // 20 wrong guesses from 5 addresses she never used: the account's 20 free failures for
  // addresses it never logged in from are spent.
  for (int i = 0; i < 20; ++i) {
    grpc::Status status = LoginFrom("olga", "guess " + std::to_string(i),
                                    "ipv4:203.0.113." + std::to_string(i % 5) + ":4000");
    ASSERT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << i << status.error_message();
  }
  // Guessing goes on only slowly, with when to try again...
  grpc::Status slowed = LoginFrom("olga", "another guess", "ipv4:203.0.113.99:4000");
  EXPECT_EQ(slowed.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << slowed.error_message();
  EXPECT_THAT(slowed.error_message(),
              ::testing::StartsWith("too many failed attempts; try again in"));
  EXPECT_TRUE(HasRetryInfo(slowed));
  // ...while olga logs in as always, and changes her password.
  std::string token = Token("olga");
  ASSERT_FALSE(token.empty());
  v1::ChangePasswordRequest change;
  change.set_old_password("password for olga");
  change.set_new_password("a new password for olga");
  v1::ChangePasswordResponse changed;
  grpc::Status status = AsUser(token, &v1::Gateway::Stub::ChangePassword, change, changed);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

// Issue 19 item 5: 40 parallel registrations from one address slowed a real user's login from
// 1.8 s to 5.7 s; nothing limited them.
TEST_F(AccountAbuseTest, RegistrationsFromOneAddressAreLimited) {
  const std::string address = "ipv4:198.51.100.7:5000";
  auto register_as = [&](const std::string& name) {
    grpc::ClientContext context;
    Deadline(context);
    v1::RegisterRequest request;
    request.set_username(name);
    request.set_password("password for " + name);
    request.set_client_address(address);
    v1::RegisterResponse response;
    return Auth()->Register(&context, request, &response);
  };
  int registered = 0;
  grpc::Status refused;
  for (int i = 0; i < 40 && refused.ok(); ++i) {
    grpc::Status status = register_as("spam" + std::to_string(i));
    if (status.ok()) {
      ++registered;
    } else {
      refused = status;
    }
  }
  EXPECT_EQ(registered, 30);  // the burst: --register-burst
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.error_message();
  EXPECT_THAT(refused.error_message(),
              ::testing::StartsWith("too many new accounts from your address"));
  EXPECT_TRUE(HasRetryInfo(refused));
  // Nothing refused was stored: the name is still free for someone at another address.
  grpc::ClientContext context;
  Deadline(context);
  v1::RegisterRequest request;
  request.set_username("spam" + std::to_string(registered));
  request.set_password("a password");
  request.set_client_address("ipv4:198.51.100.8:5000");
  v1::RegisterResponse response;
  grpc::Status elsewhere = Auth()->Register(&context, request, &response);
  EXPECT_TRUE(elsewhere.ok()) << elsewhere.error_message();
}

// Issue 19 items 4 and 5: avatar uploads had no limit and shared auth's threads with token checks.
// (That token checks never queue behind image work is shown in tests/services/auth/
// auth_grpc_test.cc, with the image pool held full.)
TEST_F(AccountAbuseTest, AvatarUploadsAreLimitedPerUser) {
  User("vera");
  User("walt");
  const std::string vera = Token("vera");
  const std::string png = Encode(QImage(64, 64, QImage::Format_RGB32), "png");
  for (int i = 0; i < 5; ++i) {
    grpc::Status status = SetAvatar(vera, png);
    ASSERT_TRUE(status.ok()) << i << ": " << status.error_message();
  }
  grpc::Status refused = SetAvatar(vera, png);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(),
              ::testing::StartsWith("you are changing your avatar too often (at most 2 a minute)"));
  EXPECT_TRUE(HasRetryInfo(refused));
  // Another user is not held up, and vera's token still works for everything else.
  EXPECT_TRUE(SetAvatar(Token("walt"), png).ok());
  v1::GetProfileRequest get;
  v1::Profile profile;
  ASSERT_TRUE(AsUser(vera, &v1::Gateway::Stub::GetProfile, get, profile).ok());
  EXPECT_EQ(profile.avatar_version(), 5u);
}

// Issue 19 items 11 and 14: a truncated JPEG with FF D9 appended was accepted, and a PNG's tEXt
// chunks or a JPEG's COM segment were served to everyone inside the stored avatar.
TEST_F(AccountAbuseTest, AvatarsAreDecodedFullyAndKeepNothingButPixels) {
  User("xena");
  const std::string token = Token("xena");
  const std::string jpeg = NoisyImageWithText(200, "jpeg");
  grpc::Status cut = SetAvatar(token, jpeg.substr(0, jpeg.size() / 2) + "\xFF\xD9");
  EXPECT_EQ(cut.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(cut.error_message(), "avatar image is truncated or damaged");

  for (const char* format : {"png", "jpeg"}) {
    std::string upload = NoisyImageWithText(200, format);
    ASSERT_NE(upload.find("Secret Lane"), std::string::npos) << format;
    ASSERT_TRUE(SetAvatar(token, upload).ok()) << format;
    v1::GetProfileRequest get;
    v1::Profile me;
    ASSERT_TRUE(AsUser(token, &v1::Gateway::Stub::GetProfile, get, me).ok());
    v1::GetAvatarRequest request;
    request.set_user_id(me.user_id());
    v1::GetAvatarResponse avatar;
    ASSERT_TRUE(AsUser(token, &v1::Gateway::Stub::GetAvatar, request, avatar).ok());
    QImage stored;
    ASSERT_TRUE(stored.loadFromData(reinterpret_cast<const uchar*>(avatar.png().data()),
                                    static_cast<int>(avatar.png().size()), "png"));
    EXPECT_TRUE(stored.textKeys().isEmpty()) << format << ": " << stored.text().toStdString();
    EXPECT_EQ(avatar.png().find("Secret Lane"), std::string::npos) << format;
    for (const char* chunk : {"tEXt", "zTXt", "iTXt"}) {
      EXPECT_EQ(avatar.png().find(chunk), std::string::npos) << format << " " << chunk;
    }
  }
}

// Issue 19 item 10: Cyrillic and fullwidth look-alikes of existing usernames were accepted.
TEST_F(AccountAbuseTest, LookAlikeUsernamesAreRefused) {
  User("paypal");
  for (const std::string& look_alike : {
           std::string("p\xD0\xB0ypal"),  // Cyrillic а
           std::string("\xEF\xBD\x90\xEF\xBD\x81\xEF\xBD\x99\xEF\xBD\x90\xEF\xBD\x81\xEF\xBD\x8C"),
       }) {
    grpc::ClientContext context;
    Deadline(context);
    v1::RegisterRequest request;
    request.set_username(look_alike);
    request.set_password("password for a spoof");
    v1::RegisterResponse response;
    grpc::Status status = Gateway()->Register(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS) << look_alike;
    EXPECT_THAT(status.error_message(), ::testing::HasSubstr("looks like an existing user's name"));
  }
  // A display name that reorders the text around it is refused too.
  v1::UpdateProfileRequest update;
  update.set_display_name("pay\xE2\x80\xAElap");  // U+202E RIGHT-TO-LEFT OVERRIDE
  v1::Profile profile;
  grpc::Status bidi = AsUser(Token("paypal"), &v1::Gateway::Stub::UpdateProfile, update, profile);
  EXPECT_EQ(bidi.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bidi.error_message(),
              ::testing::StartsWith("display name contains bidirectional control characters"));
}

// Issue 19 item 12: auth queued 1,024 hashes behind 2 workers, longer than a login's deadline, so
// late callers timed out instead of getting a quick RESOURCE_EXHAUSTED.
TEST_F(AccountAbuseTest, ALoginStormGetsQuickRefusalsNotTimeouts) {
  User("yuri");
  constexpr int kCalls = 80;
  std::vector<std::future<grpc::Status>> calls;
  for (int i = 0; i < kCalls; ++i) {
    calls.push_back(std::async(std::launch::async, [] {
      grpc::ClientContext context;
      Deadline(context, 2s);  // a client in a hurry; the gateway passes its deadline on
      v1::LoginRequest request;
      request.set_username("yuri");
      request.set_password("password for yuri");
      v1::LoginResponse response;
      return Gateway()->Login(&context, request, &response);
    }));
  }
  int ok = 0, refused = 0, timed_out = 0;
  for (auto& call : calls) {
    grpc::Status status = call.get();
    if (status.ok()) {
      ++ok;
    } else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++refused;
      EXPECT_TRUE(HasRetryInfo(status)) << status.error_message();
    } else if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      ++timed_out;
    } else {
      ADD_FAILURE() << status.error_code() << ": " << status.error_message();
    }
  }
  EXPECT_GT(ok, 0);
  EXPECT_GT(refused, 0);
  EXPECT_EQ(timed_out, 0) << ok << " logged in, " << refused << " refused";
}

// ---------------------------------------------------------------------------------------------
// Chat: direct messages after unfriending, room floods, bans, replayed client_msg_ids, look-alike
// room names.

class ChatAbuseTest : public StackTest {
 protected:
  static void SetUpTestSuite() { StartStack({.chat_replicas = 1, .gateways = 1}); }

  // A gateway stub and a context carrying a token, for calls whose status details natterctl does
  // not show.
  static std::unique_ptr<v1::Gateway::Stub> Gateway() {
    return v1::Gateway::NewStub(
        grpc::CreateChannel(stack_->gateway_address(0), grpc::InsecureChannelCredentials()));
  }
  static std::unique_ptr<grpc::ClientContext> WithToken(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", "Bearer " + token);
    context->set_deadline(std::chrono::system_clock::now() + 10s);
    return context;
  }
  // The retry delay a RESOURCE_EXHAUSTED status carries as a google.rpc.RetryInfo, if any.
  static std::optional<std::chrono::milliseconds> RetryDelay(const grpc::Status& status) {
    v1::RpcStatus details;
    if (!details.ParseFromString(status.error_details())) return std::nullopt;
    for (const auto& any : details.details()) {
      v1::RetryInfo info;
      if (any.type_url() == "type.googleapis.com/google.rpc.RetryInfo" &&
          info.ParseFromString(any.value())) {
        return std::chrono::seconds(info.retry_delay().seconds()) +
               std::chrono::milliseconds(info.retry_delay().nanos() / 1'000'000);
      }
    }
    return std::nullopt;
  }
};

// Issue 19, item 2: after `friends remove`, an existing direct conversation no longer carries
// messages, whichever way a message names it, nor typing notices; a retry of a message sent while
// friends still gets its ack.
TEST_F(ChatAbuseTest, RemovingAFriendStopsDirectMessages) {
  User("ca_amy");
  User("ca_ben");
  Friends("ca_amy", "ca_ben");
  json first = CtlJson(
      {"--as", "ca_amy", "send", "--to", "ca_ben", "while friends", "--client-msg-id", "ca-dm-1"});
  const std::string conversation = std::to_string(first["conversation"].get<uint64_t>());
  ASSERT_EQ(CtlJson({"--as", "ca_ben", "friends", "remove", "ca_amy"})["relation"], "none");

  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--as", "ca_amy", "send", "--to", "ca_ben", "after"},
           {"--as", "ca_amy", "send", "--conversation", conversation, "after"},
           {"--as", "ca_ben", "send", "--conversation", conversation, "after"},
           {"--as", "ca_amy", "typing", "--to", "ca_ben"}}) {
    auto r = Ctl(args);
    EXPECT_EQ(r.exit_code, 1) << args[3] << ": " << r.out;
    EXPECT_THAT(r.err, ::testing::HasSubstr("no longer friends")) << args[3];
  }
  // The retry of what was sent while friends is answered with its ack, nothing new stored.
  json replay = CtlJson(
      {"--as", "ca_amy", "send", "--to", "ca_ben", "while friends", "--client-msg-id", "ca-dm-1"});
  EXPECT_EQ(replay["seq"], first["seq"]);
  EXPECT_EQ(replay["duplicate"], true);
  auto history = CtlLines({"--as", "ca_ben", "history", "--conversation", conversation});
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0]["text"], "while friends");
}

// Issue 19, item 5: room calls fan out to every member, so each user has an allowance for them,
// answered RESOURCE_EXHAUSTED with a RetryInfo; what is refused is not stored.
TEST_F(ChatAbuseTest, RoomFloodsAreRefusedWithRetryInfo) {
  User("ca_flood");
  User("ca_calm");
  int created = 0;
  CommandResult refused;
  for (int i = 0; i < 25; ++i) {
    auto r = Ctl({"--as", "ca_flood", "rooms", "create", "ca-flood-" + std::to_string(i)});
    if (r.exit_code != 0) {
      refused = r;
      break;
    }
    ++created;
  }
  EXPECT_EQ(created, 10);  // the default burst of --rooms-per-hour
  EXPECT_THAT(refused.err, ::testing::HasSubstr("you have created too many rooms"));
  EXPECT_THAT(refused.err, ::testing::HasSubstr("try again"));
  EXPECT_TRUE(CtlLines({"--as", "ca_flood", "rooms", "list", "--prefix", "ca-flood-10"}).empty());

  // Join and leave in a loop: the first 20 pass, then each is refused with when to retry.
  auto stub = Gateway();
  const std::string calm = Token("ca_calm");
  int changes = 0;
  grpc::Status status;
  for (int i = 0; i < 80 && status.ok(); ++i) {
    v1::RoomRequest request;
    request.set_room("ca-flood-0");
    v1::RoomResponse response;
    auto context = WithToken(calm);
    status = i % 2 == 0 ? stub->JoinRoom(context.get(), request, &response)
                        : stub->LeaveRoom(context.get(), request, &response);
    if (status.ok()) ++changes;
  }
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("changing rooms too fast"));
  auto delay = RetryDelay(status);
  ASSERT_TRUE(delay.has_value());
  EXPECT_GT(delay->count(), 0);
  EXPECT_GE(changes, 20);
  EXPECT_LT(changes, 40);
  // The room holds exactly the entries of the changes that were answered OK.
  auto entries =
      CtlLines({"--as", "ca_flood", "history", "--room", "ca-flood-0", "--limit", "200"});
  EXPECT_EQ(entries.size(), 1u + static_cast<size_t>(changes));  // room_created + each change
  // Another user is untouched.
  EXPECT_EQ(Ctl({"--as", "ca_flood", "rooms", "topic", "ca-flood-0", "calm"}).exit_code, 0);
}

// Issue 19, item 13: a banned user is removed, cannot join again (and so cannot read the room)
// until the owner lifts the ban; a plain kick still lets them back.
TEST_F(ChatAbuseTest, BannedUsersStayOutUntilUnbanned) {
  User("ca_owner");
  User("ca_troll");
  ASSERT_EQ(Ctl({"--as", "ca_owner", "rooms", "create", "ca-banroom"}).exit_code, 0);
  ASSERT_EQ(Ctl({"--as", "ca_owner", "send", "--room", "ca-banroom", "before"}).exit_code, 0);
  json joined = CtlJson({"--as", "ca_troll", "rooms", "join", "ca-banroom"});
  const std::string id = std::to_string(joined["conversation"].get<uint64_t>());
  // A newcomer reads the history from before they came (the room is public).
  EXPECT_EQ(CtlLines({"--as", "ca_troll", "history", "--room", "ca-banroom"}).size(), 3u);

  auto not_owner = Ctl({"--as", "ca_troll", "rooms", "ban", "ca-banroom", "ca_owner"});
  EXPECT_EQ(not_owner.exit_code, 1);
  EXPECT_THAT(not_owner.err, ::testing::HasSubstr("only the owner"));
  ASSERT_EQ(Ctl({"--as", "ca_owner", "rooms", "ban", "ca-banroom", "ca_troll"}).exit_code, 0);
  auto members = CtlLines({"--as", "ca_owner", "rooms", "members", "ca-banroom"});
  ASSERT_EQ(members.size(), 1u);
  auto rejoin = Ctl({"--as", "ca_troll", "rooms", "join", "ca-banroom"});
  EXPECT_EQ(rejoin.exit_code, 1);
  EXPECT_THAT(rejoin.err, ::testing::HasSubstr("you are banned from room \"ca-banroom\""));
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--as", "ca_troll", "history", "--room", "ca-banroom"},
           {"--as", "ca_troll", "history", "--conversation", id},
           {"--as", "ca_troll", "send", "--room", "ca-banroom", "let me in"}}) {
    auto r = Ctl(args);
    EXPECT_EQ(r.exit_code, 1) << args[2];
    EXPECT_THAT(r.err, ::testing::HasSubstr("join it first")) << args[2];
  }
  auto bans = CtlLines({"--as", "ca_owner", "rooms", "bans", "ca-banroom"});
  ASSERT_EQ(bans.size(), 1u);
  EXPECT_EQ(bans[0]["user"], "ca_troll");
  EXPECT_EQ(bans[0]["by"], "ca_owner");
  EXPECT_EQ(Ctl({"--as", "ca_troll", "rooms", "bans", "ca-banroom"}).exit_code, 1);

  ASSERT_EQ(Ctl({"--as", "ca_owner", "rooms", "unban", "ca-banroom", "ca_troll"}).exit_code, 0);
  EXPECT_TRUE(CtlLines({"--as", "ca_owner", "rooms", "bans", "ca-banroom"}).empty());
  EXPECT_EQ(Ctl({"--as", "ca_troll", "rooms", "join", "ca-banroom"}).exit_code, 0);
}

// Issue 19, item 15: a client_msg_id names one message. Reused for another text or conversation it
// is refused with a clear status; an exact retry still gets the original ack.
TEST_F(ChatAbuseTest, AReusedClientMsgIdIsRefusedUnlessItIsAnExactRetry) {
  User("ca_replayer");
  json first = CtlJson({"--as", "ca_replayer", "send", "--room", "lobby", "original text",
                        "--client-msg-id", "ca-replay-1"});
  EXPECT_EQ(first["duplicate"], false);
  auto other_text = Ctl({"--as", "ca_replayer", "send", "--room", "lobby", "different text",
                         "--client-msg-id", "ca-replay-1"});
  EXPECT_EQ(other_text.exit_code, 1);
  EXPECT_THAT(other_text.err,
              ::testing::HasSubstr("client_msg_id \"ca-replay-1\" was already used for a different "
                                   "message"));
  ASSERT_EQ(Ctl({"--as", "ca_replayer", "rooms", "create", "ca-replay-room"}).exit_code, 0);
  auto other_room = Ctl({"--as", "ca_replayer", "send", "--room", "ca-replay-room", "original text",
                         "--client-msg-id", "ca-replay-1"});
  EXPECT_EQ(other_room.exit_code, 1);
  EXPECT_THAT(other_room.err, ::testing::HasSubstr("already used"));
  EXPECT_EQ(CtlLines({"--as", "ca_replayer", "history", "--room", "ca-replay-room"}).size(), 1u);

  json retry = CtlJson({"--as", "ca_replayer", "send", "--room", "lobby", "original text",
                        "--client-msg-id", "ca-replay-1"});
  EXPECT_EQ(retry["duplicate"], true);
  EXPECT_EQ(retry["seq"], first["seq"]);
}

// Issue 19, item 10 (rooms): "lоbby" with a Cyrillic о, or the lobby's name in fullwidth letters,
// could be created beside the lobby. A room name's look-alike skeleton is unique now, and
// natter-chat's startup backfill gave the lobby (made by a migration) its own.
TEST_F(ChatAbuseTest, ALookAlikeRoomNameIsRefused) {
  User("ca_spoofer");
  const uint64_t lobby =
      CtlJson({"--as", "ca_spoofer", "send", "--room", "lobby", "hi"})["conversation"];
  const std::string cyrillic =
      "l\xD0\xBE"
      "bby";
  const std::string fullwidth = "\xEF\xBD\x8C\xEF\xBD\x8F\xEF\xBD\x82\xEF\xBD\x82\xEF\xBD\x99";
  for (const std::string& look_alike : {cyrillic, fullwidth}) {
    auto created = Ctl({"--as", "ca_spoofer", "rooms", "create", look_alike});
    EXPECT_EQ(created.exit_code, 1) << created.out;
    EXPECT_EQ(created.err, "natterctl: a room whose name looks the same as \"" + look_alike +
                               "\" exists already; choose another name\n");
    EXPECT_TRUE(CtlLines({"--as", "ca_spoofer", "rooms", "list", "--prefix", look_alike}).empty());
  }
  // Nor can a room be renamed into one; its own name in other letters is still its own.
  ASSERT_EQ(Ctl({"--as", "ca_spoofer", "rooms", "create", "ca-spoof"}).exit_code, 0);
  auto renamed = Ctl({"--as", "ca_spoofer", "rooms", "rename", "ca-spoof", fullwidth});
  EXPECT_EQ(renamed.exit_code, 1);
  EXPECT_EQ(renamed.err, "natterctl: a room whose name looks the same as \"" + fullwidth +
                             "\" exists already; choose another name\n");
  EXPECT_EQ(CtlJson({"--as", "ca_spoofer", "rooms", "rename", "ca-spoof", "CA-Spoof"})["name"],
            "CA-Spoof");
  // The real lobby is untouched: the one room of its name, where it was.
  auto lobbies = CtlLines({"--as", "ca_spoofer", "rooms", "list", "--prefix", "lobby"});
  ASSERT_EQ(lobbies.size(), 1u);
  EXPECT_EQ(lobbies[0]["name"], "lobby");
  EXPECT_EQ(lobbies[0]["conversation"], lobby);
}

// Issue 19, item 13: bans by the owner and moderators. The owner makes members moderators (and
// back); a moderator removes, bans and unbans members and lists bans, but cannot touch the owner or
// another moderator; a plain member can do none of it; each role change is an entry members see
// live and in history.
TEST_F(ChatAbuseTest, ModeratorsBanMembersButNeverTheOwnerOrEachOther) {
  for (const char* name : {"ca_mo_owner", "ca_mo_bob", "ca_mo_carol", "ca_mo_dave", "ca_mo_erin"}) {
    User(name);
  }
  const std::string room = "ca-modroom";
  ASSERT_EQ(Ctl({"--as", "ca_mo_owner", "rooms", "create", room}).exit_code, 0);
  for (const char* name : {"ca_mo_bob", "ca_mo_carol", "ca_mo_dave", "ca_mo_erin"}) {
    ASSERT_EQ(Ctl({"--as", name, "rooms", "join", room}).exit_code, 0) << name;
  }
  auto watcher = Listen("ca_mo_dave", 0, {"--type", "member_role_changed", "--count", "3"});

  // A plain member can neither give roles nor ban.
  auto grant = Ctl({"--as", "ca_mo_carol", "rooms", "mod", room, "ca_mo_carol"});
  EXPECT_EQ(grant.exit_code, 1);
  EXPECT_EQ(grant.err,
            "natterctl: only the owner of \"ca-modroom\" can appoint or remove moderators\n");
  auto member_ban = Ctl({"--as", "ca_mo_carol", "rooms", "ban", room, "ca_mo_dave"});
  EXPECT_EQ(member_ban.exit_code, 1);
  EXPECT_THAT(member_ban.err, ::testing::HasSubstr("only the owner and moderators"));

  // The owner makes bob and erin moderators; making bob one again changes nothing.
  ASSERT_EQ(Ctl({"--as", "ca_mo_owner", "rooms", "mod", room, "ca_mo_bob"}).exit_code, 0);
  ASSERT_EQ(Ctl({"--as", "ca_mo_owner", "rooms", "mod", room, "ca_mo_bob"}).exit_code, 0);
  ASSERT_EQ(Ctl({"--as", "ca_mo_owner", "rooms", "mod", room, "ca_mo_erin"}).exit_code, 0);
  std::vector<std::string> roles;
  for (const auto& m : CtlLines({"--as", "ca_mo_dave", "rooms", "members", room})) {
    roles.push_back(m["user"].get<std::string>() + ":" + m["role"].get<std::string>());
  }
  EXPECT_THAT(roles, ::testing::ElementsAre("ca_mo_owner:owner", "ca_mo_bob:moderator",
                                            "ca_mo_erin:moderator", "ca_mo_carol:member",
                                            "ca_mo_dave:member"));

  // Bob bans carol, who cannot come back, and sees the room's bans.
  ASSERT_EQ(Ctl({"--as", "ca_mo_bob", "rooms", "ban", room, "ca_mo_carol"}).exit_code, 0);
  auto rejoin = Ctl({"--as", "ca_mo_carol", "rooms", "join", room});
  EXPECT_EQ(rejoin.exit_code, 1);
  EXPECT_THAT(rejoin.err, ::testing::HasSubstr("you are banned from room \"ca-modroom\""));
  auto bans = CtlLines({"--as", "ca_mo_bob", "rooms", "bans", room});
  ASSERT_EQ(bans.size(), 1u);
  EXPECT_EQ(bans[0]["user"], "ca_mo_carol");
  EXPECT_EQ(bans[0]["by"], "ca_mo_bob");

  // Bob cannot ban or remove the owner, nor erin, a moderator too.
  auto ban_owner = Ctl({"--as", "ca_mo_bob", "rooms", "ban", room, "ca_mo_owner"});
  EXPECT_EQ(ban_owner.exit_code, 1);
  EXPECT_EQ(ban_owner.err,
            "natterctl: ca_mo_owner owns room \"ca-modroom\"; moderators cannot ban the owner\n");
  EXPECT_EQ(Ctl({"--as", "ca_mo_bob", "rooms", "kick", room, "ca_mo_owner"}).exit_code, 1);
  auto kick_erin = Ctl({"--as", "ca_mo_bob", "rooms", "kick", room, "ca_mo_erin"});
  EXPECT_EQ(kick_erin.exit_code, 1);
  EXPECT_EQ(kick_erin.err,
            "natterctl: ca_mo_erin is a moderator of \"ca-modroom\" too; only the owner can "
            "remove a moderator\n");
  EXPECT_EQ(Ctl({"--as", "ca_mo_bob", "rooms", "ban", room, "ca_mo_erin"}).exit_code, 1);
  // Nor give roles, nor change the topic: those stay the owner's.
  EXPECT_EQ(Ctl({"--as", "ca_mo_bob", "rooms", "mod", room, "ca_mo_dave"}).exit_code, 1);
  EXPECT_EQ(Ctl({"--as", "ca_mo_bob", "rooms", "topic", room, "bob's room"}).exit_code, 1);
  EXPECT_EQ(CtlLines({"--as", "ca_mo_dave", "rooms", "members", room}).size(), 4u);

  // Demoted, bob can no longer ban or see bans; what he did stands.
  ASSERT_EQ(Ctl({"--as", "ca_mo_owner", "rooms", "unmod", room, "ca_mo_bob"}).exit_code, 0);
  auto demoted_ban = Ctl({"--as", "ca_mo_bob", "rooms", "ban", room, "ca_mo_dave"});
  EXPECT_EQ(demoted_ban.exit_code, 1);
  EXPECT_THAT(demoted_ban.err, ::testing::HasSubstr("only the owner and moderators"));
  EXPECT_EQ(Ctl({"--as", "ca_mo_bob", "rooms", "bans", room}).exit_code, 1);
  EXPECT_EQ(Ctl({"--as", "ca_mo_carol", "rooms", "join", room}).exit_code, 1);

  // Each role change is an entry: live to the members, and in the room's history.
  auto exited = watcher->Wait(20s);
  ASSERT_TRUE(exited.has_value()) << watcher->Stdout();
  EXPECT_EQ(*exited, 0) << watcher->Stderr();
  std::vector<std::string> live;
  for (const auto& e : JsonLines(watcher->Stdout())) {
    live.push_back(e["user"].get<std::string>() + ":" + e["text"].get<std::string>() + " by " +
                   e["from"].get<std::string>());
  }
  EXPECT_THAT(live, ::testing::ElementsAre("ca_mo_bob:moderator by ca_mo_owner",
                                           "ca_mo_erin:moderator by ca_mo_owner",
                                           "ca_mo_bob:member by ca_mo_owner"));
  std::vector<std::string> history;
  for (const auto& e : CtlLines({"--as", "ca_mo_dave", "history", "--room", room})) {
    if (e["type"] == "member_role_changed") {
      history.push_back(e["user"].get<std::string>() + ":" + e["text"].get<std::string>());
    }
  }
  EXPECT_THAT(history, ::testing::ElementsAre("ca_mo_bob:moderator", "ca_mo_erin:moderator",
                                              "ca_mo_bob:member"));
}

// Issue 19, item 13: every refusal of SetMemberRole has its own status.
TEST_F(ChatAbuseTest, RoleChangesAreRefusedWithAClearStatus) {
  User("ca_ro_owner");
  User("ca_ro_member");
  User("ca_ro_outsider");
  ASSERT_EQ(Ctl({"--as", "ca_ro_owner", "rooms", "create", "ca-roleroom"}).exit_code, 0);
  ASSERT_EQ(Ctl({"--as", "ca_ro_member", "rooms", "join", "ca-roleroom"}).exit_code, 0);
  auto stub = Gateway();
  const std::map<std::string, std::string> tokens = {{"ca_ro_owner", Token("ca_ro_owner")},
                                                     {"ca_ro_member", Token("ca_ro_member")}};
  auto set_role = [&](const std::string& as, const std::string& room, const std::string& user,
                      v1::RoomRole role) {
    v1::SetMemberRoleRequest request;
    request.set_room(room);
    request.set_username(user);
    request.set_role(role);
    v1::RoomResponse response;
    auto context = WithToken(tokens.at(as));
    return stub->SetMemberRole(context.get(), request, &response);
  };
  const auto kMod = v1::ROOM_ROLE_MODERATOR;
  struct Case {
    std::string what;
    grpc::Status status;
    grpc::StatusCode code;
  };
  for (const Case& c : std::vector<Case>{
           {"not the owner", set_role("ca_ro_member", "ca-roleroom", "ca_ro_member", kMod),
            grpc::StatusCode::PERMISSION_DENIED},
           {"not a member", set_role("ca_ro_owner", "ca-roleroom", "ca_ro_outsider", kMod),
            grpc::StatusCode::NOT_FOUND},
           {"the lobby", set_role("ca_ro_owner", "lobby", "ca_ro_member", kMod),
            grpc::StatusCode::PERMISSION_DENIED},
           {"the owner themself", set_role("ca_ro_owner", "ca-roleroom", "ca_ro_owner", kMod),
            grpc::StatusCode::INVALID_ARGUMENT},
           {"no role",
            set_role("ca_ro_owner", "ca-roleroom", "ca_ro_member", v1::ROOM_ROLE_UNSPECIFIED),
            grpc::StatusCode::INVALID_ARGUMENT},
           {"an unknown role",
            set_role("ca_ro_owner", "ca-roleroom", "ca_ro_member", static_cast<v1::RoomRole>(7)),
            grpc::StatusCode::INVALID_ARGUMENT}}) {
    EXPECT_EQ(c.status.error_code(), c.code) << c.what << ": " << c.status.error_message();
    EXPECT_FALSE(c.status.error_message().empty()) << c.what;
  }
  auto members = CtlLines({"--as", "ca_ro_owner", "rooms", "members", "ca-roleroom"});
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[1]["role"], "member");
}

// Issue 19, item 13: when the owner leaves, the longest-serving moderator (not the longest-serving
// member) owns the room, and may do what an owner does.
TEST_F(ChatAbuseTest, WhenTheOwnerLeavesAModeratorOwnsTheRoom) {
  for (const char* name : {"ca_he_owner", "ca_he_first", "ca_he_mod"}) User(name);
  ASSERT_EQ(Ctl({"--as", "ca_he_owner", "rooms", "create", "ca-heirroom"}).exit_code, 0);
  ASSERT_EQ(Ctl({"--as", "ca_he_first", "rooms", "join", "ca-heirroom"}).exit_code, 0);
  ASSERT_EQ(Ctl({"--as", "ca_he_mod", "rooms", "join", "ca-heirroom"}).exit_code, 0);
  ASSERT_EQ(Ctl({"--as", "ca_he_owner", "rooms", "mod", "ca-heirroom", "ca_he_mod"}).exit_code, 0);
  json left = CtlJson({"--as", "ca_he_owner", "rooms", "leave", "ca-heirroom"});
  EXPECT_EQ(left["owner"], "ca_he_mod");
  auto members = CtlLines({"--as", "ca_he_first", "rooms", "members", "ca-heirroom"});
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0]["user"], "ca_he_mod");
  EXPECT_EQ(members[0]["role"], "owner");
  EXPECT_EQ(members[1]["role"], "member");
  EXPECT_EQ(CtlJson({"--as", "ca_he_mod", "rooms", "topic", "ca-heirroom", "new hands"})["topic"],
            "new hands");
}

}  // namespace
}  // namespace natter::testing
