// Group conversations (issue 23 item 7) on the fakes, through ChatService: made from the creator's
// friends (3 to 100 people, the limits refused in words), any member adds their own friends and
// reads from their join on, the creator removes, a member leaves, and messages, reactions, pins,
// mentions, search, reads and mutes work in a group as in any conversation, for its members only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/channels.h"
#include "group_rules.h"
#include "natter/v1/gateway.pb.h"
#include "services/chat/callers.h"
#include "services/chat/chat_service_fakes.h"

namespace natter::chat {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

class GroupsTest : public ::testing::Test, protected ChatServiceFakes {
 protected:
  void SetUp() override {
    users_.Set(1, "maya");
    users_.Set(2, "theo");
    users_.Set(3, "sam");
    users_.Set(4, "ada");
    users_.Set(5, "zed");  // nobody's friend
    clock_.SetNowMs(1'000'000);
    store_.SetFriendStore(friends_);
    MakeFriends(1, 2);
    MakeFriends(1, 3);
    MakeFriends(1, 4);
    MakeFriends(2, 4);
  }

  void MakeFriends(uint64_t a, uint64_t b) {
    auto done = friends_.UpdatePair(a, b, 0, [](const PairState&) -> absl::StatusOr<PairChange> {
      PairChange change;
      change.friends = true;
      return change;
    });
    ASSERT_TRUE(done.ok());
  }
  void Block(uint64_t a, uint64_t b) {
    auto done = friends_.UpdatePair(a, b, 0, [](const PairState&) -> absl::StatusOr<PairChange> {
      PairChange change;
      change.friends = false;
      change.i_blocked = true;
      return change;
    });
    ASSERT_TRUE(done.ok());
  }

  absl::StatusOr<v1::GroupResponse> Create(const v1::Caller& who,
                                           const std::vector<std::string>& users,
                                           const std::string& title = "") {
    v1::CreateGroupRequest r;
    *r.mutable_caller() = who;
    r.set_title(title);
    for (const auto& u : users) r.add_usernames(u);
    return service_.CreateGroup(r);
  }
  // Maya's group with theo and sam; its id.
  uint64_t MakeGroup() {
    auto made = Create(maya_, {"theo", "sam"}, "weekend");
    EXPECT_TRUE(made.ok()) << made.status();
    return made.ok() ? made->group().id() : 0;
  }
  absl::StatusOr<v1::GroupResponse> Add(const v1::Caller& who, uint64_t group,
                                        const std::vector<std::string>& users) {
    v1::AddGroupMembersRequest r;
    *r.mutable_caller() = who;
    r.set_conversation_id(group);
    for (const auto& u : users) r.add_usernames(u);
    return service_.AddGroupMembers(r);
  }
  absl::StatusOr<v1::GroupResponse> Remove(const v1::Caller& who, uint64_t group,
                                           const std::string& user) {
    v1::RemoveGroupMemberRequest r;
    *r.mutable_caller() = who;
    r.set_conversation_id(group);
    r.set_username(user);
    return service_.RemoveGroupMember(r);
  }
  v1::GroupRequest Req(const v1::Caller& who, uint64_t group) {
    v1::GroupRequest r;
    *r.mutable_caller() = who;
    r.set_conversation_id(group);
    return r;
  }
  absl::StatusOr<v1::SendAck> Send(const v1::Caller& who, uint64_t group, const std::string& text) {
    v1::SendRequest r;
    *r.mutable_caller() = who;
    r.set_conversation_id(group);
    r.set_text(text);
    r.set_client_msg_id("m" + std::to_string(++sent_));
    return service_.Send(r);
  }
  absl::StatusOr<v1::SyncResponse> Sync(const v1::Caller& who, uint64_t group) {
    v1::SyncRequest r;
    *r.mutable_caller() = who;
    r.set_conversation_id(group);
    return service_.Sync(r);
  }
  // The types and texts of what `who` syncs of the group, as "type:text".
  std::vector<std::string> Entries(const v1::Caller& who, uint64_t group) {
    auto synced = Sync(who, group);
    EXPECT_TRUE(synced.ok()) << synced.status();
    std::vector<std::string> out;
    if (synced.ok()) {
      for (const auto& m : synced->messages()) {
        out.push_back(m.type() + ":" + (m.target_user().empty() ? m.text() : m.target_user()));
      }
    }
    return out;
  }
  // The membership events `user_id` got, as "type by".
  std::vector<std::string> Memberships(uint64_t user_id) {
    std::vector<std::string> out;
    for (const auto& e : store_.UserEvents()) {
      if (e.user_id == user_id && e.event.has_room()) {
        out.push_back(e.event.room().type() + " " + e.event.room().by());
      }
    }
    return out;
  }
  std::vector<std::string> Usernames(const v1::GroupResponse& r) {
    std::vector<std::string> out;
    for (const auto& m : r.members()) out.push_back(m.username());
    return out;
  }

