#include "search_commands.h"

#include "natter/v1/gateway.grpc.pb.h"
#include "output.h"

namespace natter::ctl {

nlohmann::json SearchHitJson(const v1::SearchHit& hit) {
  nlohmann::json marks = nlohmann::json::array();
  nlohmann::json matched = nlohmann::json::array();
  for (const auto& range : hit.marks()) {
    marks.push_back({range.begin(), range.end()});
    if (range.begin() <= range.end() && range.end() <= hit.snippet().size()) {
      matched.push_back(hit.snippet().substr(range.begin(), range.end() - range.begin()));
    }
  }
  return {{"type", "hit"},
          {"conversation", hit.conversation_id()},
          {"conversation_kind", hit.conversation_kind()},
          {"conversation_name", hit.conversation_name()},
          {"seq", hit.seq()},
          {"message_id", hit.message_id()},
          {"sender_id", hit.sender_id()},
          {"sender", hit.sender()},
          {"sent_at", Rfc3339(hit.sent_at_ms())},
          {"edited_at", hit.edited_at_ms() == 0 ? nlohmann::json(nullptr)
                                                : nlohmann::json(Rfc3339(hit.edited_at_ms()))},
          {"snippet", hit.snippet()},
          {"marks", std::move(marks)},
          {"matched", std::move(matched)},
          {"score", hit.score()}};
}

int Search(const Globals& g, const std::string& query, uint32_t limit,
           const std::string& page_token) {
  auto context = AuthedContext(g);
  v1::SearchRequest request;
  request.set_query(query);
  request.set_limit(limit);
  request.set_page_token(page_token);
  v1::SearchResponse response;
  CheckStatus(GatewayStub(g)->Search(context.get(), request, &response), g);
  for (const auto& hit : response.hits()) PrintJson(SearchHitJson(hit));
  if (!response.next_page_token().empty()) {
    PrintJson({{"type", "more"}, {"before", response.next_page_token()}});
  }
  return 0;
}

}  // namespace natter::ctl
