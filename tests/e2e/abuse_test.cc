// Abuse: the regression test of each hole found when Natter was tried from outside as an attacker
// would (issue 19). Each test does what the attacker did against a real stack and checks that it no
// longer works, that the answer is a clear status, and that honest users are untouched.
#include <grpcpp/grpcpp.h>

#include <chrono>
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