  v1::Caller maya_ = MakeCaller(1, "maya");
  v1::Caller theo_ = MakeCaller(2, "theo");
  v1::Caller sam_ = MakeCaller(3, "sam");
  v1::Caller ada_ = MakeCaller(4, "ada");
  v1::Caller zed_ = MakeCaller(5, "zed");
  int sent_ = 0;
};

TEST_F(GroupsTest, CreatorAndFriendsAreMembersFromTheFirstEntry) {
  auto made = Create(maya_, {"theo", "sam"}, "weekend");
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->group().kind(), "group");
  EXPECT_EQ(made->group().name(), "weekend");
  EXPECT_EQ(made->group().member_count(), 3u);
  EXPECT_EQ(made->group().owner(), "maya");
  EXPECT_THAT(Usernames(*made), ElementsAre("maya", "theo", "sam"));
  EXPECT_THAT(made->group().member_names(), ElementsAre("theo", "sam"));
  const uint64_t id = made->group().id();
  EXPECT_THAT(Entries(theo_, id), ElementsAre("group_created:weekend"));
  EXPECT_THAT(Memberships(2), ElementsAre("joined maya"));
  EXPECT_THAT(Memberships(3), ElementsAre("joined maya"));
  EXPECT_THAT(Memberships(1), ElementsAre("joined maya"));
}

