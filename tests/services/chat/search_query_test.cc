// The search terms (search_terms.h) and the query language (search_query.h): how text becomes
// terms (English and Chinese), the encoding InnoDB keeps, what a query may hold and what it is
// refused with, the boolean-mode query and the snippets.
#include "search_query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "search_terms.h"

namespace natter::chat {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> Terms(std::string_view text) {
  std::vector<std::string> out;
  for (const SearchToken& t : Tokenize(text)) out.push_back(t.term);
  return out;
}

SearchQuery Parse(std::string_view query) {
  auto parsed = ParseSearchQuery(query);
  EXPECT_TRUE(parsed.ok()) << query << ": " << parsed.status();
  return parsed.ok() ? *parsed : SearchQuery{};
}

std::string Refusal(std::string_view query) {
  auto parsed = ParseSearchQuery(query);
  EXPECT_FALSE(parsed.ok()) << query << " was accepted";
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << query;
  return std::string(parsed.status().message());
}

QueryTerm T(std::string term) { return {std::move(term), false}; }

TEST(SearchTermsTest, WordsAreCaseFoldedAndCompatibilityNormalized) {
  EXPECT_THAT(Terms("Hello, WORLD! Ｆｕｌｌ width ﬁne Straße"),
              ElementsAre("hello", "world", "full", "width", "fine", "strasse"));
  EXPECT_THAT(Terms("e-mail don't 3.14"), ElementsAre("e", "mail", "don", "t", "3", "14"));
  EXPECT_THAT(Terms("café CAFÉ"), ElementsAre("café", "café"));
}

TEST(SearchTermsTest, ChineseRunsBecomeBigramsAndTheirLastCharacter) {
  EXPECT_THAT(Terms("我们用中文搜索"),
              ElementsAre("我们", "们用", "用中", "中文", "文搜", "搜索", "索"));
  EXPECT_THAT(Terms("中"), ElementsAre("中"));
  auto tokens = Tokenize("中");
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].kind, SearchToken::Kind::kCjkOne);
}

TEST(SearchTermsTest, MixedScriptsSplitWhereTheScriptChanges) {
  EXPECT_THAT(Terms("iPhone手机2024年"), ElementsAre("iphone", "手机", "机", "2024", "年"));
  EXPECT_THAT(Terms("ひらがなカタカナ"),
              ElementsAre("ひら", "らが", "がな", "なカ", "カタ", "タカ", "カナ", "ナ"));
  EXPECT_THAT(Terms("한국어 단어"), ElementsAre("한국", "국어", "어", "단어", "어"));
}

TEST(SearchTermsTest, PunctuationEmojiAndIgnorablesMakeNoTerms) {
  EXPECT_THAT(Terms("!!! 👍 ... \u200B"), IsEmpty());
  EXPECT_THAT(Terms(""), IsEmpty());
  EXPECT_THAT(Terms("a\u200Bb"), ElementsAre("ab"));  // a zero-width space does not split
}

TEST(SearchTermsTest, TokensKnowWhereInTheTextTheyCameFrom) {
  auto tokens = Tokenize("Hi 中文!");
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(tokens[0].begin, 0u);
  EXPECT_EQ(tokens[0].end, 2u);
  EXPECT_EQ(tokens[1].begin, 3u);  // 中文
  EXPECT_EQ(tokens[1].end, 9u);
  EXPECT_EQ(tokens[2].begin, 6u);  // 文
}

TEST(SearchTermsTest, LongWordsAreCutAtACharacterBoundary) {
  const std::string word(60, 'a');
  EXPECT_THAT(Terms(word), ElementsAre(std::string(kMaxTermBytes, 'a')));
  std::string accented;
  for (int i = 0; i < 30; ++i) accented += "é";  // 2 bytes each
  auto terms = Terms(accented);
  ASSERT_EQ(terms.size(), 1u);
  EXPECT_EQ(terms[0].size(), kMaxTermBytes);
}

TEST(SearchTermsTest, EncodedTermsAreLongEnoughForInnoDbAndNeverStopwords) {
  EXPECT_EQ(EncodeTerm("a"), "x61");
  EXPECT_EQ(EncodeTerm("the"), "x746865");
  EXPECT_EQ(EncodeTerm("中文"), "xe4b8ade69687");
  EXPECT_EQ(EncodeTerm(std::string(kMaxTermBytes, 'z')).size(), 81u);  // InnoDB's maximum is 84
  EXPECT_EQ(IndexDocument("The cat 中文"), "x746865 x636174 xe4b8ade69687 xe69687");
}

TEST(SearchQueryTest, WordsArePlainClauses) {
  SearchQuery q = Parse("Hello  world");
  EXPECT_THAT(q.clauses, ElementsAre(ElementsAre(T("hello")), ElementsAre(T("world"))));
  EXPECT_TRUE(q.from.empty());
  EXPECT_FALSE(q.after_ms.has_value());
}

