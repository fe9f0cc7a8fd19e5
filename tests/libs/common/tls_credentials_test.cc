// TLS credentials of the servers (common/grpc_server.h) against a real gRPC server on loopback:
// a service's certificate is checked against the name the caller expects, and certificate files
// renewed in place are served to new connections without a restart (issue 22 item 8).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/grpc_server.h"
#include "harness/harness.h"

namespace natter {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Whether a new channel with `credentials` (and `server_name`, if any) completes its TLS handshake
// with the server on `port`.
bool Connects(int port, std::shared_ptr<grpc::ChannelCredentials> credentials,
              const std::string& server_name = "") {
  grpc::ChannelArguments args;
  if (!server_name.empty()) args.SetSslTargetNameOverride(server_name);
  args.SetInt("grpc.use_local_subchannel_pool", 1);  // a fresh connection, not a shared one
  auto channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port), credentials, args);
  return channel->WaitForConnected(std::chrono::system_clock::now() + 3s);
}

std::shared_ptr<grpc::ChannelCredentials> Trusting(const fs::path& ca) {
  std::stringstream pem;
  pem << std::ifstream(ca).rdbuf();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = pem.str();
  return grpc::SslCredentials(options);
}

TEST(TlsCredentialsTest, AServiceCertificateIsCheckedAgainstTheNameTheCallerExpects) {
  testing::TempDir dir;
  testing::MakeTestCertificates(dir.path());
  ServiceTls tls{.ca_file = (dir.path() / "ca.pem").string(),
                 .cert_file = (dir.path() / "server.pem").string(),
                 .key_file = (dir.path() / "server.key").string()};
  auto credentials = LoadServiceCredentials(tls);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  GrpcServer server("tls-test");
  ASSERT_TRUE(server.Start("127.0.0.1:0", credentials->server).ok());

  EXPECT_TRUE(Connects(server.port(), credentials->channel, "localhost"));
  EXPECT_FALSE(Connects(server.port(), credentials->channel, "chat.elsewhere.example"))
      << "the certificate names localhost only";
  // A caller without a certificate of the CA gets no connection (mutual TLS).
  EXPECT_FALSE(Connects(server.port(), Trusting(dir.path() / "ca.pem"), "localhost"));
}

TEST(TlsCredentialsTest, ACertificateRenewedInPlaceIsServedWithoutARestart) {
  testing::TempDir first, renewed, live;
  testing::MakeTestCertificates(first.path());
  testing::MakeTestCertificates(renewed.path());  // another CA
  const fs::path cert = live.path() / "tls.crt", key = live.path() / "tls.key";
  // Replaced the way a Kubernetes secret volume is: a new file renamed over the old one.
  auto install = [&](const fs::path& from) {
    fs::copy_file(from / "server.key", live.path() / "new.key");
    fs::copy_file(from / "server.pem", live.path() / "new.crt");
    fs::rename(live.path() / "new.key", key);
    fs::rename(live.path() / "new.crt", cert);
  };
  install(first.path());
  auto credentials = TlsServerCredentials(cert.string(), key.string(), /*reload_seconds=*/1);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  GrpcServer server("tls-test");
  ASSERT_TRUE(server.Start("127.0.0.1:0", *credentials).ok());
  ASSERT_TRUE(Connects(server.port(), Trusting(first.path() / "ca.pem")));

  install(renewed.path());
  EXPECT_TRUE(testing::WaitFor(
      [&] { return Connects(server.port(), Trusting(renewed.path() / "ca.pem")); }, 15s))
      << "the renewed certificate is served";
  EXPECT_FALSE(Connects(server.port(), Trusting(first.path() / "ca.pem")));

  // A broken renewal (not a pair) stops new handshakes, as gRPC's file watcher does, until a good
  // pair is back; the server itself carries on.
  std::ofstream(cert) << "not a certificate";
  EXPECT_TRUE(testing::WaitFor(
      [&] { return !Connects(server.port(), Trusting(renewed.path() / "ca.pem")); }, 15s));
  install(renewed.path());
  EXPECT_TRUE(testing::WaitFor(
      [&] { return Connects(server.port(), Trusting(renewed.path() / "ca.pem")); }, 15s));
}

TEST(TlsCredentialsTest, MissingFilesAreAClearErrorAtStart) {
  auto missing = TlsServerCredentials("/nonexistent/tls.crt", "/nonexistent/tls.key");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.status().message(), "cannot read the TLS certificate /nonexistent/tls.crt");
}

}  // namespace
}  // namespace natter
