// ValidateText, ValidateEmoji, IsValidUtf8, NormalizeName and NameSkeleton: the checks every
// user-supplied message body, reaction and name passes.
#include "common/text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/name_skeleton.h"

namespace natter {
namespace {

using ::testing::HasSubstr;

constexpr size_t kMax = 4096;

struct TextCase {
  std::string name;
  std::string text;
};

std::string Printable(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string CaseName(const ::testing::TestParamInfo<TextCase>& p) { return p.param.name; }

class AcceptedTextTest : public ::testing::TestWithParam<TextCase> {};

TEST_P(AcceptedTextTest, IsOk) {
  EXPECT_TRUE(IsValidUtf8(GetParam().text));
  EXPECT_EQ(ValidateText(GetParam().text, kMax, "message"), absl::OkStatus())
      << Printable(GetParam().text);
}

INSTANTIATE_TEST_SUITE_P(
    Texts, AcceptedTextTest,
    ::testing::Values(TextCase{"Ascii", "hello, world"}, TextCase{"SingleCharacter", "a"},
                      TextCase{"SurroundingSpaces", "  padded  "},
                      TextCase{"Newline", "line one\nline two"}, TextCase{"Tab", "col1\tcol2"},
                      TextCase{"Latin1", "h\xC3\xA9llo w\xC3\xB6rld"},  // héllo wörld
                      TextCase{"Cjk",
                               "\xE4\xBD\xA0\xE5\xA5\xBD\xEF\xBC\x8C\xE4\xB8\x96\xE7\x95\x8C"},
                      TextCase{"Emoji", "\xF0\x9F\x91\x8B\xF0\x9F\x8F\xBD"},  // 👋🏽
                      TextCase{"ZwjSequence",                                 // 👨‍👩‍👧
                               "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F"
                               "\x91\xA7"},
                      TextCase{"HighestCodePoint", "x\xF4\x8F\xBF\xBF"},  // U+10FFFF
                      TextCase{"EmojiAfterNewline", "\n\xF0\x9F\x98\x80"},
                      // Invisible characters beside visible ones are fine (a word joiner, the
                      // marks right-to-left text uses: U+200F RIGHT-TO-LEFT MARK is not an
                      // override).
                      TextCase{"ZeroWidthSpaceInWord", "fo\xE2\x80\x8Bo"},
                      TextCase{"RightToLeftMark", "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D\xE2\x80\x8F!"}),
    CaseName);

struct RejectedCase {
  std::string name;
  std::string text;
  std::string error;  // the exact message, with "message" as the field name
};

class RejectedTextTest : public ::testing::TestWithParam<RejectedCase> {};

TEST_P(RejectedTextTest, IsInvalidArgumentWithReason) {
  absl::Status status = ValidateText(GetParam().text, kMax, "message");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << Printable(GetParam().text);
  EXPECT_EQ(status.message(), GetParam().error) << Printable(GetParam().text);
}

constexpr const char* kNotUtf8 = "message is not valid UTF-8";
constexpr const char* kControl = "message contains control characters";
constexpr const char* kBlank = "message is only white space";
constexpr const char* kBidi =
    "message contains bidirectional control characters (U+202A..U+202E, U+2066..U+2069), which "
    "change how the text around them is shown";
constexpr const char* kInvisible = "message has nothing visible (only invisible characters)";

INSTANTIATE_TEST_SUITE_P(
    Texts, RejectedTextTest,
    ::testing::Values(
        RejectedCase{"Empty", "", "message is empty"}, RejectedCase{"OneSpace", " ", kBlank},
        RejectedCase{"Spaces", "     ", kBlank},
        RejectedCase{"NewlinesAndTabs", "\n\t\n  \t", kBlank},
        RejectedCase{"NoBreakSpace", "\xC2\xA0", kBlank},           // U+00A0
        RejectedCase{"IdeographicSpace", "\xE3\x80\x80 ", kBlank},  // U+3000
        RejectedCase{"BadContinuation", "\xC3\x28", kNotUtf8},
        RejectedCase{"LoneContinuation", "abc\x80", kNotUtf8},
        RejectedCase{"TruncatedTwoByte", "abc\xC3", kNotUtf8},
        RejectedCase{"TruncatedThreeByte", "\xE2\x82", kNotUtf8},
        RejectedCase{"TruncatedFourByte", "\xF0\x9F\x98", kNotUtf8},
        RejectedCase{"OverlongSlash", "\xC0\xAF", kNotUtf8},
        RejectedCase{"OverlongTwoByte", "\xC1\xBF", kNotUtf8},
        RejectedCase{"OverlongThreeByte", "\xE0\x80\xAF", kNotUtf8},
        RejectedCase{"OverlongFourByte", "\xF0\x80\x80\xAF", kNotUtf8},
        RejectedCase{"Surrogate", "\xED\xA0\x80", kNotUtf8},         // U+D800
        RejectedCase{"AboveUnicode", "\xF4\x90\x80\x80", kNotUtf8},  // U+110000
        RejectedCase{"ByteFF", "\xFF", kNotUtf8},
        RejectedCase{"InvalidBeforeControl", "\x01\xC3\x28", kNotUtf8},
        RejectedCase{"Nul", std::string("a\0b", 3), kControl},
        RejectedCase{"StartOfHeading", "hi\x01", kControl},
        RejectedCase{"Escape", "\x1B[31mred", kControl}, RejectedCase{"Bell", "ding\a", kControl},
        RejectedCase{"Delete", "del\x7F", kControl},
        RejectedCase{"CarriageReturn", "one\r\ntwo", kControl},
        RejectedCase{"NextLineC1", "a\xC2\x85", kControl},  // U+0085
        RejectedCase{"ControlAmongSpaces", " \x0B ", kControl},
        RejectedCase{"RightToLeftOverride", "abc\xE2\x80\xAEtxt.exe", kBidi},  // U+202E
        RejectedCase{"LeftToRightEmbedding", "\xE2\x80\xAAx", kBidi},          // U+202A
        RejectedCase{"PopDirectional", "x\xE2\x80\xAC", kBidi},                // U+202C
        RejectedCase{"LeftToRightIsolate",
                     "a\xE2\x81\xA6"
                     "b",
                     kBidi},                                               // U+2066
        RejectedCase{"PopIsolate", "a\xE2\x81\xA9", kBidi},                // U+2069
        RejectedCase{"ZeroWidthSpace", "\xE2\x80\x8B", kInvisible},        // U+200B
        RejectedCase{"WordJoiner", "\xE2\x81\xA0", kInvisible},            // U+2060
        RejectedCase{"ByteOrderMark", "\xEF\xBB\xBF", kInvisible},         // U+FEFF
        RejectedCase{"HangulFiller", "\xE3\x85\xA4", kInvisible},          // U+3164
        RejectedCase{"HangulChoseongFiller", "\xE1\x85\x9F", kInvisible},  // U+115F
        RejectedCase{"HangulJungseongFiller", "\xE1\x85\xA0", kInvisible},
        RejectedCase{"MongolianVowelSeparator", "\xE1\xA0\x8E", kInvisible},
        RejectedCase{"BrailleBlank", "\xE2\xA0\x80", kInvisible},  // U+2800
        RejectedCase{"InvisiblesAndSpaces", " \xE2\x80\x8B\n\xE3\x85\xA4\t\xEF\xBB\xBF ",
                     kInvisible}),
    [](const ::testing::TestParamInfo<RejectedCase>& p) { return p.param.name; });

TEST(ValidateTextTest, AcceptsExactlyMaxBytes) {
  EXPECT_EQ(ValidateText(std::string(kMax, 'x'), kMax, "message"), absl::OkStatus());
  // 1024 four-byte emoji: 4096 bytes, far fewer characters; the limit is in bytes.
  std::string emoji;
  for (int i = 0; i < 1024; ++i) emoji += "\xF0\x9F\x98\x80";
  ASSERT_EQ(emoji.size(), kMax);
  EXPECT_EQ(ValidateText(emoji, kMax, "message"), absl::OkStatus());
}

TEST(ValidateTextTest, RejectsOneByteOverMax) {
  absl::Status status = ValidateText(std::string(kMax + 1, 'x'), kMax, "message");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "message is too long: 4097 bytes, at most 4096 allowed");
}

TEST(ValidateTextTest, CountsBytesNotCharacters) {
  // Two characters, four bytes.
  EXPECT_EQ(ValidateText("\xC3\xA9\xC3\xA9", 3, "message").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateText("\xC3\xA9\xC3\xA9", 4, "message"), absl::OkStatus());
}

TEST(ValidateTextTest, NamesTheFieldInTheError) {
  EXPECT_EQ(ValidateText("", 10, "nickname").message(), "nickname is empty");
  EXPECT_THAT(std::string(ValidateText("\x01", 10, "status line").message()),
              HasSubstr("status line contains control characters"));
}

// U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR are white space (Unicode White_Space,
// categories Zl and Zp): a message of only these shows as nothing.
TEST(ValidateTextTest, LineAndParagraphSeparatorsAreWhiteSpace) {
  EXPECT_EQ(std::string(ValidateText("\xE2\x80\xA8", kMax, "message").message()), kBlank);
  EXPECT_EQ(std::string(ValidateText("\xE2\x80\xA9", kMax, "message").message()), kBlank);
  EXPECT_EQ(std::string(ValidateText(" \xE2\x80\xA8\n\xE2\x80\xA9 ", kMax, "message").message()),
            kBlank);
}

// Issue 23 item 3: a reaction is one emoji, however many code points make it.
TEST(ValidateEmojiTest, AcceptsOneEmojiOfAnyShape) {
  for (const char* emoji :
       {"👍", "❤️", "🇫🇷", "👍🏽", "👩‍💻", "🏳️‍🌈",
        "👨‍👩‍👧‍👦", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "☺", "✔️"}) {
    EXPECT_EQ(ValidateEmoji(emoji, 32), absl::OkStatus()) << emoji;
  }
}

TEST(ValidateEmojiTest, RefusesWhatIsNotOneEmoji) {
  struct Case {
    std::string text;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {"", "emoji is empty"},
           {"x", "that is not an emoji"},
           {"+1", "that is not an emoji"},
           {"1\uFE0F\u20E3", "that is not an emoji"},  // a keycap starts with a digit
           {"\u200D", "that is not an emoji"},
           {"\u0301", "that is not an emoji"},  // a combining mark alone
           {"👍\u200B", "that is not an emoji"},
           {"\t", "that is not an emoji"},
           {"👍👎", "give one emoji, not 2"},
           {"🇫🇷🇩🇪", "give one emoji, not 2"},
           {"\xF0\x9F\x91", "not valid UTF-8"},
           {"👨‍👩‍👧‍👦👍", "too long: 29 bytes, at most 28 allowed"},
       }) {
    const size_t max = c.error.find("at most 28") != std::string::npos ? 28 : 32;
    absl::Status status = ValidateEmoji(c.text, max);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.error)) << c.text;
  }
}

