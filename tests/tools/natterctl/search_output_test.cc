// natterctl search's output: one "hit" line per hit, with the marked text spelled out.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "search_commands.h"

namespace natter::ctl {
namespace {

TEST(SearchOutputTest, AHitLineCarriesItsPlaceItsSenderAndWhatMatched) {
  v1::SearchHit hit;
  hit.set_conversation_id(7);
  hit.set_conversation_kind("room");
  hit.set_conversation_name("dev");
  hit.set_seq(12);
  hit.set_message_id(40);
  hit.set_sender_id(1);
  hit.set_sender("ann");
  hit.set_sent_at_ms(1767225600123);
  hit.set_snippet("…用中文 lunch");
  auto* cjk = hit.add_marks();
  cjk->set_begin(6);  // after "…" (3 bytes) and 用 (3 bytes)
  cjk->set_end(12);
  auto* word = hit.add_marks();
  word->set_begin(13);
  word->set_end(18);
  hit.set_score(1.5);
  nlohmann::json j = SearchHitJson(hit);
  EXPECT_EQ(j["type"], "hit");
  EXPECT_EQ(j["conversation"], 7);
  EXPECT_EQ(j["conversation_kind"], "room");
  EXPECT_EQ(j["conversation_name"], "dev");
  EXPECT_EQ(j["seq"], 12);
  EXPECT_EQ(j["message_id"], 40);
  EXPECT_EQ(j["sender"], "ann");
  EXPECT_EQ(j["sent_at"], "2026-01-01T00:00:00.123Z");
  EXPECT_TRUE(j["edited_at"].is_null());
  EXPECT_EQ(j["marks"], nlohmann::json::parse("[[6,12],[13,18]]"));
  EXPECT_EQ(j["matched"], nlohmann::json::parse(R"(["中文","lunch"])"));
  EXPECT_EQ(j["score"], 1.5);
  hit.set_edited_at_ms(1767225601000);
  EXPECT_EQ(SearchHitJson(hit)["edited_at"], "2026-01-01T00:00:01.000Z");
}

TEST(SearchOutputTest, AMarkOutsideTheSnippetIsNotSpelledOut) {
  v1::SearchHit hit;
  hit.set_snippet("short");
  auto* bad = hit.add_marks();
  bad->set_begin(3);
  bad->set_end(99);
  EXPECT_EQ(SearchHitJson(hit)["matched"], nlohmann::json::array());
}

}  // namespace
}  // namespace natter::ctl
