#include "conversation_model.h"

#include <QStringList>
#include <algorithm>

#include "file_transfer.h"

namespace natter::client {

ConversationModel::ConversationModel(QObject* parent) : SortedListModel(parent) {}

bool ConversationModel::Before(const Row& a, const Row& b) const {
  if (a.last_at_ms != b.last_at_ms) return a.last_at_ms > b.last_at_ms;
  return a.conversation.id() < b.conversation.id();
}

void ConversationModel::Reset(const std::vector<v1::Conversation>& conversations,
                              uint64_t own_user_id) {
  beginResetModel();
  own_user_id_ = own_user_id;
  // Keep what is known of previews across a reconnect.
  std::vector<Row> previous = std::move(rows_);
  rows_.clear();
  for (const auto& c : conversations) {
    Row row{c, {}, 0, {}};
    for (const auto& p : previous) {
      if (p.conversation.id() == c.id()) {
        row.preview = p.preview;
        row.last_at_ms = p.last_at_ms;
        row.previewed = p.previewed;
      }
    }
    if (c.has_last_entry()) SetPreview(row, c.last_entry());
    rows_.push_back(std::move(row));
  }
  SortAll();
  endResetModel();
  emit totalUnreadChanged(total_unread());
}

void ConversationModel::Upsert(const v1::Conversation& conversation) {
  int row = RowOf(conversation.id());
  if (row >= 0) {
    Row& r = rows_[static_cast<size_t>(row)];
    r.conversation = conversation;
    if (conversation.has_last_entry()) SetPreview(r, conversation.last_entry());
    emit dataChanged(index(row), index(row));
    Reorder(row);
  } else {
    Row fresh{conversation, {}, 0, {}};
    if (conversation.has_last_entry()) SetPreview(fresh, conversation.last_entry());
    InsertSorted(std::move(fresh));
  }
  emit totalUnreadChanged(total_unread());
}

void ConversationModel::Remove(uint64_t conversation_id) {
  int row = RowOf(conversation_id);
  if (row < 0) return;
  RemoveAt(row);
  emit totalUnreadChanged(total_unread());
}

void ConversationModel::OnEntry(const v1::ChatMessage& entry, bool is_open) {
  int row = RowOf(entry.conversation_id());
  if (row < 0) {
    // The first message of a direct conversation that began just now.
    v1::Conversation c;
    c.set_id(entry.conversation_id());
    // A group's entry names neither a room nor a peer; its title and members come with the next
    // ListConversations (a "joined" event asks for it).
    c.set_kind(!entry.room().empty() ? "room" : entry.peer_id() != 0 ? "direct" : "group");
    c.set_name(entry.room().empty() ? entry.peer() : entry.room());
    c.set_peer_id(entry.peer_id());
    Upsert(c);
    row = RowOf(entry.conversation_id());
  }
  Row& r = rows_[static_cast<size_t>(row)];
  r.conversation.set_latest_seq(std::max(r.conversation.latest_seq(), entry.seq()));
  const std::string& type = entry.type();
  if (type.empty() || type == "message") {
    SetPreview(r, entry);
    if (entry.sender_id() != own_user_id_ && !is_open) {
      r.conversation.set_unread(r.conversation.unread() + 1);
    }
  } else if (type == "reaction_added" || type == "reaction_removed") {
    return;  // a reaction is no news: the conversation keeps its place, preview and badge
  } else if ((type == "message_edited" || type == "message_deleted") && r.previewed.seq() != 0 &&
             entry.target_seq() == r.previewed.seq()) {
    // The previewed message as it is now; it is no newer for that.
    v1::ChatMessage now = r.previewed;
    if (type == "message_edited") {
      if (now.deleted()) return;
      now.set_text(entry.text());
      now.set_edited_at_ms(entry.sent_at_ms());
    } else {
      now.set_text("");
      now.set_deleted(true);
    }
    SetPreview(r, now);
    emit dataChanged(index(row), index(row), {kPreviewRole});
    return;
  }
  emit dataChanged(index(row), index(row));
  Reorder(row);
  emit totalUnreadChanged(total_unread());
}

void ConversationModel::NamesChanged() {
  if (rows_.empty()) return;
  emit dataChanged(index(0), index(static_cast<int>(rows_.size()) - 1),
                   {Qt::DisplayRole, kTitleRole, kSearchRole, kPreviewRole});
}

QString ConversationModel::NameOf(uint64_t user_id, const std::string& username) const {
  return names_ ? names_->Of(user_id, username) : QString::fromStdString(username);
}

// What a preview says of a message: its text; for a picture or file, what it is (and its caption).
// A listing's last_entry carries its attachment too, but a server from before it did not: a message
// with neither text nor attachment can only be one with a file.
QString ConversationModel::PreviewText(const v1::ChatMessage& entry) const {
  if (entry.deleted()) return tr("message deleted");
  const QString text = QString::fromStdString(entry.text()).simplified();
  if (entry.has_attachment() && !entry.attachment().file_id().empty()) {
    const QString file = AttachmentSummary(entry.attachment());
    return text.isEmpty() ? file : file.left(file.indexOf(QLatin1Char(' '))) + ' ' + text;
  }
  if (text.isEmpty() && (entry.type().empty() || entry.type() == "message")) return tr("📎 File");
  return text;
}

QString ConversationModel::Preview(const Row& r) const {
  const v1::ChatMessage& entry = r.previewed;
  if (entry.seq() == 0 && entry.text().empty() && !entry.deleted()) return r.preview;
  QString text = PreviewText(entry);
  if (entry.sender_id() == own_user_id_) return tr("You: %1").arg(text);
  if (r.conversation.kind() == "direct") return text;
  return QStringLiteral("%1: %2").arg(NameOf(entry.sender_id(), entry.sender()), text);
}

void ConversationModel::SetPreview(Row& r, const v1::ChatMessage& entry) const {
  const std::string& type = entry.type();
  if (!type.empty() && type != "message" && type != "message_edited") return;
  r.previewed = entry;
  if (type == "message_edited") {
    // A listing's latest entry may be an edit: it stands for the message it changed.
    r.previewed.set_seq(entry.target_seq());
    r.previewed.set_type("message");
  }
  QString text = PreviewText(r.previewed);
  r.preview =
      entry.sender_id() == own_user_id_
          ? tr("You: %1").arg(text)
          : (r.conversation.kind() != "direct"
                 ? QStringLiteral("%1: %2").arg(QString::fromStdString(entry.sender()), text)
                 : text);
  r.last_at_ms = std::max(r.last_at_ms, entry.sent_at_ms());
}

void ConversationModel::SetRead(uint64_t conversation_id, uint64_t last_read_seq, uint64_t unread) {
  int row = RowOf(conversation_id);
  if (row < 0) return;
  Row& r = rows_[static_cast<size_t>(row)];
  if (last_read_seq < r.conversation.last_read_seq()) return;
  r.conversation.set_last_read_seq(last_read_seq);
  r.conversation.set_unread(unread);
  emit dataChanged(index(row), index(row), {kUnreadRole});
  emit totalUnreadChanged(total_unread());
}

void ConversationModel::SetNotifications(const v1::NotificationSettings& settings) {
  int row = RowOf(settings.conversation_id());
  if (row < 0) return;
  *rows_[static_cast<size_t>(row)].conversation.mutable_notifications() = settings;
  emit dataChanged(index(row), index(row), {kQuietRole});
  emit totalUnreadChanged(total_unread());
}

namespace {

// Quiet: only a mention notifies (a mute, the "mentions" level), or nothing ("none").
bool Quiet(const v1::NotificationSettings& n, int64_t now_ms) {
  return n.muted_until_ms() > now_ms || n.level() == v1::NOTIFY_LEVEL_NONE ||
         n.level() == v1::NOTIFY_LEVEL_MENTIONS;
}

}  // namespace

bool ConversationModel::Notifies(uint64_t conversation_id, int64_t now_ms) const {
  const v1::Conversation* c = Find(conversation_id);
  return c == nullptr || !Quiet(c->notifications(), now_ms);
}

bool ConversationModel::NotifiesOfMention(uint64_t conversation_id) const {
  const v1::Conversation* c = Find(conversation_id);
  return c == nullptr || c->notifications().level() != v1::NOTIFY_LEVEL_NONE;
}

void ConversationModel::SetPeerRead(uint64_t conversation_id, uint64_t seq) {
  int row = RowOf(conversation_id);
  if (row < 0) return;
  v1::Conversation& c = rows_[static_cast<size_t>(row)].conversation;
  if (seq <= c.peer_read_seq()) return;
  c.set_peer_read_seq(seq);
}

int ConversationModel::RowOf(uint64_t conversation_id) const {
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (rows_[i].conversation.id() == conversation_id) return static_cast<int>(i);
  }
  return -1;
}

