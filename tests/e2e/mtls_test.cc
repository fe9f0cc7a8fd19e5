// Mutual TLS between the services: with --service-ca/--service-cert/--service-key every internal
// service serves TLS, asks each caller for a certificate signed by the service CA, and calls the
// others with its own. The platform works end to end; a caller without that certificate (plaintext,
// TLS without a client certificate, or one from another CA) is refused before any RPC runs; the
// plaintext health port answers health checks and nothing else.
#include <grpcpp/grpcpp.h>

#include <fstream>
#include <sstream>

#include "grpc/health/v1/health.grpc.pb.h"
#include "natter/v1/auth.grpc.pb.h"
#include "stack_test.h"

namespace natter::testing {
namespace {

using namespace std::chrono_literals;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class MutualTlsTest : public StackTest {
 protected:
  // Two chat replicas: the gateway's and presence's channels to chat list both addresses, so the
  // certificate is checked against --service-server-name.
  static void SetUpTestSuite() { StartStack({.chat_replicas = 2, .gateways = 1, .mtls = true}); }

  // ValidateToken on natter-auth through `credentials`: the status says whether the call got in.
  static grpc::Status CallAuth(std::shared_ptr<grpc::ChannelCredentials> credentials) {
    auto stub = v1::Auth::NewStub(grpc::CreateChannel(stack_->auth_address(), credentials));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    v1::ValidateTokenRequest request;
    request.set_token("not-a-token");
    v1::ValidateTokenResponse response;
    return stub->ValidateToken(&context, request, &response);
  }
  static grpc::SslCredentialsOptions TrustingServiceCa() {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ReadFile(stack_->service_tls_dir() / "ca.pem");
    return options;
  }
};

TEST_F(MutualTlsTest, MessagesFlowEndToEndOverMutualTls) {
  User("ann");
  User("ben");
  Friends("ann", "ben");
  auto listener = Listen("ben", 0, {"--count", "1", "--type", "message"});
  auto sent = Ctl({"--as", "ann", "send", "--to", "ben", "over mutual TLS"});
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  ASSERT_EQ(listener->Wait(30s), 0) << listener->Stderr();
  auto lines = JsonLines(listener->Stdout());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["text"], "over mutual TLS");
}

TEST_F(MutualTlsTest, TheRightCertificateGetsIn) {
  grpc::SslCredentialsOptions options = TrustingServiceCa();
  options.pem_cert_chain = ReadFile(stack_->service_tls_dir() / "server.pem");
  options.pem_private_key = ReadFile(stack_->service_tls_dir() / "server.key");
  // In: natter-auth answered the call itself.
  EXPECT_EQ(CallAuth(grpc::SslCredentials(options)).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(MutualTlsTest, CallersWithoutTheServiceCertificateAreRefused) {
  EXPECT_EQ(CallAuth(grpc::InsecureChannelCredentials()).error_code(),
            grpc::StatusCode::UNAVAILABLE)
      << "plaintext";
  EXPECT_EQ(CallAuth(grpc::SslCredentials(TrustingServiceCa())).error_code(),
            grpc::StatusCode::UNAVAILABLE)
      << "TLS without a client certificate";
  // A certificate from another CA, valid in every other way.
  const fs::path other = stack_->dir() / "other-ca";
  MakeTestCertificates(other);
  grpc::SslCredentialsOptions options = TrustingServiceCa();
  options.pem_cert_chain = ReadFile(other / "server.pem");
  options.pem_private_key = ReadFile(other / "server.key");
  EXPECT_EQ(CallAuth(grpc::SslCredentials(options)).error_code(), grpc::StatusCode::UNAVAILABLE)
      << "a client certificate from another CA";
}

TEST_F(MutualTlsTest, TheHealthPortAnswersHealthChecksAndNothingElse) {
  for (const char* name : {"auth", "presence", "chat-1", "gateway-1"}) {
    EXPECT_TRUE(IsServing(stack_->health_address(name))) << name;
  }
  auto stub = v1::Auth::NewStub(
      grpc::CreateChannel(stack_->health_address("auth"), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  v1::ValidateTokenRequest request;
  v1::ValidateTokenResponse response;
  EXPECT_EQ(stub->ValidateToken(&context, request, &response).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

}  // namespace
}  // namespace natter::testing
