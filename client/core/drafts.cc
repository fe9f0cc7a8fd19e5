#include "drafts.h"

namespace natter::client {

Drafts::Drafts(const QString& account) : group_(QStringLiteral("drafts/") + account) {}

QString Drafts::Key(uint64_t conversation_id) const {
  return group_ + QLatin1Char('/') + QString::number(conversation_id);
}

QString Drafts::Text(uint64_t conversation_id) const {
  return settings_.value(Key(conversation_id)).toString();
}

void Drafts::Set(uint64_t conversation_id, const QString& text) {
  if (text.trimmed().isEmpty()) {
    settings_.remove(Key(conversation_id));
  } else {
    settings_.setValue(Key(conversation_id), text);
  }
}

void Drafts::Clear() { settings_.remove(group_); }

}  // namespace natter::client
