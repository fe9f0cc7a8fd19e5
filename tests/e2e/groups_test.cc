// End to end for group conversations through natterctl (issue 23 item 7): three friends make a
// group; a message reaches one member live and the other when they next connect; a non-friend
// cannot be added; a removed member stops receiving the group and can no longer read it.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "e2e/stack_test.h"
#include "harness/harness.h"

namespace natter {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::JsonLines;

class GroupsTest : public testing::StackTest {
 protected:
  static void SetUpTestSuite() { StartStack({.chat_replicas = 2, .gateways = 2}); }

  static std::vector<std::string> Texts(const std::string& listened) {
    std::vector<std::string> out;
    for (const auto& m : JsonLines(listened)) {
      if (m["type"] == "message") out.push_back(m["text"]);
    }
    return out;
  }
};

TEST_F(GroupsTest, ThreeFriendsTalkAndARemovedMemberStopsReceiving) {
  User("gia");
  User("hal");
  User("ivo");
  User("jet");
  Friends("gia", "hal");
  Friends("gia", "ivo");

  // Hal listens on the other gateway; ivo is offline.
  auto hal = Listen("hal", 1, {"--type", "message", "--count", "1"});
  json group = CtlJson({"--as", "gia", "group", "create", "hal", "ivo", "--title", "trip"});
  EXPECT_EQ(group["kind"], "group");
  EXPECT_EQ(group["name"], "trip");
  EXPECT_EQ(group["members"], 3);
  EXPECT_EQ(group["others"], (std::vector<std::string>{"hal", "ivo"}));
  const std::string id = std::to_string(group["conversation"].get<uint64_t>());
  ASSERT_EQ(Ctl({"--as", "gia", "send", "--conversation", id, "train at 9"}).exit_code, 0);
  ASSERT_EQ(hal->Wait(20s), 0) << hal->Stderr();
  EXPECT_EQ(Texts(hal->Stdout()), std::vector<std::string>{"train at 9"});

  // Ivo connects later and gets it (his first listen starts at his read marker).
  auto ivo = Listen("ivo", 0, {"--type", "message", "--count", "1"});
  ASSERT_EQ(ivo->Wait(20s), 0) << ivo->Stderr();
  EXPECT_EQ(Texts(ivo->Stdout()), std::vector<std::string>{"train at 9"});
  bool listed = false;
  for (const auto& c : CtlLines({"--as", "ivo", "conversations"})) {
    if (c["conversation"] == group["conversation"]) {
      listed = true;
      EXPECT_EQ(c["kind"], "group");
      EXPECT_EQ(c["name"], "trip");
    }
  }
  EXPECT_TRUE(listed);

  // Jet is nobody's friend here: not addable, and outside the group it does not exist for him.
  auto add = Ctl({"--as", "gia", "group", "add", id, "jet"});
  EXPECT_EQ(add.exit_code, 1);
  EXPECT_EQ(add.err, "natterctl: you can add \"jet\" to a group once you are friends\n");
  auto peek = Ctl({"--as", "jet", "history", "--conversation", id});
  EXPECT_EQ(peek.exit_code, 1);
  EXPECT_EQ(peek.err, "natterctl: no conversation " + id + "\n");
  auto kick = Ctl({"--as", "hal", "group", "remove", id, "ivo"});
  EXPECT_EQ(kick.exit_code, 1);
  EXPECT_EQ(kick.err, "natterctl: only the group's creator can remove members\n");

  // Ivo, listening, is removed: he hears of it and gets nothing sent after.
  auto ivo_live = Listen("ivo", 1, {"--timeout", "8"});
  ASSERT_EQ(Ctl({"--as", "gia", "group", "remove", id, "ivo"}).exit_code, 0);
  ASSERT_EQ(Ctl({"--as", "gia", "send", "--conversation", id, "secret plan"}).exit_code, 0);
  ASSERT_EQ(ivo_live->Wait(20s), 0) << ivo_live->Stderr();
  bool removed = false;
  for (const auto& e : JsonLines(ivo_live->Stdout())) {
    if (e["type"] == "group_removed") {
      removed = true;
      EXPECT_EQ(e["by"], "gia");
    }
    EXPECT_NE(e.value("text", ""), "secret plan");
  }
  EXPECT_TRUE(removed) << ivo_live->Stdout();
  auto gone = Ctl({"--as", "ivo", "history", "--conversation", id});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_EQ(gone.err, "natterctl: no conversation " + id + "\n");
  std::vector<std::string> seen;
  for (const auto& m : CtlLines({"--as", "hal", "history", "--conversation", id})) {
    seen.push_back(m["type"].get<std::string>() + ":" + m["text"].get<std::string>());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"group_created:trip", "message:train at 9",
                                            "member_removed:", "message:secret plan"}));
  auto members = CtlLines({"--as", "hal", "group", "members", id});
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0]["user"], "gia");
  EXPECT_EQ(members[0]["role"], "owner");
  EXPECT_EQ(members[1]["user"], "hal");
}

TEST_F(GroupsTest, AFileSentToAGroupDownloadsForItsMembersOnly) {
  User("mia");
  User("ned");
  User("otto");
  User("pam");
  Friends("mia", "ned");
  Friends("mia", "otto");
  json group = CtlJson({"--as", "mia", "group", "create", "ned", "otto"});
  EXPECT_EQ(group["name"], "");
  const std::string id = std::to_string(group["conversation"].get<uint64_t>());
  const std::string path = (stack_->dir() / "plan.txt").string();
  std::ofstream(path, std::ios::binary) << "meet at the station";
  json sent = CtlJson({"--as", "mia", "send", "--conversation", id, "--file", path, "the plan"});
  ASSERT_TRUE(sent.contains("attachment")) << sent.dump();
  const std::string file = sent["attachment"]["file_id"];
  const std::string got = (stack_->dir() / "ned-plan.txt").string();
  ASSERT_EQ(Ctl({"--as", "ned", "download", file, "-o", got}).exit_code, 0);
  std::stringstream bytes;
  bytes << std::ifstream(got, std::ios::binary).rdbuf();
  EXPECT_EQ(bytes.str(), "meet at the station");
  auto outsider = Ctl({"--as", "pam", "download", file, "-o", (stack_->dir() / "pam").string()});
  EXPECT_EQ(outsider.exit_code, 1);
  // Removed, otto can no longer open what was sent to the group.
  ASSERT_EQ(Ctl({"--as", "mia", "group", "remove", id, "otto"}).exit_code, 0);
  auto removed = Ctl({"--as", "otto", "download", file, "-o", (stack_->dir() / "otto").string()});
  EXPECT_EQ(removed.exit_code, 1);
  EXPECT_NE(removed.err.find("you cannot open this file"), std::string::npos) << removed.err;
}

TEST_F(GroupsTest, TooFewPeopleAreRefusedInWords) {
  User("kai");
  User("lou");
  Friends("kai", "lou");
  auto two = Ctl({"--as", "kai", "group", "create", "lou"});
  EXPECT_EQ(two.exit_code, 1);
  EXPECT_NE(two.err.find("a group needs at least 3 people"), std::string::npos) << two.err;
  auto bad = Ctl({"--as", "kai", "group", "members", "#5"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("by its conversation id"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace natter