const v1::Conversation* ConversationModel::Find(uint64_t conversation_id) const {
  int row = RowOf(conversation_id);
  return row < 0 ? nullptr : &rows_[static_cast<size_t>(row)].conversation;
}

int ConversationModel::total_unread() const {
  // Muted conversations keep their own (grey) counts but stay out of the total, as they stay out of
  // notifications.
  const int64_t now_ms = QDateTime::currentMSecsSinceEpoch();
  uint64_t total = 0;
  for (const auto& r : rows_) {
    if (!Quiet(r.conversation.notifications(), now_ms)) total += r.conversation.unread();
  }
  return static_cast<int>(std::min<uint64_t>(total, 1000000));
}

QString ConversationModel::GroupTitle(const v1::Conversation& group) {
  if (!group.name().empty()) return QString::fromStdString(group.name());
  QStringList names;
  for (const std::string& name : group.member_names()) names << QString::fromStdString(name);
  if (names.isEmpty()) return tr("Group");
  // Everyone but the viewer; member_names has at most 5 of them.
  const int others = std::max(static_cast<int>(group.member_count()) - 1, names.size());
  if (others == 1) return names[0];
  if (others == 2 && names.size() >= 2) return tr("%1 and %2").arg(names[0], names[1]);
  if (others == 3 && names.size() >= 3) {
    return tr("%1, %2 and %3").arg(names[0], names[1], names[2]);
  }
  return tr("%1, %2 and %n others", "", others - 2).arg(names[0], names.value(1));
}

