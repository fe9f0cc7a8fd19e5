// End to end for private rooms through natterctl (issue 23 item 6): a non-member neither sees nor
// joins one; an invitation sent while the invitee is offline reaches them and their answer the
// inviter; a since-join member cannot read earlier history; a muted member cannot send.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "e2e/stack_test.h"
#include "harness/harness.h"

namespace natter {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::JsonLines;

class PrivateRoomsTest : public testing::StackTest {
 protected:
  static void SetUpTestSuite() { StartStack({.chat_replicas = 2, .gateways = 2}); }

  static std::vector<std::string> RoomNames(const std::string& user) {
    std::vector<std::string> out;
    for (const auto& r : CtlLines({"--as", user, "rooms", "list"})) out.push_back(r["name"]);
    return out;
  }
};

TEST_F(PrivateRoomsTest, ANonMemberCannotSeeOrJoinAPrivateRoomUntilInvited) {
  User("pia");
  User("quin");
  json room = CtlJson({"--as", "pia", "rooms", "create", "backroom", "--private"});
  EXPECT_EQ(room["private"], true);
  EXPECT_EQ(room["members"], 1);

  EXPECT_EQ(RoomNames("quin"), std::vector<std::string>{"lobby"});
  auto join = Ctl({"--as", "quin", "rooms", "join", "backroom"});
  EXPECT_EQ(join.exit_code, 1);
  EXPECT_EQ(join.err, "natterctl: no room named \"backroom\"\n");
  auto send = Ctl({"--as", "quin", "send", "--room", "backroom", "let me in"});
  EXPECT_EQ(send.exit_code, 1);
  EXPECT_EQ(send.err, "natterctl: no room named \"backroom\"\n");
  auto invite = Ctl({"--as", "quin", "rooms", "invite", "backroom", "pia"});
  EXPECT_EQ(invite.exit_code, 1);
  EXPECT_EQ(invite.err, "natterctl: no room named \"backroom\"\n");

  // Quin is offline when invited; the invitation waits for him.
  ASSERT_EQ(Ctl({"--as", "pia", "rooms", "invite", "backroom", "quin"}).exit_code, 0);
  auto quin = Listen("quin", 1, {"--type", "invitation_invited", "--count", "1"});
  ASSERT_EQ(quin->Wait(20s), 0) << quin->Stderr();
  auto invited = JsonLines(quin->Stdout());
  ASSERT_EQ(invited.size(), 1u);
  EXPECT_EQ(invited[0]["room"], "backroom");
  EXPECT_EQ(invited[0]["inviter"], "pia");
  auto pending = CtlLines({"--as", "quin", "invitations"});
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0]["room"], "backroom");

  // Pia is offline when he accepts; she hears of it when she next connects.
  json joined = CtlJson({"--as", "quin", "invitation", "accept", "backroom"});
  EXPECT_EQ(joined["members"], 2);
  auto pia = Listen("pia", 0, {"--type", "invitation_accepted", "--count", "1"});
  ASSERT_EQ(pia->Wait(20s), 0) << pia->Stderr();
  auto accepted = JsonLines(pia->Stdout());
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0]["invitee"], "quin");
  EXPECT_TRUE(CtlLines({"--as", "quin", "invitations"}).empty());
  EXPECT_EQ(RoomNames("quin"), (std::vector<std::string>{"backroom", "lobby"}));
  EXPECT_EQ(CtlJson({"--as", "quin", "send", "--room", "backroom", "thanks"})["seq"], 3);
}

