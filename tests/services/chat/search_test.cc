// ChatService::Search on fakes (issue 23 item 5): words, phrases and Chinese; only conversations
// the caller can read; from:, in:, dates; edits and deletions; ranking and paging; snippets; what
// is refused and the rate limit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chat_limits.h"
#include "chat_service.h"
#include "chat_service_fakes.h"
#include "fakes/fake_message_store.h"
#include "room_service.h"
#include "services/chat/callers.h"

namespace natter::chat {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr uint64_t kLobby = fakes::FakeMessageStore::kLobbyId;
constexpr int64_t kJan1 = 1767225600000;  // 2026-01-01T00:00:00Z
constexpr int64_t kDayMs = 86'400'000;

class SearchTest : public ::testing::Test, protected ChatServiceFakes {
 protected:
  void SetUp() override {
    store_.SetFriendStore(friends_);
    users_.Set(1, "alice");
    users_.Set(2, "bob");
    users_.Set(3, "carol");
    clock_.SetNowMs(kJan1 + 12 * 3600 * 1000);
  }

  uint64_t Send(const v1::Caller& from, const std::string& text, uint64_t conversation = kLobby) {
    v1::SendRequest r;
    *r.mutable_caller() = from;
    r.set_conversation_id(conversation);
    r.set_client_msg_id("m" + std::to_string(++sent_));
    r.set_text(text);
    auto ack = service_.Send(r);
    EXPECT_TRUE(ack.ok()) << ack.status();
    return ack.ok() ? ack->seq() : 0;
  }

  absl::StatusOr<v1::SearchResponse> Search(const v1::Caller& who, const std::string& query,
                                            uint32_t limit = 0, const std::string& token = "") {
    v1::SearchRequest r;
    *r.mutable_caller() = who;
    r.set_query(query);
    r.set_limit(limit);
    r.set_page_token(token);
    return service_.Search(r);
  }

  // The snippets of `who`'s hits for `query`, in order.
  std::vector<std::string> Found(const v1::Caller& who, const std::string& query) {
    auto found = Search(who, query);
    EXPECT_TRUE(found.ok()) << query << ": " << found.status();
    std::vector<std::string> out;
    if (found.ok()) {
      for (const auto& hit : found->hits()) out.push_back(hit.snippet());
    }
    return out;
  }

  const v1::Caller alice_ = MakeCaller(1, "alice");
  const v1::Caller bob_ = MakeCaller(2, "bob");
  const v1::Caller carol_ = MakeCaller(3, "carol");
  RoomService rooms_{store_, publisher_, users_, limiter_, ChatLimits::Unlimited(), clock_};
  int sent_ = 0;
};

TEST_F(SearchTest, FindsWordsInAnyCaseAndPhrasesInOrder) {
  Send(alice_, "Lunch in New York tomorrow?");
  Send(bob_, "york is new to me");
  Send(bob_, "nothing to see");
  EXPECT_THAT(Found(carol_, "LUNCH"), ElementsAre("Lunch in New York tomorrow?"));
  EXPECT_THAT(Found(carol_, "\"new york\""), ElementsAre("Lunch in New York tomorrow?"));
  EXPECT_THAT(Found(carol_, "york new"),
              testing::UnorderedElementsAre("Lunch in New York tomorrow?", "york is new to me"));
  EXPECT_THAT(Found(carol_, "paris"), IsEmpty());
}

TEST_F(SearchTest, FindsChineseByItsWordsAndCharacters) {
  Send(alice_, "我们明天用中文开会");
  Send(bob_, "中国很大");
  EXPECT_THAT(Found(carol_, "中文"), ElementsAre("我们明天用中文开会"));
  EXPECT_THAT(Found(carol_, "明天开会"), IsEmpty());  // not next to each other
  EXPECT_THAT(Found(carol_, "明天 开会"), ElementsAre("我们明天用中文开会"));
  EXPECT_THAT(Found(carol_, "中"), testing::UnorderedElementsAre("我们明天用中文开会", "中国很大"));
  EXPECT_THAT(Found(carol_, "会"), ElementsAre("我们明天用中文开会"));  // the run's end
}

TEST_F(SearchTest, AHitSaysWhereItIsWhoSentItAndWhatMatched) {
  uint64_t seq = Send(alice_, "see you at the Lunch");
  users_.Set(1, "alicia");  // renamed since: hits show the current name
  auto found = Search(bob_, "lunch");
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->hits_size(), 1);
  const v1::SearchHit& hit = found->hits(0);
  EXPECT_EQ(hit.conversation_id(), kLobby);
  EXPECT_EQ(hit.conversation_kind(), "room");
  EXPECT_EQ(hit.conversation_name(), "lobby");
  EXPECT_EQ(hit.seq(), seq);
  EXPECT_EQ(hit.sender_id(), 1u);
  EXPECT_EQ(hit.sender(), "alicia");
  EXPECT_EQ(hit.sent_at_ms(), clock_.NowMs());
  EXPECT_GT(hit.score(), 0);
  ASSERT_EQ(hit.marks_size(), 1);
  EXPECT_EQ(hit.snippet().substr(hit.marks(0).begin(), hit.marks(0).end() - hit.marks(0).begin()),
            "Lunch");
  EXPECT_TRUE(found->next_page_token().empty());
}