TEST(NormalizeNameTest, RefusesBidiControlsWithTheirOwnReason) {
  for (const char* name : {"ab\xE2\x80\xAE"
                           "cd",
                           "\xE2\x81\xA7"
                           "abc",
                           "abc\xE2\x81\xA9"}) {
    absl::Status status = NormalizeName(name, 3, 32, "username").status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << Printable(name);
    EXPECT_THAT(std::string(status.message()),
                HasSubstr("username contains bidirectional control characters"))
        << Printable(name);
  }
}

TEST(NormalizeNameTest, RefusesInvisibleLetters) {
  // U+3164 HANGUL FILLER is a letter (Lo) that shows as nothing; U+034F a combining mark likewise.
  for (const char* name : {"\xE3\x85\xA4\xE3\x85\xA4\xE3\x85\xA4", "alice\xE3\x85\xA4",
                           "ali\xCD\x8F"
                           "ce",
                           "bo\xEF\xBE\xA0"
                           "b"}) {
    absl::Status status = NormalizeName(name, 3, 32, "username").status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << Printable(name);
    EXPECT_EQ(status.message(), "username may contain only letters, digits, '_', '.' and '-'")
        << Printable(name);
  }
}

TEST(NormalizeNameTest, AcceptsLettersOfAnyScript) {
  EXPECT_EQ(NormalizeName("alice", 3, 32, "username").value(), "alice");
  // "анна" in Cyrillic and "김민수" in Hangul syllables.
  EXPECT_TRUE(NormalizeName("\xD0\xB0\xD0\xBD\xD0\xBD\xD0\xB0", 3, 32, "username").ok());
  EXPECT_TRUE(NormalizeName("\xEA\xB9\x80\xEB\xAF\xBC\xEC\x88\x98", 3, 32, "username").ok());
}

