// The discovery probe and answer: exactly the documented request is answered, over real UDP on
// loopback.
#include "discovery.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace natter::gateway {
namespace {

TEST(DiscoveryTest, RecognizesOnlyTheProbe) {
  EXPECT_TRUE(IsDiscoveryProbe("NATTER-DISCOVER 1\n"));
  EXPECT_TRUE(IsDiscoveryProbe("NATTER-DISCOVER 1"));
  EXPECT_TRUE(IsDiscoveryProbe("  NATTER-DISCOVER 1\r\n"));
  EXPECT_FALSE(IsDiscoveryProbe("NATTER-DISCOVER 2\n"));
  EXPECT_FALSE(IsDiscoveryProbe("REQUEST FOR IP ADDRESS AND SERVERPORT"));
  EXPECT_FALSE(IsDiscoveryProbe(""));
  EXPECT_FALSE(IsDiscoveryProbe(std::string(200, 'x')));
  EXPECT_FALSE(IsDiscoveryProbe(std::string("NATTER-DISCOVER 1\0junk", 22)));
}

TEST(DiscoveryTest, AnswerNamesAddressAndGateway) {
  EXPECT_EQ(DiscoveryAnswer("10.0.0.5:2019", "gw-1"), "NATTER-GATEWAY 1 10.0.0.5:2019 gw-1\n");
}

// A free UDP port on loopback.
int FreeUdpPort() {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t length = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Sends `datagram` to 127.0.0.1:port and returns the answer, or "" after 2 s.
std::string Ask(int port, const std::string& datagram) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  pollfd p{fd, POLLIN, 0};
  std::string answer;
  if (::poll(&p, 1, 2000) > 0) {
    char buffer[512];
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) answer.assign(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return answer;
}

TEST(DiscoveryTest, AGatewayAnswersTheProbeAndIgnoresTheRest) {
  int port = FreeUdpPort();
  std::string listen = "127.0.0.1:" + std::to_string(port);
  DiscoveryResponder responder(listen, "", "gw-test");
  ASSERT_TRUE(responder.Start().ok());
  EXPECT_EQ(Ask(port, "NATTER-DISCOVER 1\n"), "NATTER-GATEWAY 1 " + listen + " gw-test\n");
  EXPECT_EQ(Ask(port, "hello?"), "");
}

TEST(DiscoveryTest, AWildcardGatewayAnswersWithTheAddressTheProbeReached) {
  int port = FreeUdpPort();
  DiscoveryResponder responder("0.0.0.0:" + std::to_string(port), "", "gw-any");
  ASSERT_TRUE(responder.Start().ok());
  EXPECT_EQ(Ask(port, "NATTER-DISCOVER 1\n"),
            "NATTER-GATEWAY 1 127.0.0.1:" + std::to_string(port) + " gw-any\n");
}

TEST(DiscoveryTest, AdvertisedAddressWins) {
  int port = FreeUdpPort();
  DiscoveryResponder responder("127.0.0.1:" + std::to_string(port), "chat.example.org:443", "g");
  ASSERT_TRUE(responder.Start().ok());
  EXPECT_EQ(Ask(port, "NATTER-DISCOVER 1"), "NATTER-GATEWAY 1 chat.example.org:443 g\n");
}

}  // namespace
}  // namespace natter::gateway