TEST_F(SearchTest, OnlyConversationsTheCallerIsInAreSearched) {
  uint64_t dev = store_.AddConversation("room", "dev");
  store_.AddMember(dev, alice_.user_id(), MemberRole::kOwner);
  Send(alice_, "secret plans", dev);
  auto direct = store_.OpenDirect(1, 2, clock_.NowMs());
  ASSERT_TRUE(direct.ok());
  NewMessage m{.conversation_id = direct->id,
               .sender_id = 2,
               .sender = "bob",
               .client_msg_id = "d1",
               .text = "secret handshake",
               .sent_at_ms = clock_.NowMs()};
  ASSERT_TRUE(store_.Append(m).ok());
  EXPECT_THAT(Found(alice_, "secret"),
              testing::UnorderedElementsAre("secret plans", "secret handshake"));
  EXPECT_THAT(Found(bob_, "secret"), ElementsAre("secret handshake"));
  EXPECT_THAT(Found(carol_, "secret"), IsEmpty());
  // The direct conversation is named by the other person, as each side sees it.
  auto found = Search(alice_, "handshake");
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->hits_size(), 1);
  EXPECT_EQ(found->hits(0).conversation_kind(), "direct");
  EXPECT_EQ(found->hits(0).conversation_name(), "bob");
}

