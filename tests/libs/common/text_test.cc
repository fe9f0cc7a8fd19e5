// ValidateText and IsValidUtf8: the checks every user-supplied message body passes.
#include "common/text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

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
                      TextCase{"EmojiAfterNewline", "\n\xF0\x9F\x98\x80"}),
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

INSTANTIATE_TEST_SUITE_P(
    Texts, RejectedTextTest,
    ::testing::Values(RejectedCase{"Empty", "", "message is empty"},
                      RejectedCase{"OneSpace", " ", kBlank},
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
                      RejectedCase{"Escape", "\x1B[31mred", kControl},
                      RejectedCase{"Bell", "ding\a", kControl},
                      RejectedCase{"Delete", "del\x7F", kControl},
                      RejectedCase{"CarriageReturn", "one\r\ntwo", kControl},
                      RejectedCase{"NextLineC1", "a\xC2\x85", kControl},  // U+0085
                      RejectedCase{"ControlAmongSpaces", " \x0B ", kControl}),
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
