// The composer's unsent text (and the message it replies to), one draft per conversation: what is
// typed in one conversation never shows in another, and is there again on coming back, also after a
// restart (kept in QSettings, under the account, so two accounts on one computer never see each
// other's drafts).
#pragma once

#include <QSettings>
#include <QString>
#include <cstdint>
#include <string>

namespace natter::client {

class Drafts {
 public:
  // The message a draft replies to (kept like the draft: per conversation, across restarts), and
  // how the reply bar shows it.
  struct Reply {
    uint64_t seq = 0;  // 0: the draft is no reply
    QString sender;
    QString snippet;
  };

  // `account` names the signed-in user on their server: "USER_ID@HOST:PORT".
  explicit Drafts(const QString& account);

  QString Text(uint64_t conversation_id) const;
  // An empty (or white-space only) text forgets the draft (and its client_msg_id, if any).
  void Set(uint64_t conversation_id, const QString& text);
  // The draft was on its way to the server as `client_msg_id` when the window closed: if it is sent
  // again unchanged it goes with the same id, and the server stores it once (docs/PROTOCOL.md).
  void SetSending(uint64_t conversation_id, const QString& text, const std::string& client_msg_id);
  // The client_msg_id to send `text` with, if it is the text that was on its way; else empty.
  std::string SendingId(uint64_t conversation_id, const QString& text) const;
  Reply ReplyTo(uint64_t conversation_id) const;
  // A `reply` with seq 0 forgets it.
  void SetReplyTo(uint64_t conversation_id, const Reply& reply);
  // Forgets all of this account's drafts (on logging out, so they do not stay on the computer).
  void Clear();

 private:
  QString Key(uint64_t conversation_id) const;
  QString SendingKey(uint64_t conversation_id) const;
  QString ReplyKey(uint64_t conversation_id) const;

  QString group_;
  QSettings settings_;
};

}  // namespace natter::client