QVariant ConversationModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= static_cast<int>(rows_.size())) return {};
  const Row& r = rows_[static_cast<size_t>(index.row())];
  const v1::Conversation& c = r.conversation;
  if (c.kind() == "group" &&
      (role == kNameRole || role == Qt::DisplayRole || role == kTitleRole || role == kSearchRole)) {
    return GroupTitle(c);
  }
  switch (role) {
    case kNameRole:
      return c.kind() == "room" ? QStringLiteral("#") + QString::fromStdString(c.name())
                                : QString::fromStdString(c.name());
    case Qt::DisplayRole:
    case kTitleRole:
      return c.kind() == "room" ? QStringLiteral("#") + QString::fromStdString(c.name())
                                : NameOf(c.peer_id(), c.name());
    case kSearchRole:
      return c.kind() == "room" ? QStringLiteral("#") + QString::fromStdString(c.name())
                                : NameOf(c.peer_id(), c.name()) + QLatin1Char(' ') +
                                      QString::fromStdString(c.name());
    case kIdRole:
      return QVariant::fromValue<qulonglong>(c.id());
    case kKindRole:
      return QString::fromStdString(c.kind());
    case kTopicRole:
      return QString::fromStdString(c.topic());
    case kPreviewRole:
      return Preview(r);
    case kTimeRole:
      return r.last_at_ms == 0 ? QDateTime() : QDateTime::fromMSecsSinceEpoch(r.last_at_ms);
    case kUnreadRole:
      return static_cast<int>(std::min<uint64_t>(c.unread(), 1000000));
    case kPeerIdRole:
      return QVariant::fromValue<qulonglong>(c.peer_id());
    case kLatestSeqRole:
      return QVariant::fromValue<qulonglong>(c.latest_seq());
    case kQuietRole:
      return Quiet(c.notifications(), QDateTime::currentMSecsSinceEpoch());
    case Qt::ToolTipRole:
      return c.topic().empty() ? QVariant() : QString::fromStdString(c.topic());
    default:
      return {};
  }
}

}  // namespace natter::client
