// The pinned messages of the open conversation, in a bar above its messages (as Telegram's): the
// most recently pinned one (sender and the start of its text); a click shows that message and
// moves the bar on to the next older pin, round again after the oldest; the list button lists them
// all. Loaded with ListPins when a conversation opens (so pins survive a restart) and again when a
// message_pinned or message_unpinned entry arrives, or a pinned message is edited or deleted.
#pragma once

#include <QLabel>
#include <QToolButton>
#include <QWidget>
#include <functional>
#include <vector>

#include "api_client.h"

namespace natter::client {

class PinnedBar : public QWidget {
  Q_OBJECT

 public:
  // How a user is shown (their display name), from their id and username.
  using Names = std::function<QString(uint64_t user_id, const QString& username)>;

  PinnedBar(ApiClient& api, Names names, QWidget* parent = nullptr);

  // Shows the pins of `conversation_id` (0: none, hidden).
  void Load(uint64_t conversation_id);
  // A live entry: one that pins, unpins, edits or deletes a pinned message of the shown
  // conversation loads its pins again.
  void OnEntry(const v1::ChatMessage& entry);
  bool IsPinned(uint64_t seq) const;
  // The pins shown, most recently pinned first.
  const std::vector<v1::Pin>& pins() const { return pins_; }
  // The pin the bar shows now (an index into pins()).
  int current() const { return current_; }

 signals:
  // Show message `seq` of the conversation.
  void jumpRequested(quint64 seq);

 protected:
  void mouseReleaseEvent(QMouseEvent* event) override;

 private:
  void Refresh();
  QString Snippet(const v1::Pin& pin) const;

  ApiClient& api_;
  Names names_;
  uint64_t conversation_id_ = 0;
  uint64_t generation_ = 0;  // of the last request; older answers are dropped
  std::vector<v1::Pin> pins_;
  int current_ = 0;
  QLabel* title_;
  QLabel* snippet_;
  QToolButton* list_;
};

}  // namespace natter::client