TEST(SearchQueryTest, QuotesMakeAPhraseAndAnUnclosedQuoteRunsToTheEnd) {
  EXPECT_THAT(Parse("\"New York\" pizza").clauses,
              ElementsAre(ElementsAre(T("new"), T("york")), ElementsAre(T("pizza"))));
  EXPECT_THAT(Parse("pizza \"new york").clauses,
              ElementsAre(ElementsAre(T("pizza")), ElementsAre(T("new"), T("york"))));
  EXPECT_THAT(Parse("\"\" cat").clauses, ElementsAre(ElementsAre(T("cat"))));
}

TEST(SearchQueryTest, AWordThatSplitsIsAPhraseOfItsParts) {
  EXPECT_THAT(Parse("e-mail").clauses, ElementsAre(ElementsAre(T("e"), T("mail"))));
}

TEST(SearchQueryTest, ChineseQueriesAreBigramPhrasesWithoutTheTrailingCharacter) {
  // "中文" must find "中文字" too, whose terms go on 中文 文字 字.
  EXPECT_THAT(Parse("中文").clauses, ElementsAre(ElementsAre(T("中文"))));
  EXPECT_THAT(Parse("中文搜索").clauses, ElementsAre(ElementsAre(T("中文"), T("文搜"), T("搜索"))));
  // One character matches the terms it starts.
  SearchQuery one = Parse("中");
  ASSERT_EQ(one.clauses.size(), 1u);
  EXPECT_THAT(one.clauses[0], ElementsAre(QueryTerm{"中", true}));
  // Inside a phrase, a run's last character stays when more follows (the run ended there).
  EXPECT_THAT(Parse("\"中文 ok\"").clauses, ElementsAre(ElementsAre(T("中文"), T("文"), T("ok"))));
}

TEST(SearchQueryTest, OperatorsNarrowTheSearch) {
  SearchQuery q = Parse("lunch from:@Bob in:#general after:2026-01-01 before:2026-02-01");
  EXPECT_EQ(q.from, "Bob");
  EXPECT_EQ(q.in_room, "general");
  EXPECT_TRUE(q.in_direct.empty());
  EXPECT_EQ(q.after_ms, int64_t{1767312000000});   // 2026-01-02T00:00:00Z: after the whole day
  EXPECT_EQ(q.before_ms, int64_t{1769904000000});  // 2026-02-01T00:00:00Z
  EXPECT_THAT(q.clauses, ElementsAre(ElementsAre(T("lunch"))));
  SearchQuery direct = Parse("IN:@alice hi");
  EXPECT_EQ(direct.in_direct, "alice");
  EXPECT_TRUE(direct.in_room.empty());
}

TEST(SearchQueryTest, AnUnknownPrefixIsSearchedAsText) {
  EXPECT_THAT(Parse("http://example.com").clauses,
              ElementsAre(ElementsAre(T("http"), T("example"), T("com"))));
  EXPECT_THAT(Parse("to:bob").clauses, ElementsAre(ElementsAre(T("to"), T("bob"))));
}

TEST(SearchQueryTest, EmptyOperatorOnlyAndPunctuationOnlyQueriesAreRefusedInWords) {
  EXPECT_THAT(Refusal(""), HasSubstr("type something to search for"));
  EXPECT_THAT(Refusal("   "), HasSubstr("type something"));
  EXPECT_THAT(Refusal("from:alice"), HasSubstr("give a word or phrase"));
  EXPECT_THAT(Refusal("from:alice in:lobby after:2026-01-01"), HasSubstr("only narrow"));
  EXPECT_THAT(Refusal("?!... 👍"), HasSubstr("no words"));
  EXPECT_THAT(Refusal("\"\""), HasSubstr("type something"));
}

TEST(SearchQueryTest, BadOperatorsAreRefusedInWords) {
  EXPECT_THAT(Refusal("cat from:"), HasSubstr("from: needs a username"));
  EXPECT_THAT(Refusal("cat from:@"), HasSubstr("from: needs a username"));
  EXPECT_THAT(Refusal("cat in:"), HasSubstr("in: needs a room"));
  EXPECT_THAT(Refusal("cat before:"), HasSubstr("before: needs a date"));
  EXPECT_THAT(Refusal("cat from:a from:b"), HasSubstr("only once"));
  EXPECT_THAT(Refusal("cat in:a in:@b"), HasSubstr("only once"));
  EXPECT_THAT(Refusal("cat after:2026-01-01 after:2026-01-02"), HasSubstr("only once"));
  EXPECT_THAT(Refusal("cat before:yesterday"), HasSubstr("YYYY-MM-DD"));
  EXPECT_THAT(Refusal("cat before:2026-02-30"), HasSubstr("YYYY-MM-DD"));
  EXPECT_THAT(Refusal("cat before:2026-1-5"), HasSubstr("YYYY-MM-DD"));
  EXPECT_THAT(Refusal("cat after:2026-01-02 before:2026-01-03"), HasSubstr("earlier day"));
}

