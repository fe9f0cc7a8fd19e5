// ClientAdmission: calls and streams in flight per client address and in all, each held by a lease
// until it ends.
#include "client_admission.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "gateway_metrics.h"

namespace natter::gateway {
namespace {

using ::testing::HasSubstr;
using Lease = ClientAdmission::Lease;

TEST(ClientAdmissionTest, TheAddressIsThePeerWithoutItsPort) {
  EXPECT_EQ(ClientAdmission::AddressOf("ipv4:10.1.2.3:5678"), "ipv4:10.1.2.3");
  EXPECT_EQ(ClientAdmission::AddressOf("unix:/run/natter.sock"), "unix:/run/natter.sock");
}

TEST(ClientAdmissionTest, AnIpv6ClientCountsByItsSlash64AndAMappedIpv4OneAsIpv4) {
  // One subscriber's /64 holds 2^64 addresses: all of them are one client address.
  EXPECT_EQ(ClientAdmission::AddressOf("ipv6:[2001:db8:1:2:3:4:5:6]:443"),
            "ipv6:[2001:db8:1:2::]/64");
  EXPECT_EQ(ClientAdmission::AddressOf("ipv6:[2001:db8:1:2:ffff::9]:80"),
            "ipv6:[2001:db8:1:2::]/64");
  EXPECT_NE(ClientAdmission::AddressOf("ipv6:[2001:db8:1:3::1]:80"),
            ClientAdmission::AddressOf("ipv6:[2001:db8:1:2::1]:80"));
  EXPECT_EQ(ClientAdmission::AddressOf("ipv6:[::1]:5678"), "ipv6:[::]/64");
  // Dual-stack listeners see IPv4 clients as ::ffff:a.b.c.d; they must not share one /64.
  EXPECT_EQ(ClientAdmission::AddressOf("ipv6:[::ffff:10.1.2.3]:5678"), "ipv4:10.1.2.3");
  EXPECT_NE(ClientAdmission::AddressOf("ipv6:[::ffff:10.1.2.3]:5678"),
            ClientAdmission::AddressOf("ipv6:[::ffff:10.1.2.4]:5678"));
}

TEST(ClientAdmissionTest, OneAddressGetsItsLimitAndOthersAreUntouched) {
  ClientAdmission admission({.per_address = 3, .streams = 100, .unary_calls = 100});
  std::vector<std::unique_ptr<Lease>> held(3);
  for (int i = 0; i < 3; ++i) {
    // Different ports of one address: different connections of one machine.
    ASSERT_TRUE(
        admission.Admit("ipv4:10.0.0.1:" + std::to_string(4000 + i), i == 0, &held[i]).ok());
  }
  std::unique_ptr<Lease> refused;
  grpc::Status status = admission.Admit("ipv4:10.0.0.1:5000", false, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("too many calls and streams from your address"));
  EXPECT_EQ(refused, nullptr);

  std::unique_ptr<Lease> other;
  EXPECT_TRUE(admission.Admit("ipv4:10.0.0.2:4000", false, &other).ok());

  held[1].reset();  // one call ended
  std::unique_ptr<Lease> again;
  EXPECT_TRUE(admission.Admit("ipv4:10.0.0.1:5000", false, &again).ok());
  EXPECT_EQ(admission.in_flight("ipv4:10.0.0.1:1"), 3u);
}

TEST(ClientAdmissionTest, AFullGatewaySendsNewStreamsElsewhereButStillServesCalls) {
  ClientAdmission admission({.per_address = 100, .streams = 2, .unary_calls = 1});
  std::unique_ptr<Lease> a, b, c, call, second_call;
  ASSERT_TRUE(admission.Admit("ipv4:10.0.0.1:1", true, &a).ok());
  ASSERT_TRUE(admission.Admit("ipv4:10.0.0.2:1", true, &b).ok());
  grpc::Status full = admission.Admit("ipv4:10.0.0.3:1", true, &c);
  EXPECT_EQ(full.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(full.error_message(), HasSubstr("connect to another"));
  EXPECT_TRUE(admission.Admit("ipv4:10.0.0.3:1", false, &call).ok());
  EXPECT_EQ(admission.Admit("ipv4:10.0.0.4:1", false, &second_call).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  a.reset();
  EXPECT_TRUE(admission.Admit("ipv4:10.0.0.3:1", true, &c).ok());
}

TEST(ClientAdmissionTest, RefusedStreamsAreCountedByTheLimitTheyMetAndTheCapIsPublished) {
  auto& metrics = GatewayMetrics::Get();
  ClientAdmission admission({.per_address = 2, .streams = 3, .unary_calls = 10});
  EXPECT_EQ(metrics.streams_max.Value(), 3);
  const double full_before = metrics.streams_refused_gateway.Value();
  const double address_before = metrics.streams_refused_per_address.Value();

  std::unique_ptr<Lease> a, b, c, d, e, call;
  ASSERT_TRUE(admission.Admit("ipv4:10.0.0.1:1", true, &a).ok());
  ASSERT_TRUE(admission.Admit("ipv4:10.0.0.1:2", true, &b).ok());
  // The address is at its limit: RESOURCE_EXHAUSTED, counted as per_address.
  EXPECT_EQ(admission.Admit("ipv4:10.0.0.1:3", true, &c).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(metrics.streams_refused_per_address.Value(), address_before + 1);
  ASSERT_TRUE(admission.Admit("ipv4:10.0.0.2:1", true, &c).ok());
  // The gateway is at its cap: UNAVAILABLE, counted as gateway.
  grpc::Status full = admission.Admit("ipv4:10.0.0.3:1", true, &d);
  EXPECT_EQ(full.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(full.error_message(),
            "this gateway is full; try again in a moment or connect to another");
  EXPECT_EQ(metrics.streams_refused_gateway.Value(), full_before + 1);
  // A unary call is not a stream: it is admitted, and refusing one would not count here.
  EXPECT_TRUE(admission.Admit("ipv4:10.0.0.3:1", false, &call).ok());
  EXPECT_EQ(metrics.streams_refused_gateway.Value(), full_before + 1);
  EXPECT_EQ(metrics.streams_refused_per_address.Value(), address_before + 1);

  c.reset();  // one stream ended: room again
  EXPECT_TRUE(admission.Admit("ipv4:10.0.0.3:1", true, &e).ok());
}

TEST(ClientAdmissionTest, TheDefaultStreamCapIsBounded) {
  // No "no cap": the default holds what one gateway was measured to carry (BENCHMARKS.md, P3).
  AdmissionLimits defaults;
  EXPECT_EQ(defaults.streams, 20'000u);
}

}  // namespace
}  // namespace natter::gateway
