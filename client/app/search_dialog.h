// Message search (Ctrl+Shift+F): a query in PROTOCOL.md's syntax (words, "phrases", from:, in:,
// before:/after:), the hits most relevant first with their conversation, sender, time and snippet
// (the matched words in bold), more on "More results" or scrolling to the end, and refusals in
// words. Activating a hit asks the window to show that message in its conversation.
#pragma once

#include <QDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <functional>
#include <string>

#include "api_client.h"

namespace natter::client {

class SearchDialog : public QDialog {
  Q_OBJECT

 public:
  // Roles of a result item.
  enum Role { kConversationRole = Qt::UserRole + 1, kSeqRole };
  // How a user is shown (their display name), from their id and username.
  using Names = std::function<QString(uint64_t user_id, const QString& username)>;

  SearchDialog(ApiClient& api, Names names, QWidget* parent = nullptr);

  // Searches for `query` from its first page (what Enter in the query field does).
  void Search(const QString& query);
  // The hit's snippet as rich text: escaped, with its marked byte ranges in bold. Marks that are
  // out of order, overlap or fall outside the snippet are left out.
  static QString SnippetHtml(const v1::SearchHit& hit);

 signals:
  void hitActivated(quint64 conversation_id, quint64 seq);

 private:
  // Asks for the next page of the shown search.
  void More();
  void Fetch(const std::string& page_token);
  void AddHit(const v1::SearchHit& hit);

  ApiClient& api_;
  Names names_;
  QLineEdit* query_;
  QListWidget* results_;
  QPushButton* more_;
  QLabel* status_;
  QString searched_;         // the query whose hits are shown
  std::string next_page_;    // empty: no more
  uint64_t generation_ = 0;  // of the search shown; answers to older ones are dropped
  bool busy_ = false;
};

}  // namespace natter::client
