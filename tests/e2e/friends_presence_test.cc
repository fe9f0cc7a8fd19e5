// End to end for friends and presence: requests to users who are offline, answers that reach the
// requester, presence pushed live (online, away, offline), a gateway killed with SIGKILL, several
// devices, blocking, and the lobby's online list.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "e2e/stack_test.h"
#include "harness/harness.h"

namespace natter {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::JsonLines;

constexpr int kTtlSeconds = 3;

class FriendsPresenceTest : public testing::StackTest {
 protected:
  static void SetUpTestSuite() {
    StartStack({.chat_replicas = 1,
                .gateways = 2,
                .presence_ttl_seconds = kTtlSeconds,
                .heartbeat_seconds = 1});
  }

  // Waits until `listener` printed an event matching `match`.
  static bool Saw(testing::Process& listener, const std::function<bool(const json&)>& match,
                  std::chrono::milliseconds timeout = 20s) {
    return testing::WaitFor(
        [&] {
          for (const auto& e : JsonLines(listener.Stdout())) {
            if (match(e)) return true;
          }
          return false;
        },
        timeout);
  }
  static std::function<bool(const json&)> Presence(const std::string& user,
                                                   const std::string& status) {
    return [=](const json& e) {
      return e.value("type", "") == "presence" && e.value("user", "") == user &&
             e.value("status", "") == status;
    };
  }
  static std::string StatusOf(const std::string& viewer, const std::string& user) {
    auto r = Ctl({"--as", viewer, "presence", user});
    if (r.exit_code != 0) return "error: " + r.err;
    return json::parse(r.out)["status"];
  }
};

TEST_F(FriendsPresenceTest,
       ARequestToAnOfflineUserArrivesOnConnectAndTheAcceptanceReachesTheRequester) {
  User("ada");
  User("bea");
  // Bea is not connected anywhere.
  auto sent = CtlJson({"--as", "ada", "friends", "add", "bea", "--message", "coffee?"});
  EXPECT_EQ(sent["relation"], "request_sent");

  auto bea = Listen("bea", 1, {"--type", "friend_request", "--count", "1"});
  ASSERT_EQ(bea->Wait(20s), 0) << bea->Stderr();
  auto request = JsonLines(bea->Stdout());
  ASSERT_EQ(request.size(), 1u);
  EXPECT_EQ(request[0]["from"], "ada");
  EXPECT_EQ(request[0]["direction"], "incoming");
  EXPECT_EQ(request[0]["message"], "coffee?");

  // Ada is offline while Bea accepts; she hears of it when she next connects.
  EXPECT_EQ(CtlJson({"--as", "bea", "friends", "accept", "ada"})["relation"], "friends");
  auto ada = Listen("ada", 0, {"--type", "friend_added", "--count", "1"});
  ASSERT_EQ(ada->Wait(20s), 0) << ada->Stderr();
  auto added = JsonLines(ada->Stdout());
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0]["user"], "bea");

  json list = CtlJson({"--as", "ada", "friends"});
  ASSERT_EQ(list["friends"].size(), 1u);
  EXPECT_EQ(list["friends"][0]["user"], "bea");
  EXPECT_TRUE(list["incoming_requests"].empty());
  // Events already shown are not shown again: a new listener sees nothing old.
  auto again = Listen("ada", 0, {"--type", "friend_added", "--count", "1", "--timeout", "2"});
  EXPECT_EQ(again->Wait(10s), 0);
  EXPECT_EQ(again->Stdout(), "");
}

TEST_F(FriendsPresenceTest, ARejectionReachesTheRequester) {
  User("cid");
  User("dot");
  auto cid = Listen("cid", 0, {"--type", "friend_request_rejected", "--count", "1"});
  ASSERT_EQ(CtlJson({"--as", "cid", "friends", "add", "dot"})["relation"], "request_sent");
  ASSERT_EQ(CtlJson({"--as", "dot", "friends", "reject", "cid"})["relation"], "none");
  ASSERT_EQ(cid->Wait(20s), 0) << cid->Stderr();
  auto events = JsonLines(cid->Stdout());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["user"], "dot");
}

