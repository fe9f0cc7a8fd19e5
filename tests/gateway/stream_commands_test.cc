// The table of stream commands: a row for every command of ClientFrame, and each row relays its
// frame to natter-chat and its answer (or error) back, against an in-process fake natter-chat.
#include "stream_commands.h"

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <future>
#include <set>
#include <string>

#include "fake_services.h"

namespace natter::gateway {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

TEST(StreamCommandsTest, EveryCommandOfClientFrameButPingHasOneRowNamedAfterIt) {
  const auto* oneof = v1::ClientFrame::descriptor()->FindOneofByName("command");
  ASSERT_NE(oneof, nullptr);
  std::set<std::string> fields;
  for (int i = 0; i < oneof->field_count(); ++i) {
    const auto* field = oneof->field(i);
    if (field->name() == "ping") continue;  // answered by the gateway itself
    fields.insert(field->name());
    const StreamCommand* row =
        FindStreamCommand(static_cast<v1::ClientFrame::CommandCase>(field->number()));
    ASSERT_NE(row, nullptr) << "ClientFrame." << field->name() << " has no row";
    EXPECT_EQ(row->name, field->name());
  }
  std::set<std::string> rows;
  for (const auto& row : StreamCommands()) rows.insert(std::string(row.name));
  EXPECT_EQ(rows, fields) << "a row for a command ClientFrame does not have";
  EXPECT_EQ(FindStreamCommand(v1::ClientFrame::kPing), nullptr);
  EXPECT_EQ(FindStreamCommand(v1::ClientFrame::COMMAND_NOT_SET), nullptr);
}

TEST(StreamCommandsTest, OnlyTheSyncsAreHeavy) {
  std::set<std::string> heavy;
  for (const auto& row : StreamCommands()) {
    if (row.heavy) heavy.insert(std::string(row.name));
  }
  EXPECT_EQ(heavy, (std::set<std::string>{"sync", "sync_events"}));
}

class StreamCommandsRelayTest : public ::testing::Test {
 protected:
  // Runs `frame`'s row as user 7 and waits for its result.
  v1::CommandResult Run(const v1::ClientFrame& frame, GatewayContext& gateway) {
    const StreamCommand* row = FindStreamCommand(frame.command_case());
    EXPECT_NE(row, nullptr);
    if (row == nullptr) return {};
    v1::Caller caller;
    caller.set_user_id(7);
    caller.set_session_id("s-7");
    std::promise<v1::CommandResult> answered;
    row->run(gateway, caller, frame,
             [&answered](v1::CommandResult result) { answered.set_value(std::move(result)); });
    return answered.get_future().get();
  }
  v1::CommandResult Run(const v1::ClientFrame& frame) { return Run(frame, services_.gateway); }

