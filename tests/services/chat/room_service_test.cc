// RoomService on fakes: creating, joining, leaving, removing members, topic and name; what each
// stores, publishes and refuses.
#include "room_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "fakes/fake_event_publisher.h"
#include "fakes/fake_message_store.h"
#include "fakes/fake_user_directory.h"
#include "natter/v1/gateway.pb.h"
#include "services/chat/callers.h"

namespace natter::chat {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

class RoomServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    users_.Set(1, "alice");
    users_.Set(2, "bob");
    users_.Set(3, "carol");
  }

  absl::StatusOr<v1::RoomResponse> Create(const v1::Caller& who, const std::string& name,
                                          const std::string& topic = "") {
    v1::CreateRoomRequest r;
    *r.mutable_caller() = who;
    r.set_name(name);
    r.set_topic(topic);
    return rooms_.CreateRoom(r);
  }
  v1::RoomRequest Req(const v1::Caller& who, const std::string& room) {
    v1::RoomRequest r;
    *r.mutable_caller() = who;
    r.set_room(room);
    return r;
  }
  absl::StatusOr<v1::RoomResponse> Kick(const v1::Caller& who, const std::string& room,
                                        const std::string& user) {
    v1::RemoveMemberRequest r;
    *r.mutable_caller() = who;
    r.set_room(room);
    r.set_username(user);
    return rooms_.RemoveMember(r);
  }
  std::vector<std::string> Members(const std::string& room) {
    auto members = rooms_.RoomMembers(Req(alice_, room));
    EXPECT_TRUE(members.ok()) << members.status();
    std::vector<std::string> out;
    for (const auto& m : members->members()) out.push_back(m.username() + ":" + m.role());
    return out;
  }
  std::vector<std::string> EntryTypes(uint64_t room) {
    std::vector<std::string> out;
    for (const auto& m : store_.Messages(room)) out.push_back(m.type());
    return out;
  }

  const v1::Caller alice_ = MakeCaller(1, "alice");
  const v1::Caller bob_ = MakeCaller(2, "bob");
  const v1::Caller carol_ = MakeCaller(3, "carol");
  fakes::FakeMessageStore store_;
  fakes::FakeEventPublisher publisher_;
  fakes::FakeClock clock_;
  fakes::FakeUserDirectory users_;
  RoomService rooms_{store_, publisher_, users_, clock_};
};

TEST_F(RoomServiceTest, TheCreatorOwnsANewRoom) {
  auto room = Create(alice_, "Dev", "all things build");
  ASSERT_TRUE(room.ok()) << room.status();
  EXPECT_EQ(room->room().name(), "Dev");
  EXPECT_EQ(room->room().topic(), "all things build");
  EXPECT_EQ(room->room().owner(), "alice");
  EXPECT_EQ(room->room().member_count(), 1u);
  EXPECT_EQ(room->room().latest_seq(), 1u);
  EXPECT_THAT(EntryTypes(room->room().id()), ElementsAre("room_created"));
  EXPECT_THAT(Members("dev"), ElementsAre("alice:owner"));
  auto events = store_.UserEvents();
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].event.room().type(), "joined");
}