TEST_F(PrivateRoomsTest, ADeclinedInvitationIsToldToTheInviter) {
  User("rae");
  User("sol");
  ASSERT_EQ(Ctl({"--as", "rae", "rooms", "create", "study", "--private"}).exit_code, 0);
  auto rae = Listen("rae", 0, {"--type", "invitation_declined", "--count", "1"});
  ASSERT_EQ(Ctl({"--as", "rae", "rooms", "invite", "study", "sol"}).exit_code, 0);
  ASSERT_EQ(Ctl({"--as", "sol", "invitation", "decline", "study"}).exit_code, 0);
  ASSERT_EQ(rae->Wait(20s), 0) << rae->Stderr();
  EXPECT_EQ(JsonLines(rae->Stdout()).at(0)["invitee"], "sol");
  auto join = Ctl({"--as", "sol", "rooms", "join", "study"});
  EXPECT_EQ(join.err, "natterctl: no room named \"study\"\n");
}

TEST_F(PrivateRoomsTest, ASinceJoinMemberCannotReadEarlierHistory) {
  User("tam");
  User("ulf");
  json room =
      CtlJson({"--as", "tam", "rooms", "create", "vault", "--private", "--history", "since-join"});
  EXPECT_EQ(room["history"], "since-join");
  ASSERT_EQ(Ctl({"--as", "tam", "send", "--room", "vault", "before ulf"}).exit_code, 0);
  ASSERT_EQ(Ctl({"--as", "tam", "rooms", "invite", "vault", "ulf"}).exit_code, 0);
  ASSERT_EQ(Ctl({"--as", "ulf", "invitation", "accept", "vault"}).exit_code, 0);
  ASSERT_EQ(Ctl({"--as", "tam", "send", "--room", "vault", "after ulf"}).exit_code, 0);

  std::vector<std::string> seen;
  for (const auto& m : CtlLines({"--as", "ulf", "history", "--room", "vault"})) {
    seen.push_back(m["type"].get<std::string>() + ":" + m["text"].get<std::string>());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"member_joined:", "message:after ulf"}));
  EXPECT_EQ(CtlLines({"--as", "tam", "history", "--room", "vault"}).size(), 4u);

  // Once the owner opens the history, it is all his to read.
  ASSERT_EQ(Ctl({"--as", "tam", "rooms", "history", "vault", "all"}).exit_code, 0);
  EXPECT_EQ(CtlLines({"--as", "ulf", "history", "--room", "vault"}).size(), 5u);
}

TEST_F(PrivateRoomsTest, AMutedMemberCannotSendUntilUnmuted) {
  User("vic");
  User("wes");
  ASSERT_EQ(Ctl({"--as", "vic", "rooms", "create", "stage"}).exit_code, 0);
  ASSERT_EQ(Ctl({"--as", "wes", "rooms", "join", "stage"}).exit_code, 0);
  ASSERT_EQ(Ctl({"--as", "vic", "rooms", "mute", "stage", "wes", "--for", "1h"}).exit_code, 0);
  auto refused = Ctl({"--as", "wes", "send", "--room", "stage", "can you hear me"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("a moderator muted you in room \"stage\" until "), std::string::npos)
      << refused.err;
  auto members = CtlLines({"--as", "vic", "rooms", "members", "stage"});
  ASSERT_EQ(members.size(), 2u);
  EXPECT_TRUE(members[1]["muted_until"].is_string()) << members[1].dump();
  auto mute_owner = Ctl({"--as", "wes", "rooms", "mute", "stage", "vic"});
  EXPECT_EQ(mute_owner.exit_code, 1);
  EXPECT_EQ(mute_owner.err,
            "natterctl: only the owner and moderators of \"stage\" can mute members\n");

  ASSERT_EQ(Ctl({"--as", "vic", "rooms", "unmute", "stage", "wes"}).exit_code, 0);
  EXPECT_EQ(Ctl({"--as", "wes", "send", "--room", "stage", "thank you"}).exit_code, 0);
  std::vector<std::string> types;
  for (const auto& m : CtlLines({"--as", "wes", "history", "--room", "stage"})) {
    types.push_back(m["type"]);
  }
  EXPECT_EQ(types, (std::vector<std::string>{"room_created", "member_joined", "member_muted",
                                             "member_unmuted", "message"}));
}

}  // namespace
}  // namespace natter