TEST_F(SearchTest, ASinceJoinMemberFindsOnlyWhatTheyMayRead) {
  v1::CreateRoomRequest create;
  *create.mutable_caller() = alice_;
  create.set_name("vault");
  create.set_private_room(true);
  create.set_history(v1::HISTORY_VISIBILITY_SINCE_JOIN);
  auto room = rooms_.CreateRoom(create);
  ASSERT_TRUE(room.ok()) << room.status();
  const uint64_t vault = room->room().id();
  Send(alice_, "gold before bob", vault);
  v1::InviteRequest invite;
  *invite.mutable_caller() = alice_;
  invite.set_room("vault");
  invite.set_username("bob");
  ASSERT_TRUE(rooms_.Invite(invite).ok());
  v1::AnswerInvitationRequest accept;
  *accept.mutable_caller() = bob_;
  accept.set_room("vault");
  accept.set_accept(true);
  ASSERT_TRUE(rooms_.AnswerInvitation(accept).ok());
  Send(alice_, "gold after bob", vault);
  EXPECT_THAT(Found(alice_, "gold"),
              testing::UnorderedElementsAre("gold before bob", "gold after bob"));
  EXPECT_THAT(Found(bob_, "gold"), ElementsAre("gold after bob"));
  EXPECT_THAT(Found(carol_, "gold"), IsEmpty());
  // To an outsider the private room does not exist.
  EXPECT_EQ(Search(carol_, "gold in:vault").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SearchTest, FromAndInNarrowTheSearch) {
  uint64_t dev = store_.AddConversation("room", "dev");
  store_.AddMember(dev, alice_.user_id(), MemberRole::kOwner);
  store_.AddMember(dev, bob_.user_id(), MemberRole::kMember);
  Send(alice_, "deploy today");
  Send(bob_, "deploy tomorrow");
  Send(bob_, "deploy in dev", dev);
  EXPECT_THAT(Found(carol_, "deploy from:bob"), testing::UnorderedElementsAre("deploy tomorrow"));
  EXPECT_THAT(Found(alice_, "deploy from:@bob"),
              testing::UnorderedElementsAre("deploy tomorrow", "deploy in dev"));
  EXPECT_THAT(Found(alice_, "deploy in:dev"), ElementsAre("deploy in dev"));
  EXPECT_THAT(Found(alice_, "deploy in:DEV from:alice"), IsEmpty());
  EXPECT_THAT(Found(alice_, "deploy in:lobby from:alice"), ElementsAre("deploy today"));
}

TEST_F(SearchTest, UnknownNamesAndRoomsTheCallerIsNotInAreRefused) {
  Send(alice_, "hello");
  auto nobody = Search(alice_, "hello from:nobody");
  EXPECT_EQ(nobody.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(nobody.status().message(), HasSubstr("no user named \"nobody\""));
  auto no_room = Search(alice_, "hello in:nowhere");
  EXPECT_EQ(no_room.status().code(), absl::StatusCode::kNotFound);
  uint64_t dev = store_.AddConversation("room", "dev");
  store_.AddMember(dev, bob_.user_id(), MemberRole::kOwner);
  auto outsider = Search(alice_, "hello in:dev");
  EXPECT_EQ(outsider.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(outsider.status().message(), HasSubstr("join it first"));
  auto no_direct = Search(alice_, "hello in:@carol");
  EXPECT_EQ(no_direct.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(no_direct.status().message(), HasSubstr("no conversation with \"carol\""));
}

TEST_F(SearchTest, DatesAreWholeUtcDays) {
  clock_.SetNowMs(kJan1 + 100);  // 2026-01-01
  Send(alice_, "report one");
  clock_.SetNowMs(kJan1 + kDayMs + 100);  // 2026-01-02
  Send(alice_, "report two");
  clock_.SetNowMs(kJan1 + 2 * kDayMs + 100);  // 2026-01-03
  Send(alice_, "report three");
  EXPECT_THAT(Found(bob_, "report after:2026-01-01 before:2026-01-03"), ElementsAre("report two"));
  EXPECT_THAT(Found(bob_, "report before:2026-01-02"), ElementsAre("report one"));
  EXPECT_THAT(Found(bob_, "report after:2026-01-02"), ElementsAre("report three"));
}

TEST_F(SearchTest, AnEditedMessageIsFoundByItsNewWordsAndADeletedOneNever) {
  uint64_t seq = Send(alice_, "meet at noon");
  v1::EditRequest edit;
  *edit.mutable_caller() = alice_;
  edit.mutable_conversation()->set_id(kLobby);
  edit.set_seq(seq);
  edit.set_client_msg_id("e1");
  edit.set_text("meet at midnight");
  ASSERT_TRUE(service_.Edit(edit).ok());
  EXPECT_THAT(Found(bob_, "noon"), IsEmpty());
  EXPECT_THAT(Found(bob_, "midnight"), ElementsAre("meet at midnight"));
  auto found = Search(bob_, "midnight");
  ASSERT_TRUE(found.ok());
  EXPECT_GT(found->hits(0).edited_at_ms(), 0);
  v1::DeleteRequest deletion;
  *deletion.mutable_caller() = alice_;
  deletion.mutable_conversation()->set_id(kLobby);
  deletion.set_seq(seq);
  deletion.set_client_msg_id("d1");
  ASSERT_TRUE(service_.Delete(deletion).ok());
  EXPECT_THAT(Found(bob_, "midnight"), IsEmpty());
  EXPECT_THAT(Found(bob_, "meet"), IsEmpty());
}

TEST_F(SearchTest, TheMostRelevantComeFirstThenTheNewest) {
  Send(alice_, "cake");                   // older, once
  Send(alice_, "cake cake cake please");  // three times
  Send(alice_, "more cake");              // newer, once
  EXPECT_THAT(Found(bob_, "cake"), ElementsAre("cake cake cake please", "more cake", "cake"));
}

TEST_F(SearchTest, PagesFollowEachOtherWithoutRepeatsUntilTheEnd) {
  for (int i = 0; i < 7; ++i) Send(alice_, "item " + std::to_string(i));
  std::vector<uint64_t> seqs;
  std::string token;
  int pages = 0;
  do {
    auto page = Search(bob_, "item", 3, token);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& hit : page->hits()) seqs.push_back(hit.seq());
    token = page->next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(seqs, ElementsAre(7, 6, 5, 4, 3, 2, 1));  // equally relevant: newest first
}

TEST_F(SearchTest, BadRequestsAreRefusedInWords) {
  auto empty = Search(alice_, "");
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(empty.status().message(), HasSubstr("type something"));
  auto operators = Search(alice_, "from:bob");
  EXPECT_EQ(operators.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(operators.status().message(), HasSubstr("word or phrase"));
  auto big = Search(alice_, "cat", 51);
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(big.status().message(), HasSubstr("at most 50"));
  for (const std::string token : {"x", "p", "p0", "p-1", "p500", "p12a"}) {
    auto bad = Search(alice_, "cat", 0, token);
    EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument) << token;
    EXPECT_THAT(bad.status().message(), HasSubstr("page_token")) << token;
  }
  v1::SearchRequest anonymous;
  anonymous.set_query("cat");
  EXPECT_EQ(service_.Search(anonymous).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SearchLimitTest, SearchingTooFastIsResourceExhaustedWithTheWait) {
  fakes::FakeMessageStore store;
  fakes::FakeEventPublisher publisher;
  fakes::FakeClock clock;
  fakes::FakeUserDirectory users;
  fakes::FakeFriendStore friends;
  fakes::FakeTypingLimiter typing{clock};
  fakes::FakeRateLimiter limiter{clock};
  ChatLimits limits = ChatLimits::Unlimited();
  limits.searches = {1, 2};
  ChatService service(store, friends, publisher, users, typing, limiter, limits, clock);
  v1::SearchRequest r;
  *r.mutable_caller() = MakeCaller(1, "alice");
  r.set_query("cat");
  EXPECT_TRUE(service.Search(r).ok());
  EXPECT_TRUE(service.Search(r).ok());
  auto third = service.Search(r);
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(third.status().message(), HasSubstr("searching too fast"));
  clock.Advance(std::chrono::seconds(1));
  // A refused query costs nothing: the allowance of one more second is still there after it.
  r.set_query("");
  EXPECT_EQ(service.Search(r).status().code(), absl::StatusCode::kInvalidArgument);
  r.set_query("cat");
  EXPECT_TRUE(service.Search(r).ok());
}

}  // namespace
}  // namespace natter::chat