TEST_F(FriendsPresenceTest, AliceSeesBobOnlineAwayAndOffline) {
  User("alice");
  User("bob");
  Friends("alice", "bob");
  auto alice = Listen("alice", 0, {"--type", "presence"});
  EXPECT_EQ(StatusOf("alice", "bob"), "offline");

  auto bob = Listen("bob", 1, {"--type", "message"});
  EXPECT_TRUE(Saw(*alice, Presence("bob", "online"))) << alice->Stdout();
  EXPECT_EQ(CtlJson({"--as", "bob", "status", "away"})["visible_as"], "away");
  EXPECT_TRUE(Saw(*alice, Presence("bob", "away"))) << alice->Stdout();
  EXPECT_EQ(StatusOf("alice", "bob"), "away");
  CtlJson({"--as", "bob", "status", "online"});
  bob->Stop();
  EXPECT_TRUE(Saw(*alice, [](const json& e) {
    return e.value("type", "") == "presence" && e.value("user", "") == "bob" &&
           e.value("status", "") == "offline" && e.contains("last_seen");
  })) << alice->Stdout();
}

TEST_F(FriendsPresenceTest, KillingTheGatewayOfAUserMakesThemOfflineWithinTheTtl) {
  User("erin");
  User("finn");
  Friends("erin", "finn");
  auto erin = Listen("erin", 0, {"--type", "presence"});
  auto finn = Listen("finn", 1, {"--type", "message"});
  ASSERT_TRUE(Saw(*erin, Presence("finn", "online"))) << erin->Stdout();

  stack_->gateway(1).Signal(SIGKILL);
  ASSERT_TRUE(stack_->gateway(1).Wait(5s).has_value());
  finn->Stop();  // its client would otherwise reconnect elsewhere and be online again
  // The TTL is 3 s and the sweeper runs every 0.2 s; allow generously for a loaded machine.
  EXPECT_TRUE(Saw(*erin, Presence("finn", "offline"), std::chrono::seconds(kTtlSeconds + 12)))
      << erin->Stdout();
  stack_->StartGateway(1);
}

TEST_F(FriendsPresenceTest, ClosingOneOfTwoDevicesKeepsTheUserOnline) {
  User("gus");
  User("hal");
  Friends("gus", "hal");
  auto laptop = Listen("hal", 0, {"--type", "message"});
  auto phone = Listen("hal", 1, {"--type", "message"});
  ASSERT_TRUE(testing::WaitFor([] { return StatusOf("gus", "hal") == "online"; }, 10s));
  laptop->Stop();
  // Give a wrongful "offline" every chance to show before checking it did not.
  auto watcher = Listen("gus", 0, {"--type", "presence", "--count", "1", "--timeout", "2"});
  EXPECT_EQ(watcher->Wait(10s), 0);
  EXPECT_EQ(watcher->Stdout(), "");
  EXPECT_EQ(StatusOf("gus", "hal"), "online");
  phone->Stop();
  EXPECT_TRUE(testing::WaitFor([] { return StatusOf("gus", "hal") == "offline"; }, 10s));
}