TEST(SearchQueryTest, LeapDaysAreRealDays) {
  EXPECT_TRUE(ParseDayStartMs("2028-02-29").has_value());
  EXPECT_FALSE(ParseDayStartMs("2026-02-29").has_value());
  EXPECT_FALSE(ParseDayStartMs("2100-02-29").has_value());
  EXPECT_EQ(ParseDayStartMs("1970-01-01"), int64_t{0});
  EXPECT_FALSE(ParseDayStartMs("2026-13-01").has_value());
}

TEST(SearchQueryTest, SizesAreLimited) {
  EXPECT_TRUE(ParseSearchQuery(std::string(200, 'a')).ok());
  EXPECT_THAT(Refusal(std::string(201, 'a')), HasSubstr("at most 200 characters"));
  std::string chinese;
  for (int i = 0; i < 200; ++i) chinese += "字";  // 200 characters, 600 bytes: fine
  EXPECT_TRUE(ParseSearchQuery(chinese).ok());
  EXPECT_TRUE(ParseSearchQuery("a b c d e f g h i j").ok());
  EXPECT_THAT(Refusal("a b c d e f g h i j k"), HasSubstr("at most 10"));
  EXPECT_THAT(Refusal("a b c d e f g h i from:x in:y"), HasSubstr("at most 10"));
}

TEST(SearchQueryTest, InvalidUtf8IsRefused) { EXPECT_THAT(Refusal("caf\xC3"), HasSubstr("UTF-8")); }

TEST(SearchQueryTest, TheBooleanModeQueryRequiresEveryClause) {
  EXPECT_EQ(BooleanModeQuery(Parse("the \"new york\" 中").clauses),
            "+x746865 +\"x6e6577 x796f726b\" +xe4b8ad*");
}

TEST(SearchMatchTest, EveryClauseMustBeThereAndAPhraseInOrder) {
  auto tokens = Tokenize("We met in New York, then flew to 北京市");
  EXPECT_TRUE(MatchesAll(tokens, Parse("\"new york\" met").clauses));
  EXPECT_FALSE(MatchesAll(tokens, Parse("\"york new\"").clauses));
  EXPECT_FALSE(MatchesAll(tokens, Parse("york paris").clauses));
  EXPECT_TRUE(MatchesAll(tokens, Parse("北京").clauses));
  EXPECT_TRUE(MatchesAll(tokens, Parse("京市").clauses));
  EXPECT_TRUE(MatchesAll(tokens, Parse("京").clauses));  // starts the bigram 京市
  EXPECT_TRUE(MatchesAll(tokens, Parse("市").clauses));  // ends the run
  EXPECT_FALSE(MatchesAll(tokens, Parse("上海").clauses));
  EXPECT_FALSE(MatchesAll(tokens, Parse("北市").clauses));
}

TEST(SnippetTest, MarksEveryMatchedTermAsByteRanges) {
  Snippet s = MakeSnippet("Lunch at noon? lunch!", Parse("lunch").clauses, 160);
  EXPECT_EQ(s.text, "Lunch at noon? lunch!");
  EXPECT_THAT(s.marks, ElementsAre(std::pair<uint32_t, uint32_t>{0, 5},
                                   std::pair<uint32_t, uint32_t>{15, 20}));
}

TEST(SnippetTest, OverlappingBigramsMergeIntoOneMark) {
  Snippet s = MakeSnippet("我们用中文搜索", Parse("中文搜索").clauses, 160);
  ASSERT_EQ(s.marks.size(), 1u);
  EXPECT_EQ(s.text.substr(s.marks[0].first, s.marks[0].second - s.marks[0].first), "中文搜索");
}

TEST(SnippetTest, ALongTextIsCutAroundTheFirstMatchWithEllipses) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "word ";
  text += "needle";
  for (int i = 0; i < 100; ++i) text += " more";
  Snippet s = MakeSnippet(text, Parse("needle").clauses, 60);
  EXPECT_EQ(s.text.substr(0, 3), "…");
  EXPECT_EQ(s.text.substr(s.text.size() - 3), "…");
  ASSERT_EQ(s.marks.size(), 1u);
  EXPECT_EQ(s.text.substr(s.marks[0].first, s.marks[0].second - s.marks[0].first), "needle");
  EXPECT_LE(s.text.size(), 60u + 6u);  // 60 ASCII characters and two ellipses
}

TEST(SnippetTest, NewlinesReadAsSpaces) {
  Snippet s = MakeSnippet("first line\nsecond", Parse("second").clauses, 160);
  EXPECT_EQ(s.text, "first line second");
}

}  // namespace
}  // namespace natter::chat