TEST_F(RoomServiceTest, RoomNamesAreCheckedAndUniqueIgnoringCase) {
  ASSERT_TRUE(Create(alice_, "dev").ok());
  auto taken = Create(bob_, "DEV");
  EXPECT_EQ(taken.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(taken.status().message(), "a room named \"DEV\" exists already");
  EXPECT_EQ(Create(bob_, "lobby").status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Create(bob_, "x").status().message(), "room name must be 2 to 32 characters long");
  EXPECT_EQ(Create(bob_, "has space").status().message(),
            "room name may contain only letters, digits, '_', '.' and '-'");
  EXPECT_TRUE(Create(bob_, "café-crème").ok());
  EXPECT_EQ(Create(bob_, "news", std::string(251, 't')).status().message(),
            "topic must be at most 250 characters long");
  EXPECT_EQ(Create(bob_, "news", "two\nlines").status().message(), "topic must be one line");
}

TEST_F(RoomServiceTest, JoiningAndLeavingAreEntriesAndUserEvents) {
  auto room = Create(alice_, "dev");
  ASSERT_TRUE(room.ok());
  uint64_t id = room->room().id();
  publisher_.Clear();
  auto joined = rooms_.JoinRoom(Req(bob_, "dev"));
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(joined->room().member_count(), 2u);
  EXPECT_THAT(Members("dev"), ElementsAre("alice:owner", "bob:member"));
  // Joining twice changes nothing.
  ASSERT_TRUE(rooms_.JoinRoom(Req(bob_, "dev")).ok());
  ASSERT_TRUE(rooms_.LeaveRoom(Req(bob_, "dev")).ok());
  EXPECT_THAT(EntryTypes(id), ElementsAre("room_created", "member_joined", "member_left"));
  EXPECT_THAT(Members("dev"), ElementsAre("alice:owner"));

  std::vector<std::string> channels;
  for (const auto& p : publisher_.published()) channels.push_back(p.channel);
  // Entry on the room, event to the user, audience change for presence; twice.
  EXPECT_THAT(channels,
              ElementsAre("room:" + std::to_string(id), "user:2", "presence:audience_changed",
                          "room:" + std::to_string(id), "user:2", "presence:audience_changed"));
  auto events = store_.UserEvents();
  ASSERT_THAT(events, SizeIs(3));
  EXPECT_EQ(events[1].event.room().type(), "joined");
  EXPECT_EQ(events[1].event.room().seq(), 2u);  // the seq of the member_joined entry
  EXPECT_EQ(events[2].event.room().type(), "left");
}

TEST_F(RoomServiceTest, UnknownRoomsAreNotFound) {
  auto join = rooms_.JoinRoom(Req(bob_, "nowhere"));
  EXPECT_EQ(join.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(join.status().message(), "no room named \"nowhere\"");
}

TEST_F(RoomServiceTest, TheOwnerRemovesAMemberWhoIsTold) {
  ASSERT_TRUE(Create(alice_, "dev").ok());
  ASSERT_TRUE(rooms_.JoinRoom(Req(bob_, "dev")).ok());
  ASSERT_TRUE(rooms_.JoinRoom(Req(carol_, "dev")).ok());
  EXPECT_EQ(Kick(bob_, "dev", "carol").status().code(), absl::StatusCode::kPermissionDenied);
  auto kicked = Kick(alice_, "dev", "carol");
  ASSERT_TRUE(kicked.ok()) << kicked.status();
  EXPECT_THAT(Members("dev"), ElementsAre("alice:owner", "bob:member"));
  auto events = store_.UserEvents();
  EXPECT_EQ(events.back().user_id, 3u);
  EXPECT_EQ(events.back().event.room().type(), "removed");
  EXPECT_EQ(events.back().event.room().by(), "alice");
  EXPECT_EQ(Kick(alice_, "dev", "nobody").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RoomServiceTest, OwnershipPassesOnWhenTheOwnerLeaves) {
  ASSERT_TRUE(Create(alice_, "dev").ok());
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(rooms_.JoinRoom(Req(bob_, "dev")).ok());
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(rooms_.JoinRoom(Req(carol_, "dev")).ok());
  auto left = rooms_.LeaveRoom(Req(alice_, "dev"));
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_EQ(left->room().owner(), "bob");
  auto members = rooms_.RoomMembers(Req(carol_, "dev"));
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(members->members(0).username(), "bob");
  EXPECT_EQ(members->members(0).role(), "owner");
}

TEST_F(RoomServiceTest, TheOwnerSetsTopicAndRenames) {
  auto room = Create(alice_, "dev");
  ASSERT_TRUE(room.ok());
  ASSERT_TRUE(Create(bob_, "ops").ok());
  v1::UpdateRoomRequest r;
  *r.mutable_caller() = alice_;
  r.set_room("dev");
  r.set_topic("ship it");
  r.set_new_name("Engineering");
  auto updated = rooms_.UpdateRoom(r);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->room().name(), "Engineering");
  EXPECT_EQ(updated->room().topic(), "ship it");
  EXPECT_THAT(EntryTypes(room->room().id()),
              ElementsAre("room_created", "room_renamed", "topic_changed"));
  r.set_room("engineering");
  r.clear_topic();
  r.set_new_name("OPS");
  EXPECT_EQ(rooms_.UpdateRoom(r).status().code(), absl::StatusCode::kAlreadyExists);
  *r.mutable_caller() = bob_;
  r.clear_new_name();
  r.set_topic("hijack");
  EXPECT_EQ(rooms_.UpdateRoom(r).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(RoomServiceTest, ListsRoomsByNameWithMembership) {
  ASSERT_TRUE(Create(alice_, "dev").ok());
  ASSERT_TRUE(Create(bob_, "design").ok());
  ASSERT_TRUE(Create(bob_, "ops").ok());
  v1::ListRoomsRequest r;
  *r.mutable_caller() = alice_;
  r.set_prefix("DE");
  auto list = rooms_.ListRooms(r);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->rooms_size(), 2);
  EXPECT_EQ(list->rooms(0).room().name(), "design");
  EXPECT_FALSE(list->rooms(0).joined());
  EXPECT_EQ(list->rooms(1).room().name(), "dev");
  EXPECT_TRUE(list->rooms(1).joined());
  r.clear_prefix();
  r.set_limit(2);
  EXPECT_EQ(rooms_.ListRooms(r)->rooms_size(), 2);
  r.set_limit(201);
  EXPECT_EQ(rooms_.ListRooms(r).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(RoomServiceTest, TheLobbyCannotBeLeftAndListsNoMembers) {
  EXPECT_EQ(rooms_.LeaveRoom(Req(alice_, "lobby")).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(rooms_.RoomMembers(Req(alice_, "lobby")).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(rooms_.JoinRoom(Req(alice_, "lobby")).ok());
}

}  // namespace
}  // namespace natter::chat
