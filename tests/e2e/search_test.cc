// End to end for message search through natterctl (issue 23 item 5): English and Chinese, only the
// conversations one is in, from: and in:, an edit found by its new words and a deletion gone,
// pages, and refusals in words.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "e2e/stack_test.h"
#include "harness/harness.h"

namespace natter {
namespace {

using nlohmann::json;

class SearchE2eTest : public testing::StackTest {
 protected:
  static void SetUpTestSuite() {
    StartStack({.chat_replicas = 1, .gateways = 1});
    User("ann");
    User("ben");
    User("cyd");
    ASSERT_EQ(CtlJson({"--as", "ann", "rooms", "create", "kitchen"})["members"], 1);
    ASSERT_EQ(Ctl({"--as", "ben", "rooms", "join", "kitchen"}).exit_code, 0);
  }

  static uint64_t Send(const std::string& user, const std::string& room, const std::string& text) {
    json ack = CtlJson({"--as", user, "send", "--room", room, text});
    return ack.value("seq", uint64_t{0});
  }
  // The hits `user` gets for `query` (the "hit" lines), and the "more" line's token, if any.
  static std::vector<json> Hits(const std::string& user, const std::vector<std::string>& args,
                                std::string* more = nullptr) {
    std::vector<std::string> all = {"--as", user, "search"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<json> hits;
    for (const json& line : CtlLines(all)) {
      if (line.value("type", "") == "hit") hits.push_back(line);
      if (line.value("type", "") == "more" && more != nullptr) *more = line["before"];
    }
    return hits;
  }
  static std::vector<std::string> Snippets(const std::vector<json>& hits) {
    std::vector<std::string> out;
    for (const auto& hit : hits) out.push_back(hit["snippet"]);
    return out;
  }
};

TEST_F(SearchE2eTest, FindsEnglishAndChineseInTheConversationsOneIsIn) {
  const uint64_t seq = Send("ann", "kitchen", "Lunch at the noodle place? 我们用中文点菜");
  Send("ben", "lobby", "lunch is overrated");
  std::vector<json> hits = Hits("ben", {"LUNCH"});
  ASSERT_EQ(hits.size(), 2u);
  json kitchen = hits[0]["conversation_name"] == "kitchen" ? hits[0] : hits[1];
  EXPECT_EQ(kitchen["seq"], seq);
  EXPECT_EQ(kitchen["sender"], "ann");
  EXPECT_EQ(kitchen["conversation_kind"], "room");
  EXPECT_EQ(kitchen["matched"], json::array({"Lunch"}));
  EXPECT_TRUE(kitchen["edited_at"].is_null());
  // cyd is not in the kitchen: only the lobby's message.
  EXPECT_EQ(Snippets(Hits("cyd", {"lunch"})), std::vector<std::string>{"lunch is overrated"});
  // Chinese by its words, inside a mixed message.
  std::vector<json> chinese = Hits("ben", {"中文点菜"});
  ASSERT_EQ(chinese.size(), 1u);
  EXPECT_EQ(chinese[0]["matched"], json::array({"中文点菜"}));
  EXPECT_TRUE(Hits("cyd", {"中文"}).empty());
  // Narrowed by sender and conversation.
  EXPECT_EQ(Snippets(Hits("ben", {"lunch from:ben"})),
            std::vector<std::string>{"lunch is overrated"});
  EXPECT_EQ(Hits("ben", {"lunch in:kitchen"}).size(), 1u);
  EXPECT_EQ(Hits("ben", {"\"noodle place\" in:kitchen from:ann"}).size(), 1u);
}

TEST_F(SearchE2eTest, AnEditIsFoundByItsNewWordsAndADeletionIsGone) {
  const uint64_t seq = Send("ann", "kitchen", "the oven is broken");
  ASSERT_EQ(Hits("ben", {"oven"}).size(), 1u);
  ASSERT_EQ(Ctl({"--as", "ann", "edit", "kitchen", std::to_string(seq), "the fridge is broken"})
                .exit_code,
            0);
  EXPECT_TRUE(Hits("ben", {"oven"}).empty());
  std::vector<json> fridge = Hits("ben", {"fridge"});
  ASSERT_EQ(fridge.size(), 1u);
  EXPECT_TRUE(fridge[0]["edited_at"].is_string());
  ASSERT_EQ(Ctl({"--as", "ann", "delete", "kitchen", std::to_string(seq)}).exit_code, 0);
  EXPECT_TRUE(Hits("ben", {"fridge"}).empty());
}

TEST_F(SearchE2eTest, PagesFollowEachOther) {
  for (int i = 0; i < 3; ++i) Send("ann", "kitchen", "spoon number " + std::to_string(i));
  std::string more;
  std::vector<json> first = Hits("ann", {"spoon", "--limit", "2"}, &more);
  ASSERT_EQ(first.size(), 2u);
  ASSERT_FALSE(more.empty());
  std::string after;
  std::vector<json> second = Hits("ann", {"spoon", "--limit", "2", "--before", more}, &after);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_TRUE(after.empty());
  EXPECT_EQ(first[0]["snippet"], "spoon number 2");  // equally relevant: newest first
  EXPECT_EQ(second[0]["snippet"], "spoon number 0");
}

TEST_F(SearchE2eTest, AQueryWithNothingToSearchForIsRefusedInWords) {
  auto only = Ctl({"--as", "ann", "search", "from:ben"});
  EXPECT_EQ(only.exit_code, 1);
  EXPECT_EQ(only.err,
            "natterctl: give a word or phrase to search for: from:, in:, before: and after: only "
            "narrow a search down\n");
  auto date = Ctl({"--as", "ann", "search", "cake before:soon"});
  EXPECT_EQ(date.exit_code, 1);
  EXPECT_NE(date.err.find("YYYY-MM-DD"), std::string::npos) << date.err;
  auto outsider = Ctl({"--as", "cyd", "search", "cake in:kitchen"});
  EXPECT_EQ(outsider.exit_code, 1);
  EXPECT_EQ(outsider.err, "natterctl: you are not in room \"kitchen\"; join it first\n");
}

}  // namespace
}  // namespace natter