TEST_F(FriendsPresenceTest, InvisibleUsersLookOfflineAndBlockedUsersSeeNothing) {
  User("ivy");
  User("jon");
  User("kim");
  Friends("ivy", "jon");
  auto jon = Listen("jon", 0, {"--type", "message"});
  ASSERT_TRUE(testing::WaitFor([] { return StatusOf("ivy", "jon") == "online"; }, 10s));
  CtlJson({"--as", "jon", "status", "invisible"});
  EXPECT_TRUE(testing::WaitFor([] { return StatusOf("ivy", "jon") == "offline"; }, 10s));
  CtlJson({"--as", "jon", "status", "online"});

  // Presence is for friends only.
  auto stranger = Ctl({"--as", "kim", "presence", "jon"});
  EXPECT_NE(stranger.exit_code, 0);
  EXPECT_EQ(stranger.err,
            "natterctl: jon is not your friend; presence is shared with friends only\n");
  // Blocking ends the friendship and refuses new requests from the blocked side.
  EXPECT_EQ(CtlJson({"--as", "jon", "block", "ivy"})["relation"], "blocked");
  EXPECT_NE(Ctl({"--as", "ivy", "presence", "jon"}).exit_code, 0);
  auto request = Ctl({"--as", "ivy", "friends", "add", "jon"});
  EXPECT_NE(request.exit_code, 0);
  EXPECT_EQ(request.err, "natterctl: you cannot send jon a friend request\n");
  // Nor does the lobby's list show jon to ivy, while kim sees him.
  auto names = [](const json& online) {
    std::vector<std::string> out;
    for (const auto& u : online["users"]) out.push_back(u["user"]);
    return out;
  };
  auto for_kim = names(CtlJson({"--as", "kim", "online"}));
  EXPECT_NE(std::find(for_kim.begin(), for_kim.end(), "jon"), for_kim.end());
  auto for_ivy = names(CtlJson({"--as", "ivy", "online"}));
  EXPECT_EQ(std::find(for_ivy.begin(), for_ivy.end(), "jon"), for_ivy.end());
}

TEST_F(FriendsPresenceTest, AFriendsProfileChangeArrivesLive) {
  User("mia");
  User("ned");
  User("oli");
  Friends("mia", "ned");
  auto ned = Listen("ned", 1, {"--type", "profile", "--count", "1"});
  auto oli = Listen("oli", 0, {"--type", "profile", "--count", "1", "--timeout", "4"});
  CtlJson({"--as", "mia", "profile", "set", "--display-name", "Mia M."});
  ASSERT_EQ(ned->Wait(20s), 0) << ned->Stderr();
  auto events = JsonLines(ned->Stdout());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["user"], "mia");
  EXPECT_EQ(events[0]["display_name"], "Mia M.");
  // Not a friend: not told.
  EXPECT_EQ(oli->Wait(20s), 0);
  EXPECT_EQ(oli->Stdout(), "");
  // The friend list carries the new name too.
  EXPECT_EQ(CtlJson({"--as", "ned", "friends"})["friends"][0]["display_name"], "Mia M.");
}

TEST_F(FriendsPresenceTest, EveryArrivalInTheLobbyIsNamedOrCounted) {
  for (const char* name : {"rio", "sam", "tia", "uma"}) User(name);
  auto rio = Listen("rio", 0, {"--type", "room_notice"});
  std::vector<std::unique_ptr<testing::Process>> crowd;
  for (const char* name : {"sam", "tia", "uma"}) crowd.push_back(Listen(name, 1));
  // Arrivals within a second of the room's last notice are folded into its next one, which names
  // the latest (uma) and counts the others.
  std::string seen;
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        int joined = 0;
        bool uma_named = false;
        seen.clear();
        for (const auto& e : JsonLines(rio->Stdout())) {
          if (e.value("room", "") != "lobby") continue;
          seen += e.dump() + "\n";
          joined += (e.value("event", "") == "joined" ? 1 : 0) + e.value("others_joined", 0);
          uma_named |= e.value("user", "") == "uma" && e.value("event", "") == "joined";
        }
        return joined >= 3 && uma_named;
      },
      20s))
      << seen;
}

TEST_F(FriendsPresenceTest, TheLobbyListsWhoIsOnline) {
  User("lea");
  auto lea = Listen("lea", 1, {"--type", "message"});
  EXPECT_TRUE(testing::WaitFor(
      [] {
        json online = CtlJson({"--as", "lea", "online"});
        for (const auto& u : online["users"]) {
          if (u["user"] == "lea") return online["room"] == "lobby" && online["online"] >= 1;
        }
        return false;
      },
      10s));
  auto other = Ctl({"--as", "lea", "online", "--room", "nowhere"});
  EXPECT_EQ(other.err, "natterctl: no room named \"nowhere\"\n");
}

}  // namespace
}  // namespace natter