TEST_F(GroupsTest, TooFewOrTooManyPeopleAreRefusedInWords) {
  auto one = Create(maya_, {"theo"});
  EXPECT_EQ(one.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(one.status().message(), HasSubstr("at least 3 people"));
  // Naming oneself or a friend twice does not make a third person.
  auto same = Create(maya_, {"theo", "theo", "maya"});
  EXPECT_EQ(same.status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> many(100, "theo");
  auto hundred = Create(maya_, many);
  EXPECT_EQ(hundred.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(hundred.status().message(), HasSubstr("at most 100 people"));
}

TEST_F(GroupsTest, OnlyFriendsNotBlockedMayBeInAGroup) {
  auto stranger = Create(maya_, {"theo", "zed"});
  EXPECT_EQ(stranger.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(stranger.status().message(), HasSubstr("once you are friends"));
  auto missing = Create(maya_, {"theo", "nobody"});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  Block(3, 1);
  auto blocked = Create(maya_, {"theo", "sam"});
  EXPECT_EQ(blocked.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(blocked.status().message(), HasSubstr("cannot add \"sam\""));
}

TEST_F(GroupsTest, TitleIsOptionalAndLimited) {
  auto untitled = Create(maya_, {"theo", "sam"});
  ASSERT_TRUE(untitled.ok()) << untitled.status();
  EXPECT_EQ(untitled->group().name(), "");
  auto longer = Create(maya_, {"theo", "sam"}, std::string(65, 'x'));
  EXPECT_EQ(longer.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(longer.status().message(), HasSubstr("at most 64 characters"));
  auto lines = Create(maya_, {"theo", "sam"}, "a\nb");
  EXPECT_EQ(lines.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(GroupsTest, GroupsCreatedADayAreCapped) {
  for (uint32_t i = 0; i < kMaxGroupsCreatedPerDay; ++i) ASSERT_NE(MakeGroup(), 0u);
  auto over = Create(maya_, {"theo", "sam"});
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(over.status().message(), HasSubstr("in the last 24 hours"));
  clock_.SetNowMs(1'000'000 + 24 * 3600 * 1000 + 1);
  EXPECT_TRUE(Create(maya_, {"theo", "sam"}).ok());
}

TEST_F(GroupsTest, MessagesReachTheGroupsChannelAndEveryMemberReadsThem) {
  const uint64_t id = MakeGroup();
  publisher_.Clear();
  ASSERT_TRUE(Send(theo_, id, "saturday?").ok());
  auto published = publisher_.published();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].channel, ConversationChannel(id));
  EXPECT_THAT(Entries(sam_, id), ElementsAre("group_created:weekend", "message:saturday?"));
  auto outsider = Send(zed_, id, "hi");
  EXPECT_EQ(outsider.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Sync(ada_, id).status().code(), absl::StatusCode::kNotFound);
  // Unread counts and the list: every member has it, with its title and other members' names.
  v1::ListConversationsRequest list;
  *list.mutable_caller() = sam_;
  auto conversations = service_.ListConversations(list);
  ASSERT_TRUE(conversations.ok()) << conversations.status();
  const v1::Conversation* group = nullptr;
  for (const auto& c : conversations->conversations()) {
    if (c.id() == id) group = &c;
  }
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(group->kind(), "group");
  EXPECT_EQ(group->name(), "weekend");
  EXPECT_EQ(group->unread(), 1u);
  EXPECT_THAT(group->member_names(), ElementsAre("maya", "theo"));
}

TEST_F(GroupsTest, AListOfManyGroupsReadsTheirMembersAndNamesOnce) {
  // Untitled groups are labelled by their members: however many groups, one read of members and
  // one lookup of names (an RPC to natter-auth) serve the whole list.
  ASSERT_TRUE(Create(maya_, {"theo", "sam"}).ok());
  ASSERT_TRUE(Create(maya_, {"theo", "ada"}).ok());
  ASSERT_TRUE(Create(theo_, {"maya", "ada"}, "us three").ok());
  const int reads_before = store_.member_reads();
  const int lookups_before = users_.profile_lookups();
  v1::ListConversationsRequest list;
  *list.mutable_caller() = maya_;
  auto conversations = service_.ListConversations(list);
  ASSERT_TRUE(conversations.ok()) << conversations.status();
  EXPECT_EQ(store_.member_reads() - reads_before, 1);
  EXPECT_EQ(users_.profile_lookups() - lookups_before, 1);
  std::vector<std::vector<std::string>> labels;
  for (const auto& c : conversations->conversations()) {
    if (c.kind() != "group") continue;
    labels.emplace_back(c.member_names().begin(), c.member_names().end());
  }
  EXPECT_THAT(labels, ElementsAre(ElementsAre("theo", "sam"), ElementsAre("theo", "ada"),
                                  ElementsAre("theo", "ada")));
}

TEST_F(GroupsTest, AnyMemberAddsTheirOwnFriendsWhoReadFromTheirJoinOn) {
  const uint64_t id = MakeGroup();
  ASSERT_TRUE(Send(maya_, id, "before ada").ok());
  // Theo is ada's friend; sam is not.
  auto by_sam = Add(sam_, id, {"ada"});
  EXPECT_EQ(by_sam.status().code(), absl::StatusCode::kPermissionDenied);
  auto added = Add(theo_, id, {"ada"});
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->group().member_count(), 4u);
  EXPECT_THAT(Usernames(*added), ElementsAre("maya", "theo", "sam", "ada"));
  EXPECT_THAT(Memberships(4), ElementsAre("joined theo"));
  ASSERT_TRUE(Send(sam_, id, "after ada").ok());
  EXPECT_THAT(Entries(ada_, id), ElementsAre("member_added:ada", "message:after ada"));
  EXPECT_THAT(Entries(maya_, id), ElementsAre("group_created:weekend", "message:before ada",
                                              "member_added:ada", "message:after ada"));
  // Adding a member again changes nothing.
  const size_t entries = store_.Messages(id).size();
  ASSERT_TRUE(Add(maya_, id, {"ada", "theo"}).ok());
  EXPECT_EQ(store_.Messages(id).size(), entries);
}

TEST_F(GroupsTest, AGroupHoldsAtMostAHundredMembers) {
  const uint64_t id = MakeGroup();
  std::vector<std::string> names;
  for (uint64_t u = 100; u < 197; ++u) {
    users_.Set(u, "friend" + std::to_string(u));
    MakeFriends(1, u);
    names.push_back("friend" + std::to_string(u));
  }
  ASSERT_TRUE(Add(maya_, id, names).ok());  // 3 + 97 = 100
  users_.Set(300, "late");
  MakeFriends(1, 300);
  auto full = Add(maya_, id, {"late"});
  EXPECT_EQ(full.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(full.status().message(), HasSubstr("100"));
}

TEST_F(GroupsTest, TheCreatorRemovesMembersWhoStopReceivingAndReading) {
  const uint64_t id = MakeGroup();
  auto not_creator = Remove(theo_, id, "sam");
  EXPECT_EQ(not_creator.status().code(), absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(Remove(maya_, id, "sam").ok());
  EXPECT_THAT(Memberships(3), ElementsAre("joined maya", "removed maya"));
  EXPECT_EQ(Send(sam_, id, "still here?").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Sync(sam_, id).status().code(), absl::StatusCode::kNotFound);
  v1::ListConversationsRequest list;
  *list.mutable_caller() = sam_;
  auto conversations = service_.ListConversations(list);
  ASSERT_TRUE(conversations.ok());
  for (const auto& c : conversations->conversations()) EXPECT_NE(c.id(), id);
  auto again = Remove(maya_, id, "sam");
  EXPECT_EQ(again.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(GroupsTest, AMemberLeavesAndTheCreatorsLeavingPassesTheGroupOn) {
  const uint64_t id = MakeGroup();
  ASSERT_TRUE(service_.LeaveGroup(Req(maya_, id)).ok());
  auto members = service_.GroupMembers(Req(theo_, id));
  ASSERT_TRUE(members.ok()) << members.status();
  EXPECT_THAT(Usernames(*members), ElementsAre("theo", "sam"));
  EXPECT_EQ(members->group().owner(), "theo");
  EXPECT_TRUE(Remove(theo_, id, "sam").ok());
  EXPECT_EQ(service_.GroupMembers(Req(maya_, id)).status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Entries(theo_, id),
              ElementsAre("group_created:weekend", "member_left:", "member_removed:sam"));
}

TEST_F(GroupsTest, AnyMemberRenamesAndSameTitleChangesNothing) {
  const uint64_t id = MakeGroup();
  v1::RenameGroupRequest r;
  *r.mutable_caller() = sam_;
  r.set_conversation_id(id);
  r.set_title("hike");
  auto renamed = service_.RenameGroup(r);
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  EXPECT_EQ(renamed->group().name(), "hike");
  ASSERT_TRUE(service_.RenameGroup(r).ok());
  EXPECT_THAT(Entries(maya_, id), ElementsAre("group_created:weekend", "group_renamed:hike"));
}

TEST_F(GroupsTest, GroupCallsRefuseOtherConversationsAndOutsiders) {
  const uint64_t id = MakeGroup();
  EXPECT_EQ(service_.GroupMembers(Req(zed_, id)).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(service_.GroupMembers(Req(maya_, 999)).status().code(), absl::StatusCode::kNotFound);
  // The lobby is a conversation maya is in, but no group.
  EXPECT_EQ(service_.GroupMembers(Req(maya_, 1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(service_.GroupMembers(Req(maya_, 0)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(GroupsTest, EveryMemberPinsAndMentionsResolveOnlyToMembers) {
  const uint64_t id = MakeGroup();
  auto sent = Send(theo_, id, "@sam @ada look");
  ASSERT_TRUE(sent.ok()) << sent.status();
  auto synced = Sync(maya_, id);
  ASSERT_TRUE(synced.ok());
  const v1::ChatMessage& m = synced->messages(synced->messages_size() - 1);
  ASSERT_EQ(m.mentions_size(), 1);  // ada is not in the group
  EXPECT_EQ(m.mentions(0).username(), "sam");
  v1::PinRequest pin;
  *pin.mutable_caller() = sam_;
  pin.mutable_conversation()->set_id(id);
  pin.set_seq(sent->seq());
  pin.set_client_msg_id("p1");
  EXPECT_TRUE(service_.Pin(pin).ok());
  v1::ReactRequest react;
  *react.mutable_caller() = maya_;
  react.mutable_conversation()->set_id(id);
  react.set_seq(sent->seq());
  react.set_emoji("👍");
  react.set_client_msg_id("r1");
  EXPECT_TRUE(service_.React(react).ok());
}

TEST_F(GroupsTest, SearchFindsGroupMessagesForMembersOnly) {
  const uint64_t id = MakeGroup();
  ASSERT_TRUE(Send(theo_, id, "pancakes at nine").ok());
  auto search = [&](const v1::Caller& who) {
    v1::SearchRequest r;
    *r.mutable_caller() = who;
    r.set_query("pancakes");
    auto found = service_.Search(r);
    EXPECT_TRUE(found.ok()) << found.status();
    if (found.ok() && found->hits_size() > 0) {
      EXPECT_EQ(found->hits(0).conversation_kind(), "group");
      EXPECT_EQ(found->hits(0).conversation_name(), "weekend");
    }
    return found.ok() ? found->hits_size() : -1;
  };
  EXPECT_EQ(search(sam_), 1);
  EXPECT_EQ(search(ada_), 0);
  // in: takes a group's conversation id (no room has that name).
  v1::SearchRequest in_group;
  *in_group.mutable_caller() = sam_;
  in_group.set_query("pancakes in:" + std::to_string(id));
  auto found = service_.Search(in_group);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->hits_size(), 1);
  *in_group.mutable_caller() = ada_;
  EXPECT_EQ(service_.Search(in_group).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(Add(maya_, id, {"ada"}).ok());
  EXPECT_EQ(search(ada_), 0);  // from before ada's join
}

TEST_F(GroupsTest, ReadMarkersAndMutesArePerMember) {
  const uint64_t id = MakeGroup();
  auto sent = Send(theo_, id, "one");
  ASSERT_TRUE(sent.ok());
  v1::MarkReadRequest read;
  *read.mutable_caller() = sam_;
  read.mutable_conversation()->set_id(id);
  read.set_seq(sent->seq());
  auto marked = service_.MarkRead(read);
  ASSERT_TRUE(marked.ok()) << marked.status();
  EXPECT_EQ(marked->unread(), 0u);
  v1::SetNotificationsRequest mute;
  *mute.mutable_caller() = sam_;
  mute.mutable_conversation()->set_id(id);
  mute.set_muted_until_ms(kMutedForeverMs);
  EXPECT_TRUE(service_.SetNotifications(mute).ok());
  v1::TypingRequest typing;
  *typing.mutable_caller() = sam_;
  typing.mutable_conversation()->set_id(id);
  publisher_.Clear();
  ASSERT_TRUE(service_.Typing(typing).ok());
  ASSERT_EQ(publisher_.published().size(), 1u);
  EXPECT_EQ(publisher_.published()[0].channel, ConversationChannel(id));
}

TEST_F(GroupsTest, GatewaysSubscribeToGroupsLikeRooms) {
  const uint64_t id = MakeGroup();
  v1::ListConversationsRequest list;
  *list.mutable_caller() = sam_;
  list.set_rooms_only(true);
  auto rooms = service_.ListConversations(list);
  ASSERT_TRUE(rooms.ok());
  std::vector<std::string> kinds;
  for (const auto& c : rooms->conversations()) kinds.push_back(c.kind());
  EXPECT_THAT(kinds, UnorderedElementsAre("room", "group"));
  EXPECT_EQ(rooms->conversations(1).id(), id);
}

}  // namespace
}  // namespace natter::chat
