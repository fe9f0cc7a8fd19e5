// TLS at the gateway: natterctl connects when it trusts the gateway's CA, and gets a clear error
// when it speaks plaintext to it or trusts another CA; the gateway stays up for everyone else.
#include <gtest/gtest.h>

#include "e2e/stack_test.h"
#include "harness/harness.h"

namespace natter {
namespace {

class TlsTest : public testing::StackTest {
 protected:
  static void SetUpTestSuite() { StartStack({.chat_replicas = 1, .gateways = 1, .tls = true}); }
};

TEST_F(TlsTest, ClientsThatTrustTheCaChatOverTls) {
  User("tia");
  EXPECT_EQ(CtlJson({"--as", "tia", "whoami"})["username"], "tia");
  auto ack = CtlJson({"--as", "tia", "send", "--room", "lobby", "over TLS"});
  EXPECT_EQ(ack["seq"], 1);
  auto history = CtlLines({"--as", "tia", "history", "--room", "lobby"});
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0]["text"], "over TLS");
}

TEST_F(TlsTest, PlaintextAndUntrustedClientsAreRefusedClearly) {
  User("tom");
  auto plaintext = Ctl({"--ca", "", "--as", "tom", "whoami"});
  EXPECT_EQ(plaintext.exit_code, 1);
  EXPECT_EQ(plaintext.err,
            "natterctl: the gateway at " + stack_->gateway_address(0) +
                " closed the connection; if it serves TLS, use --tls or --ca FILE\n");

  testing::TempDir other;
  testing::MakeTestCertificates(other.path());
  auto untrusted = Ctl({"--ca", (other.path() / "ca.pem").string(), "--as", "tom", "whoami"});
  EXPECT_EQ(untrusted.exit_code, 1);
  EXPECT_EQ(untrusted.err, "natterctl: no secure connection to the gateway at " +
                               stack_->gateway_address(0) +
                               " (does it serve TLS, with a certificate the CA given trusts?)\n");

  auto missing = Ctl({"--ca", "/nonexistent/ca.pem", "whoami"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "natterctl: cannot read the CA certificate /nonexistent/ca.pem\n");
  // The gateway is still there for clients that do it right.
  EXPECT_EQ(CtlJson({"--as", "tom", "whoami"})["username"], "tom");
}

}  // namespace
}  // namespace natter
