#include "drafts.h"

namespace natter::client {

Drafts::Drafts(const QString& account) : group_(QStringLiteral("drafts/") + account) {}

QString Drafts::Key(uint64_t conversation_id) const {
  return group_ + QLatin1Char('/') + QString::number(conversation_id);
}

// Beside the drafts, not under them: a settings key is a value or a group, best not both.
QString Drafts::SendingKey(uint64_t conversation_id) const {
  return group_ + QStringLiteral("/sending/") + QString::number(conversation_id);
}

QString Drafts::ReplyKey(uint64_t conversation_id) const {
  return group_ + QStringLiteral("/reply/") + QString::number(conversation_id);
}

Drafts::Reply Drafts::ReplyTo(uint64_t conversation_id) const {
  const QStringList kept = settings_.value(ReplyKey(conversation_id)).toStringList();
  if (kept.size() != 3) return {};
  return Reply{kept[0].toULongLong(), kept[1], kept[2]};
}

void Drafts::SetReplyTo(uint64_t conversation_id, const Reply& reply) {
  if (reply.seq == 0) {
    settings_.remove(ReplyKey(conversation_id));
    return;
  }
  settings_.setValue(ReplyKey(conversation_id),
                     QStringList{QString::number(reply.seq), reply.sender, reply.snippet});
}

void Drafts::SetSending(uint64_t conversation_id, const QString& text,
                        const std::string& client_msg_id) {
  Set(conversation_id, text);
  if (text.trimmed().isEmpty()) return;
  settings_.setValue(SendingKey(conversation_id),
                     QStringList{QString::fromStdString(client_msg_id), text});
}

std::string Drafts::SendingId(uint64_t conversation_id, const QString& text) const {
  const QStringList sending = settings_.value(SendingKey(conversation_id)).toStringList();
  if (sending.size() != 2 || sending[1] != text) return {};
  return sending[0].toStdString();
}

QString Drafts::Text(uint64_t conversation_id) const {
  return settings_.value(Key(conversation_id)).toString();
}

void Drafts::Set(uint64_t conversation_id, const QString& text) {
  if (text.trimmed().isEmpty()) {
    settings_.remove(Key(conversation_id));
    settings_.remove(SendingKey(conversation_id));
  } else {
    settings_.setValue(Key(conversation_id), text);
  }
}

void Drafts::Clear() { settings_.remove(group_); }

}  // namespace natter::client