std::string Skeleton(std::string_view name) {
  auto skeleton = NameSkeleton(name);
  EXPECT_TRUE(skeleton.ok()) << skeleton.status();
  return skeleton.ok() ? *skeleton : "";
}

TEST(NameSkeletonTest, CyrillicLookAlikeOfLatinNameCollides) {
  EXPECT_EQ(Skeleton("p\xD0\xB0ypal"), Skeleton("paypal"));  // Cyrillic а U+0430
  EXPECT_EQ(Skeleton("\xD1\x80\xD0\xB0\xD1\x83\xD1\x80\xD0\xB0l"), Skeleton("paypal"));  // раураl
  EXPECT_EQ(Skeleton("ali\xD1\x81\xD0\xB5"), Skeleton("alice"));  // Cyrillic с and е
  EXPECT_EQ(Skeleton("b\xD0\xBE"
                     "b"),
            Skeleton("bob"));  // Cyrillic о U+043E
}

TEST(NameSkeletonTest, FullwidthLookAlikeOfLatinNameCollides) {
  // ｐａｙｐａｌ in fullwidth forms (U+FF50 ...).
  EXPECT_EQ(Skeleton("\xEF\xBD\x90\xEF\xBD\x81\xEF\xBD\x99\xEF\xBD\x90\xEF\xBD\x81\xEF\xBD\x8C"),
            Skeleton("paypal"));
  EXPECT_EQ(Skeleton("\xEF\xBC\xA1lice"), Skeleton("alice"));  // fullwidth capital Ａ
}

