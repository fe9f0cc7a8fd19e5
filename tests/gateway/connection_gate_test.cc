// The gateway's own listener: connections counted per address and in all from the moment they are
// accepted, refused beyond a limit, and counted free again once their owner has closed them.
#include "connection_gate.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace natter::gateway {
namespace {

using namespace std::chrono_literals;

// Stands in for gRPC: keeps every descriptor it is handed until the test closes it.
class KeepingAcceptor final : public grpc::experimental::ExternalConnectionAcceptor {
 public:
  ~KeepingAcceptor() override {
    for (int fd : fds_) ::close(fd);
  }
  void HandleNewConnection(NewConnectionParameters* p) override {
    std::lock_guard lock(mu_);
    fds_.push_back(p->fd);
    ++handed_;
    cv_.notify_all();
  }
  // Waits until `n` connections have been handed over since the start.
  bool WaitFor(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return handed_ >= n; });
  }
  size_t handed() {
    std::lock_guard lock(mu_);
    return handed_;
  }
  // Closes the oldest connection, as gRPC does when a client goes away.
  void CloseOne() {
    std::lock_guard lock(mu_);
    ::close(fds_.front());
    fds_.erase(fds_.begin());
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<int> fds_;
  size_t handed_ = 0;
};

// A socket connected to 127.0.0.1:`port`, or -1 when the connection is refused.
int TryConnect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int Connect(int port) {
  int fd = TryConnect(port);
  EXPECT_GE(fd, 0) << "connecting to port " << port;
  return fd;
}

// Whether the server closed `fd` (EOF or reset) within a few seconds.
bool ClosedByServer(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 5000) != 1) return false;
  char byte;
  return ::recv(fd, &byte, 1, 0) <= 0;
}

// Whether `fd` is still open at the other end after a moment.
bool StillOpen(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 300) == 0;
}

struct Clients {
  ~Clients() {
    for (int fd : fds) ::close(fd);
  }
  std::vector<int> fds;
};

TEST(ConnectionGateTest, RefusesConnectionsBeyondThePerAddressLimitUntilOneCloses) {
  auto gate = ConnectionGate::Listen("127.0.0.1:0", {.per_address = 2, .total = 100});
  ASSERT_TRUE(gate.ok()) << gate.status();
  KeepingAcceptor grpc;
  (*gate)->Start(&grpc);
  Clients clients;
  clients.fds.push_back(Connect((*gate)->port()));
  clients.fds.push_back(Connect((*gate)->port()));
  ASSERT_TRUE(grpc.WaitFor(2));
  EXPECT_EQ((*gate)->open("ipv4:127.0.0.1"), 2u);

  clients.fds.push_back(Connect((*gate)->port()));
  EXPECT_TRUE(ClosedByServer(clients.fds.back()));
  EXPECT_EQ(grpc.handed(), 2u);
  EXPECT_TRUE(StillOpen(clients.fds[0]));

  grpc.CloseOne();  // a client left: its place is free again
  clients.fds.push_back(Connect((*gate)->port()));
  ASSERT_TRUE(grpc.WaitFor(3));
  EXPECT_TRUE(StillOpen(clients.fds.back()));
  EXPECT_EQ((*gate)->open("ipv4:127.0.0.1"), 2u);
  EXPECT_EQ((*gate)->open("ipv4:10.0.0.1"), 0u);
}

TEST(ConnectionGateTest, RefusesConnectionsBeyondTheTotal) {
  auto gate = ConnectionGate::Listen("127.0.0.1:0", {.per_address = 100, .total = 3});
  ASSERT_TRUE(gate.ok()) << gate.status();
  KeepingAcceptor grpc;
  (*gate)->Start(&grpc);
  Clients clients;
  for (int i = 0; i < 3; ++i) clients.fds.push_back(Connect((*gate)->port()));
  ASSERT_TRUE(grpc.WaitFor(3));
  clients.fds.push_back(Connect((*gate)->port()));
  EXPECT_TRUE(ClosedByServer(clients.fds.back()));
  EXPECT_EQ((*gate)->open_total(), 3u);

  grpc.CloseOne();
  grpc.CloseOne();
  EXPECT_EQ((*gate)->open_total(), 1u);
  clients.fds.push_back(Connect((*gate)->port()));
  ASSERT_TRUE(grpc.WaitFor(4));
}

TEST(ConnectionGateTest, AReusedDescriptorNumberIsNotMistakenForTheConnectionItOnceWas) {
  auto gate = ConnectionGate::Listen("127.0.0.1:0", {.per_address = 1, .total = 100});
  ASSERT_TRUE(gate.ok()) << gate.status();
  KeepingAcceptor grpc;
  (*gate)->Start(&grpc);
  Clients clients;
  clients.fds.push_back(Connect((*gate)->port()));
  ASSERT_TRUE(grpc.WaitFor(1));
  grpc.CloseOne();
  // The freed descriptor number is most likely the next one the process opens: another socket.
  int reused = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  clients.fds.push_back(reused);
  EXPECT_EQ((*gate)->open("ipv4:127.0.0.1"), 0u);
  clients.fds.push_back(Connect((*gate)->port()));
  ASSERT_TRUE(grpc.WaitFor(2));
  EXPECT_TRUE(StillOpen(clients.fds.back()));
}

TEST(ConnectionGateTest, StopClosesTheListenerAndNewConnectionsAreRefused) {
  auto gate = ConnectionGate::Listen("127.0.0.1:0", {});
  ASSERT_TRUE(gate.ok()) << gate.status();
  KeepingAcceptor grpc;
  (*gate)->Start(&grpc);
  int port = (*gate)->port();
  (*gate)->Stop();
  (*gate)->Stop();  // idempotent
  EXPECT_EQ(TryConnect(port), -1);
}

TEST(ConnectionGateTest, AnAddressInUseOrNotValidIsAClearError) {
  auto first = ConnectionGate::Listen("127.0.0.1:0", {});
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = ConnectionGate::Listen("127.0.0.1:" + std::to_string((*first)->port()), {});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("in use"), std::string::npos)
      << second.status().message();

  auto no_port = ConnectionGate::Listen("127.0.0.1", {});
  ASSERT_FALSE(no_port.ok());
  EXPECT_EQ(no_port.status().code(), absl::StatusCode::kInvalidArgument);
  auto bad_host = ConnectionGate::Listen("no such host.invalid:2019", {});
  ASSERT_FALSE(bad_host.ok());
  EXPECT_EQ(bad_host.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ConnectionGateTest, AddressKeysMatchTheCallAdmissionsKeys) {
  sockaddr_storage v4{};
  auto& in4 = reinterpret_cast<sockaddr_in&>(v4);
  in4.sin_family = AF_INET;
  in4.sin_port = htons(5555);
  ::inet_pton(AF_INET, "192.0.2.7", &in4.sin_addr);
  EXPECT_EQ(AddressKey(v4), "ipv4:192.0.2.7");

  sockaddr_storage v6{};
  auto& in6 = reinterpret_cast<sockaddr_in6&>(v6);
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(443);
  ::inet_pton(AF_INET6, "2001:db8:1:2:3:4:5:6", &in6.sin6_addr);
  EXPECT_EQ(AddressKey(v6), "ipv6:[2001:db8:1:2::]/64");
  ::inet_pton(AF_INET6, "::ffff:192.0.2.7", &in6.sin6_addr);
  EXPECT_EQ(AddressKey(v6), "ipv4:192.0.2.7");
}

}  // namespace
}  // namespace natter::gateway
