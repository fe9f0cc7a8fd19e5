// Abuse: the regression test of each hole found when Natter was tried from outside as an attacker
// would (issue 19). Each test does what the attacker did against a real stack and checks that it no
// longer works, that the answer is a clear status, and that honest users are untouched.
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "natter/v1/gateway.grpc.pb.h"
#include "raw_stream.h"
#include "stack_test.h"

namespace natter::testing {
namespace {

using namespace std::chrono_literals;

// ---------------------------------------------------------------------------------------------
// The gateway: memory, frames, connections, presence across a block.

class GatewayAbuseTest : public StackTest {
 protected:
  static void SetUpTestSuite() { StartStack({.chat_replicas = 1, .gateways = 1}); }
};

// The value of a counter or gauge `series` in Prometheus text, or -1 when it is not there.
double Sample(const std::string& metrics, const std::string& series) {
  size_t at = metrics.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(metrics.substr(at + series.size() + 2));
}

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
        return Sample(HttpGet(metrics, "/metrics"), "natter_gateway_reads_paused_total") >= 1;
      },
      30s));
  EXPECT_TRUE(WaitFor(
      [&] {
        return Sample(HttpGet(metrics, "/metrics"), "natter_gateway_slow_client_drops_total") >= 1;
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
  static void SetUpTestSuite() { StartStack({.chat_replicas = 1, .gateways = 1}); }
};

// ---------------------------------------------------------------------------------------------
// Chat: direct messages after unfriending, room floods, bans, replayed client_msg_ids.

class ChatAbuseTest : public StackTest {
 protected:
  static void SetUpTestSuite() { StartStack({.chat_replicas = 1, .gateways = 1}); }
};

}  // namespace
}  // namespace natter::testing
