// natterctl's JSON output: field names and values scripts rely on, and the timestamp format.
#include "output.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "chat_commands.h"

namespace natter::ctl {
namespace {

struct TimeCase {
  int64_t unix_ms;
  std::string rfc3339;
};

class Rfc3339Test : public ::testing::TestWithParam<TimeCase> {};

TEST_P(Rfc3339Test, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(Rfc3339(GetParam().unix_ms), GetParam().rfc3339);
}

INSTANTIATE_TEST_SUITE_P(
    Instants, Rfc3339Test,
    ::testing::Values(TimeCase{0, "1970-01-01T00:00:00.000Z"},
                      TimeCase{5, "1970-01-01T00:00:00.005Z"},
                      TimeCase{1'700'000'000'123, "2023-11-14T22:13:20.123Z"},
                      TimeCase{951'827'696'789, "2000-02-29T12:34:56.789Z"},
                      TimeCase{1'609'459'199'999, "2020-12-31T23:59:59.999Z"},
                      TimeCase{253'402'300'799'999, "9999-12-31T23:59:59.999Z"},
                      TimeCase{-1, "1969-12-31T23:59:59.999Z"},
                      TimeCase{-1'000, "1969-12-31T23:59:59.000Z"},
                      TimeCase{-1'001, "1969-12-31T23:59:58.999Z"},
                      TimeCase{-86'400'000, "1969-12-31T00:00:00.000Z"}),
    [](const ::testing::TestParamInfo<TimeCase>& p) { return "Case" + std::to_string(p.index); });

TEST(ParseRfc3339Test, ReadsWhatRfc3339FormatsAndOffsets) {
  for (int64_t ms : {int64_t{0}, int64_t{1'700'000'000'123}, int64_t{951'827'696'789}}) {
    EXPECT_EQ(ParseRfc3339Ms(Rfc3339(ms)), ms) << Rfc3339(ms);
  }
  EXPECT_EQ(ParseRfc3339Ms("2023-11-14T22:13:20Z"), 1'700'000'000'000);
  EXPECT_EQ(ParseRfc3339Ms("2023-11-14T23:13:20+01:00"), 1'700'000'000'000);
  EXPECT_EQ(ParseRfc3339Ms("2023-11-14T20:43:20.5-01:30"), 1'700'000'000'500);
  for (const char* bad :
       {"", "tomorrow", "2023-11-14", "2023-11-14T22:13:20", "2023-13-01T00:00:00Z",
        "2023-11-14T22:13:20Zjunk", "2023-11-14T22:13:20+1", "2023-11-14T22:13:20."}) {
    EXPECT_THROW(ParseRfc3339Ms(bad), CtlError) << bad;
  }
}

TEST(ParseDurationTest, TakesNumbersWithUnitsAndRefusesTheRest) {
  EXPECT_EQ(ParseDurationMs("1h"), 3'600'000);
  EXPECT_EQ(ParseDurationMs("8h"), 8 * 3'600'000);
  EXPECT_EQ(ParseDurationMs("1h30m"), 5'400'000);
  EXPECT_EQ(ParseDurationMs("2d"), 2 * 86'400'000);
  EXPECT_EQ(ParseDurationMs("90s"), 90'000);
  for (const char* bad : {"", "h", "8", "8x", "1h30", "0m", "-1h", "1234567h"}) {
    EXPECT_THROW(ParseDurationMs(bad), CtlError) << bad;
  }
}

TEST(ConversationJsonTest, ShowsTheNotificationLevelAndTheMute) {
  v1::Conversation c;
  c.set_id(4);
  c.set_kind("room");
  c.set_name("dev");
  nlohmann::json plain = ConversationJson(c);
  EXPECT_EQ(plain["notify"], "all");
  EXPECT_TRUE(plain["muted_until"].is_null());
  c.mutable_notifications()->set_level(v1::NOTIFY_LEVEL_NONE);
  c.mutable_notifications()->set_muted_until_ms(1'700'000'000'123);
  nlohmann::json muted = ConversationJson(c);
  EXPECT_EQ(muted["notify"], "none");
  EXPECT_EQ(muted["muted_until"], "2023-11-14T22:13:20.123Z");
  c.mutable_notifications()->set_muted_until_ms(kMutedForeverMs);
  EXPECT_EQ(ConversationJson(c)["muted_until"], "forever");
}

TEST(EventJsonTest, ANotificationSettingsEventPrintsAsNotifications) {
  v1::ServerEvent event;
  event.mutable_notifications()->set_conversation_id(7);
  event.mutable_notifications()->set_level(v1::NOTIFY_LEVEL_ALL);
  event.mutable_notifications()->set_muted_until_ms(kMutedForeverMs);
  nlohmann::json j = EventJson(event);
  EXPECT_EQ(j["type"], "notifications");
  EXPECT_EQ(j["conversation"], 7);
  EXPECT_EQ(j["muted_until"], "forever");
}

TEST(AckJsonTest, HasEveryFieldWithItsValue) {
  v1::SendAck ack;
  ack.set_conversation_id(1);
  ack.set_seq(42);
  ack.set_message_id(9001);
  ack.set_sent_at_ms(1'700'000'000'123);
  ack.set_duplicate(true);
  nlohmann::json expected = {{"conversation", 1},
                             {"seq", 42},
                             {"message_id", 9001},
                             {"sent_at", "2023-11-14T22:13:20.123Z"},
                             {"duplicate", true}};
  EXPECT_EQ(AckJson(ack), expected) << AckJson(ack).dump();
}

TEST(AckJsonTest, FreshAckSaysNotDuplicate) {
  v1::SendAck ack;
  ack.set_seq(1);
  nlohmann::json j = AckJson(ack);
  ASSERT_TRUE(j.contains("duplicate"));
  EXPECT_EQ(j["duplicate"], false);
  EXPECT_EQ(j["sent_at"], "1970-01-01T00:00:00.000Z");
}

TEST(AckJsonTest, KeepsFullUint64Range) {
  v1::SendAck ack;
  ack.set_seq(std::numeric_limits<uint64_t>::max());
  ack.set_message_id(uint64_t{1} << 63);
  nlohmann::json j = AckJson(ack);
  EXPECT_EQ(j["seq"].get<uint64_t>(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(j["message_id"].get<uint64_t>(), uint64_t{1} << 63);
  EXPECT_THAT(j.dump(), ::testing::HasSubstr("\"seq\":18446744073709551615"));
}

v1::ChatMessage LobbyMessage() {
  v1::ChatMessage m;
  m.set_conversation_id(1);
  m.set_seq(7);
  m.set_message_id(77);
  m.set_sender_id(3);
  m.set_sender("alice");
  m.set_text("hello, \"world\"\n\xF0\x9F\x91\x8B");
  m.set_sent_at_ms(1'700'000'000'123);
  m.set_room("lobby");
  m.set_client_msg_id("c-1");
  return m;
}

TEST(MessageJsonTest, HasEveryFieldWithItsValue) {
  nlohmann::json expected = {{"type", "message"},
                             {"conversation", 1},
                             {"seq", 7},
                             {"message_id", 77},
                             {"from", "alice"},
                             {"from_id", 3},
                             {"text", "hello, \"world\"\n\xF0\x9F\x91\x8B"},
                             {"sent_at", "2023-11-14T22:13:20.123Z"},
                             {"room", "lobby"}};
  EXPECT_EQ(MessageJson(LobbyMessage()), expected) << MessageJson(LobbyMessage()).dump();
}

TEST(MessageJsonTest, OmitsRoomOutsideRooms) {
  v1::ChatMessage m = LobbyMessage();
  m.clear_room();
  nlohmann::json j = MessageJson(m);
  EXPECT_FALSE(j.contains("room"));
  EXPECT_EQ(j["type"], "message");
  EXPECT_EQ(j["from"], "alice");
}

TEST(MessageJsonTest, ReactionsListEachEmojiWithItsCountAndUsers) {
  v1::ChatMessage m = LobbyMessage();
  EXPECT_FALSE(MessageJson(m).contains("reactions"));
  v1::Reaction* up = m.add_reactions();
  up->set_emoji("👍");
  up->set_count(2);
  up->add_users("bob");
  up->add_users("carol");
  EXPECT_EQ(MessageJson(m)["reactions"],
            (nlohmann::json::array({{{"emoji", "👍"}, {"count", 2}, {"users", {"bob", "carol"}}}})));
  // A reaction entry says what its target has now, also when that is nothing.
  v1::ChatMessage removed = LobbyMessage();
  removed.set_type("reaction_removed");
  removed.set_target_seq(3);
  EXPECT_EQ(MessageJson(removed)["reactions"], nlohmann::json::array());
  EXPECT_EQ(MessageJson(removed)["target_seq"], 3);
}

TEST(AckJsonTest, AnUnchangedReactionSaysSo) {
  v1::SendAck ack;
  EXPECT_FALSE(AckJson(ack).contains("unchanged"));
  ack.set_unchanged(true);
  EXPECT_EQ(AckJson(ack)["unchanged"], true);
}

TEST(MessageJsonTest, AReplyCarriesTheSeqAndTheQuoteAsItIsNow) {
  v1::ChatMessage m = LobbyMessage();
  m.set_reply_to_seq(3);
  m.mutable_reply()->set_sender("bob");
  m.mutable_reply()->set_snippet("the quoted words");
  nlohmann::json j = MessageJson(m);
  EXPECT_EQ(j["reply_to"], 3);
  EXPECT_EQ(j["reply"], (nlohmann::json{{"from", "bob"}, {"text", "the quoted words"}}));
  m.mutable_reply()->set_snippet("");
  m.mutable_reply()->set_deleted(true);
  EXPECT_EQ(MessageJson(m)["reply"]["deleted"], true);
  EXPECT_FALSE(MessageJson(LobbyMessage()).contains("reply_to"));
}

TEST(MessageJsonTest, DumpsAsOneLineOfValidJson) {
  std::string line = MessageJson(LobbyMessage()).dump();
  EXPECT_EQ(line.find('\n'), std::string::npos);
  nlohmann::json parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["text"], "hello, \"world\"\n\xF0\x9F\x91\x8B");
  EXPECT_EQ(parsed["seq"], 7);
}

TEST(MessageJsonTest, MentionsListEachUserAndWhetherTheEntryAddedThem) {
  v1::ChatMessage m = LobbyMessage();
  EXPECT_FALSE(MessageJson(m).contains("mentions"));
  v1::Mention* bob = m.add_mentions();
  bob->set_user_id(2);
  bob->set_username("bob");
  bob->set_added(true);
  v1::Mention* carol = m.add_mentions();
  carol->set_user_id(3);
  carol->set_username("carol");
  EXPECT_EQ(MessageJson(m)["mentions"],
            (nlohmann::json::array({{{"user", "bob"}, {"user_id", 2}, {"added", true}},
                                    {{"user", "carol"}, {"user_id", 3}, {"added", false}}})));
}

TEST(PinJsonTest, APinIsItsMessageWithWhoPinnedItWhen) {
  v1::Pin pin;
  *pin.mutable_message() = LobbyMessage();
  pin.set_pinned_by("bob");
  pin.set_pinned_by_id(2);
  pin.set_pinned_at_ms(1'700'000'000'123);
  nlohmann::json j = PinJson(pin);
  EXPECT_EQ(j["pinned_by"], "bob");
  EXPECT_EQ(j["pinned_at"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(j["text"], MessageJson(LobbyMessage())["text"]);
  EXPECT_EQ(j["type"], "message");
}

TEST(ConversationJsonTest, ShowsTheMentionsLevel) {
  v1::Conversation c;
  c.set_id(4);
  c.mutable_notifications()->set_level(v1::NOTIFY_LEVEL_MENTIONS);
  EXPECT_EQ(ConversationJson(c)["notify"], "mentions");
}

}  // namespace
}  // namespace natter::ctl