  FakeServices services_;
};

TEST_F(StreamCommandsRelayTest, ASendCarriesItsFieldsAndTheCallerAndComesBackAsAnAck) {
  v1::ClientFrame frame;
  frame.set_request_id(5);
  frame.mutable_send()->set_to_user("bob");
  frame.mutable_send()->set_text("hello");
  frame.mutable_send()->set_client_msg_id("c-1");
  frame.mutable_send()->set_reply_to_seq(3);
  v1::CommandResult result = Run(frame);
  EXPECT_EQ(result.code(), 0);
  EXPECT_EQ(result.ack().seq(), 1u);
  EXPECT_EQ(result.request_id(), 0u) << "the session sets the request_id";
  auto sends = services_.chat.sends();
  ASSERT_THAT(sends, SizeIs(1));
  EXPECT_EQ(sends[0].to_user(), "bob");
  EXPECT_EQ(sends[0].text(), "hello");
  EXPECT_EQ(sends[0].client_msg_id(), "c-1");
  EXPECT_EQ(sends[0].reply_to_seq(), 3u);
  EXPECT_EQ(sends[0].caller().user_id(), 7u);
  EXPECT_EQ(sends[0].caller().session_id(), "s-7");
}

TEST_F(StreamCommandsRelayTest, APinCarriesItsFieldsAndTheCallerAndComesBackAsAnAck) {
  v1::ClientFrame frame;
  frame.mutable_pin()->mutable_conversation()->set_room("dev");
  frame.mutable_pin()->set_seq(4);
  frame.mutable_pin()->set_client_msg_id("p-1");
  v1::CommandResult pinned = Run(frame);
  EXPECT_EQ(pinned.code(), 0) << pinned.error();
  EXPECT_EQ(pinned.ack().seq(), 11u);
  frame.mutable_pin()->set_unpin(true);
  v1::CommandResult unpinned = Run(frame);
  EXPECT_TRUE(unpinned.ack().unchanged());
  auto pins = services_.chat.pins();
  ASSERT_THAT(pins, SizeIs(2));
  EXPECT_EQ(pins[0].conversation().room(), "dev");
  EXPECT_EQ(pins[0].seq(), 4u);
  EXPECT_FALSE(pins[0].unpin());
  EXPECT_TRUE(pins[1].unpin());
  EXPECT_EQ(pins[0].client_msg_id(), "p-1");
  EXPECT_EQ(pins[0].caller().user_id(), 7u);
}

TEST_F(StreamCommandsRelayTest, AReactionCarriesItsFieldsAndTheCallerAndComesBackAsAnAck) {
  v1::ClientFrame frame;
  frame.mutable_react()->mutable_conversation()->set_id(3);
  frame.mutable_react()->set_seq(4);
  frame.mutable_react()->set_emoji("👍");
  frame.mutable_react()->set_client_msg_id("r-1");
  v1::CommandResult added = Run(frame);
  EXPECT_EQ(added.code(), 0) << added.error();
  EXPECT_EQ(added.ack().seq(), 9u);
  frame.mutable_react()->set_remove(true);
  v1::CommandResult removed = Run(frame);
  EXPECT_TRUE(removed.ack().unchanged());
  auto reacts = services_.chat.reacts();
  ASSERT_THAT(reacts, SizeIs(2));
  EXPECT_EQ(reacts[0].conversation().id(), 3u);
  EXPECT_EQ(reacts[0].seq(), 4u);
  EXPECT_EQ(reacts[0].emoji(), "👍");
  EXPECT_FALSE(reacts[0].remove());
  EXPECT_TRUE(reacts[1].remove());
  EXPECT_EQ(reacts[0].client_msg_id(), "r-1");
  EXPECT_EQ(reacts[0].caller().user_id(), 7u);
}

TEST_F(StreamCommandsRelayTest, NotificationSettingsKeepAnUnsetMuteApartFromAnUnmute) {
  v1::ClientFrame frame;
  frame.mutable_notifications()->mutable_conversation()->set_id(3);
  frame.mutable_notifications()->set_muted_until_ms(0);  // unmute
  v1::CommandResult unmuted = Run(frame);
  EXPECT_EQ(unmuted.code(), 0) << unmuted.error();
  EXPECT_EQ(unmuted.notifications().conversation_id(), 3u);
  frame.mutable_notifications()->clear_muted_until_ms();
  frame.mutable_notifications()->set_level(v1::NOTIFY_LEVEL_ALL);
  v1::CommandResult level = Run(frame);
  EXPECT_EQ(level.notifications().level(), v1::NOTIFY_LEVEL_ALL);
  auto asked = services_.chat.notifications();
  ASSERT_THAT(asked, SizeIs(2));
  EXPECT_TRUE(asked[0].has_muted_until_ms());
  EXPECT_EQ(asked[0].level(), v1::NOTIFY_LEVEL_UNSPECIFIED);
  EXPECT_FALSE(asked[1].has_muted_until_ms());
  EXPECT_EQ(asked[1].level(), v1::NOTIFY_LEVEL_ALL);
  EXPECT_EQ(asked[0].caller().user_id(), 7u);
}

TEST_F(StreamCommandsRelayTest, ARefusalComesBackWithChatsCodeAndWords) {
  v1::ClientFrame frame;
  frame.mutable_send()->set_room("lobby");
  frame.mutable_send()->set_text("fail");
  v1::CommandResult result = Run(frame);
  EXPECT_EQ(result.code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(result.error(), "you are not in that room");
  EXPECT_FALSE(result.has_ack());
}

TEST_F(StreamCommandsRelayTest, ASyncComesBackWithItsMessages) {
  v1::ClientFrame frame;
  frame.mutable_sync()->set_conversation_id(3);
  frame.mutable_sync()->set_after_seq(10);
  frame.mutable_sync()->set_limit(2);
  v1::CommandResult result = Run(frame);
  ASSERT_THAT(result.sync().messages(), SizeIs(2));
  EXPECT_EQ(result.sync().messages(0).seq(), 11u);
  auto syncs = services_.chat.syncs();
  ASSERT_THAT(syncs, SizeIs(1));
  EXPECT_EQ(syncs[0].conversation_id(), 3u);
  EXPECT_EQ(syncs[0].after_seq(), 10u);
  EXPECT_EQ(syncs[0].limit(), 2u);
}

TEST_F(StreamCommandsRelayTest, AnUnreachableChatServiceIsUnavailableInWords) {
  GatewayContext nowhere;
  nowhere.options.call_timeout = std::chrono::milliseconds(2000);
  // A port nothing listens on: the connection is refused at once.
  nowhere.chat =
      v1::Chat::NewStub(grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()));
  v1::ClientFrame frame;
  frame.mutable_send()->set_room("lobby");
  frame.mutable_send()->set_text("hi");
  v1::CommandResult result = Run(frame, nowhere);
  EXPECT_EQ(result.code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(result.error(), HasSubstr("the chat service"));
}

}  // namespace
}  // namespace natter::gateway