TEST(NameSkeletonTest, CaseAndConfusableDigitsCollide) {
  EXPECT_EQ(Skeleton("PayPal"), Skeleton("paypal"));
  EXPECT_EQ(Skeleton("paypa1"), Skeleton("paypal"));  // digit one for l
  EXPECT_EQ(Skeleton("g00gle"), Skeleton("google"));  // zeros for o
}

TEST(NameSkeletonTest, DifferentNamesDoNotCollide) {
  EXPECT_NE(Skeleton("alice"), Skeleton("alicia"));
  EXPECT_NE(Skeleton("paypal"), Skeleton("paypals"));
  EXPECT_NE(Skeleton("bob"), Skeleton("rob"));
  EXPECT_NE(Skeleton("\xD0\xB0\xD0\xBD\xD0\xBD\xD0\xB0"), Skeleton("alice"));  // анна
  EXPECT_NE(Skeleton("\xEA\xB9\x80\xEB\xAF\xBC\xEC\x88\x98"), Skeleton("bob"));
}

TEST(NameSkeletonTest, RefusesInvalidUtf8) {
  EXPECT_EQ(NameSkeleton("ab\xC3\x28").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(IsValidUtf8Test, EmptyIsValid) { EXPECT_TRUE(IsValidUtf8("")); }

TEST(IsValidUtf8Test, ControlCharactersAreValidUtf8) {
  // Encoding and content are separate checks: ValidateText rejects these, IsValidUtf8 does not.
  EXPECT_TRUE(IsValidUtf8(std::string("\0\x01\x1B\x7F", 4)));
}

TEST(IsValidUtf8Test, RejectsMalformedSequences) {
  for (const char* bad : {"\xC3\x28", "\xC3", "\xE2\x82", "\xF0\x9F\x98", "\xC0\x80",
                          "\xED\xBF\xBF", "\xF8\x88\x80\x80\x80", "ok\xFE"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << Printable(bad);
  }
}

}  // namespace
}  // namespace natter
