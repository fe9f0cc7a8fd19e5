#include "message_model.h"

#include <QLocale>
#include <QVector>
#include <algorithm>

namespace natter::client {
namespace {

constexpr int64_t kGroupGapMs = 5 * 60 * 1000;

QDateTime LocalTime(int64_t ms) { return QDateTime::fromMSecsSinceEpoch(ms).toLocalTime(); }

}  // namespace

MessageModel::MessageModel(QObject* parent) : QAbstractListModel(parent) {}

void MessageModel::Reset(uint64_t conversation_id, uint64_t own_user_id) {
  beginResetModel();
  conversation_id_ = conversation_id;
  own_user_id_ = own_user_id;
  peer_read_seq_ = 0;
  divider_ = false;
  read_up_to_ = 0;
  rows_.clear();
  endResetModel();
}

bool MessageModel::IsReaction(const v1::ChatMessage& entry) {
  return entry.type() == "reaction_added" || entry.type() == "reaction_removed";
}

bool MessageModel::IsRow(const v1::ChatMessage& entry) {
  return entry.type() != "message_edited" && entry.type() != "message_deleted" &&
         !IsReaction(entry);
}

int MessageModel::RowOfSeq(uint64_t seq) const {
  auto it = std::lower_bound(rows_.begin(), rows_.end(), seq,
                             [](const v1::ChatMessage& m, uint64_t s) { return m.seq() < s; });
  if (it == rows_.end() || it->seq() != seq) return -1;
  return static_cast<int>(it - rows_.begin());
}

void MessageModel::Apply(const v1::ChatMessage& entry) {
  if (entry.conversation_id() != conversation_id_) return;
  if (!IsRow(entry)) {
    ApplyChange(entry);
    return;
  }
  auto it = std::lower_bound(rows_.begin(), rows_.end(), entry.seq(),
                             [](const v1::ChatMessage& m, uint64_t s) { return m.seq() < s; });
  if (it != rows_.end() && it->seq() == entry.seq()) return;  // already shown
  int row = static_cast<int>(it - rows_.begin());
  beginInsertRows(QModelIndex(), row, row);
  rows_.insert(it, entry);
  endInsertRows();
  RefreshNeighbours(row);
}

void MessageModel::ApplyChange(const v1::ChatMessage& change) {
  if (!IsReaction(change)) UpdateQuotes(change);
  int row = RowOfSeq(change.target_seq());
  // Entries arrive in seq order, so a change comes after its message; a message that is not
  // loaded is older than the loaded page, and history brings it as it is now.
  if (row < 0) return;
  v1::ChatMessage& target = rows_[static_cast<size_t>(row)];
  if (IsReaction(change)) {
    // The entry carries the message's whole set after it: replacing it converges, however the
    // entry came (live, or again in a sync).
    if (target.deleted()) return;
    *target.mutable_reactions() = change.reactions();
    QModelIndex at = index(row);
    emit dataChanged(at, at, {kReactionsRole});
    return;
  }
  if (change.type() == "message_edited") {
    if (target.deleted()) return;
    target.set_text(change.text());
    target.set_edited_at_ms(change.sent_at_ms());
    *target.mutable_mentions() = change.mentions();  // those of the new text
  } else {
    target.set_text("");
    target.set_deleted(true);
    target.clear_reactions();
  }
  QModelIndex at = index(row);
  emit dataChanged(at, at, {kTextRole, kEditedRole, kDeletedRole, kReactionsRole, Qt::DisplayRole});
}

void MessageModel::UpdateQuotes(const v1::ChatMessage& change) {
  // The quoted message itself may be older than the loaded page: its replies follow it all the
  // same, as the server would show them now (docs/PROTOCOL.md).
  for (size_t i = 0; i < rows_.size(); ++i) {
    v1::ChatMessage& reply = rows_[i];
    if (reply.reply_to_seq() == 0 || reply.reply_to_seq() != change.target_seq()) continue;
    v1::ReplyPreview* quote = reply.mutable_reply();
    if (change.type() == "message_edited") {
      if (quote->deleted()) continue;
      // As the server quotes: the first 100 characters (code points).
      const QVector<uint> codes = QString::fromStdString(change.text()).toUcs4();
      quote->set_snippet(
          QString::fromUcs4(codes.constData(), std::min(codes.size(), 100)).toStdString());
    } else {
      quote->set_snippet("");
      quote->set_deleted(true);
    }
    QModelIndex at = index(static_cast<int>(i));
    emit dataChanged(at, at, {kReplySnippetRole, kReplyDeletedRole});
  }
}

void MessageModel::PrependHistory(const std::vector<v1::ChatMessage>& entries) {
  std::vector<v1::ChatMessage> older;
  uint64_t first = oldest_seq();
  for (const auto& e : entries) {
    if (e.conversation_id() != conversation_id_ || !IsRow(e)) continue;
    if (first != 0 && e.seq() >= first) continue;  // already loaded
    if (!older.empty() && e.seq() <= older.back().seq()) continue;
    older.push_back(e);
  }
  if (older.empty()) return;
  beginInsertRows(QModelIndex(), 0, static_cast<int>(older.size()) - 1);
  rows_.insert(rows_.begin(), older.begin(), older.end());
  endInsertRows();
  RefreshNeighbours(static_cast<int>(older.size()));
}

void MessageModel::SetReadUpTo(uint64_t seq) {
  divider_ = true;
  read_up_to_ = seq;
  if (!rows_.empty()) {
    emit dataChanged(index(0), index(static_cast<int>(rows_.size()) - 1), {kFirstUnreadRole});
  }
}

int MessageModel::FirstUnreadRow() const {
  if (!divider_) return -1;
  for (size_t i = 0; i < rows_.size(); ++i) {
    const v1::ChatMessage& m = rows_[i];
    if (m.seq() > read_up_to_ && m.sender_id() != own_user_id_ &&
        (m.type().empty() || m.type() == "message")) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

void MessageModel::SetPeerReadSeq(uint64_t seq) {
  if (seq <= peer_read_seq_) return;
  peer_read_seq_ = seq;
  if (rows_.empty()) return;
  emit dataChanged(index(0), index(static_cast<int>(rows_.size()) - 1), {kReadByPeerRole});
}

void MessageModel::RefreshNeighbours(int row) {
  int last = static_cast<int>(rows_.size()) - 1;
  int from = std::max(0, row - 1);
  int to = std::min(last, row + 1);
  if (from <= to) {
    emit dataChanged(index(from), index(to), {kGroupStartRole, kGroupEndRole, kDayStartRole});
  }
}

void MessageModel::NamesChanged() {
  if (rows_.empty()) return;
  emit dataChanged(index(0), index(static_cast<int>(rows_.size()) - 1),
                   {kSenderRole, kTextRole, kReplySenderRole, kReactionsRole, Qt::DisplayRole});
}

QString MessageModel::NameOf(uint64_t user_id, const std::string& username) const {
  return names_ ? names_->Of(user_id, username) : QString::fromStdString(username);
}

QString MessageModel::Describe(const v1::ChatMessage& e) const {
  const QString who = NameOf(e.sender_id(), e.sender());
  const QString text = QString::fromStdString(e.text());
  if (e.type() == "room_created") return tr("%1 created the room %2").arg(who, text);
  if (e.type() == "member_joined") return tr("%1 joined").arg(who);
  if (e.type() == "group_created") {
    return text.isEmpty() ? tr("%1 created the group").arg(who)
                          : tr("%1 created the group %2").arg(who, text);
  }
  if (e.type() == "member_added") {
    return tr("%1 added %2").arg(who, NameOf(e.target_user_id(), e.target_user()));
  }
  if (e.type() == "group_renamed") {
    return text.isEmpty() ? tr("%1 removed the group's title").arg(who)
                          : tr("%1 renamed the group to %2").arg(who, text);
  }
  if (e.type() == "member_left") return tr("%1 left").arg(who);
  if (e.type() == "member_removed") {
    return tr("%1 removed %2").arg(who, NameOf(e.target_user_id(), e.target_user()));
  }
  if (e.type() == "member_role_changed") {
    const QString target = NameOf(e.target_user_id(), e.target_user());
    return text == QLatin1String("moderator") ? tr("%1 made %2 a moderator").arg(who, target)
                                              : tr("%1 is no longer a moderator").arg(target);
  }
  if (e.type() == "topic_changed") {
    return text.isEmpty() ? tr("%1 cleared the topic").arg(who)
                          : tr("%1 set the topic: %2").arg(who, text);
  }
  if (e.type() == "room_renamed") return tr("%1 renamed the room to %2").arg(who, text);
  if (e.type() == "message_pinned" || e.type() == "message_unpinned") {
    // The message it names, when loaded: "Ben pinned “the plan”".
    const int target = RowOfSeq(e.target_seq());
    QString quoted =
        target >= 0 ? QString::fromStdString(rows_[static_cast<size_t>(target)].text()).simplified()
                    : QString();
    if (quoted.size() > 50) quoted = quoted.left(50) + QStringLiteral("…");
    const bool pinned = e.type() == "message_pinned";
    if (quoted.isEmpty()) {
      return pinned ? tr("%1 pinned a message").arg(who) : tr("%1 unpinned a message").arg(who);
    }
    return pinned ? tr("%1 pinned “%2”").arg(who, quoted) : tr("%1 unpinned “%2”").arg(who, quoted);
  }
  if (e.deleted()) return tr("This message was deleted.");
  return text;
}

int MessageModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

QVariant MessageModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= static_cast<int>(rows_.size())) return {};
  const size_t i = static_cast<size_t>(index.row());
  const v1::ChatMessage& m = rows_[i];
  switch (role) {
    case Qt::DisplayRole:
    case kTextRole:
      return Describe(m);
    case kSeqRole:
      return QVariant::fromValue<qulonglong>(m.seq());
    case kTypeRole:
      return QString::fromStdString(m.type().empty() ? "message" : m.type());
    case kSenderRole:
      return NameOf(m.sender_id(), m.sender());
    case kSenderIdRole:
      return QVariant::fromValue<qulonglong>(m.sender_id());
    case kSentAtRole:
      return LocalTime(m.sent_at_ms());
    case kEditedRole:
      return m.edited_at_ms() != 0;
    case kDeletedRole:
      return m.deleted();
    case kOwnRole:
      return m.sender_id() == own_user_id_;
    case kGroupStartRole: {
      if (i == 0) return true;
      const v1::ChatMessage& prev = rows_[i - 1];
      bool is_message = m.type().empty() || m.type() == "message";
      bool prev_message = prev.type().empty() || prev.type() == "message";
      return !is_message || !prev_message || prev.sender_id() != m.sender_id() ||
             m.sent_at_ms() - prev.sent_at_ms() > kGroupGapMs ||
             LocalTime(prev.sent_at_ms()).date() != LocalTime(m.sent_at_ms()).date();
    }
    case kGroupEndRole:
      return i + 1 == rows_.size() || data(this->index(index.row() + 1), kGroupStartRole).toBool();
    case Qt::ToolTipRole:
      // The time of every message, also of those in a run that show none.
      return QLocale().toString(LocalTime(m.sent_at_ms()), QLocale::ShortFormat);
    case kDayStartRole:
      return i == 0 ||
             LocalTime(rows_[i - 1].sent_at_ms()).date() != LocalTime(m.sent_at_ms()).date();
    case kReadByPeerRole:
      return m.sender_id() == own_user_id_ && m.seq() <= peer_read_seq_;
    case kFirstUnreadRole:
      return divider_ && index.row() == FirstUnreadRow();
    case kReplyToSeqRole:
      return QVariant::fromValue<qulonglong>(m.reply_to_seq());
    case kReplySenderRole:
      return m.reply_to_seq() == 0 ? QString() : NameOf(m.reply().sender_id(), m.reply().sender());
    case kReplySnippetRole:
      return QString::fromStdString(m.reply().snippet());
    case kReplyDeletedRole:
      return m.reply_to_seq() != 0 && m.reply().deleted();
    case kReactionsRole: {
      QList<Reaction> out;
      for (const v1::Reaction& r : m.reactions()) {
        Reaction chip;
        chip.emoji = QString::fromStdString(r.emoji());
        chip.count = static_cast<int>(r.count());
        for (int u = 0; u < r.user_ids_size(); ++u) {
          chip.mine = chip.mine || r.user_ids(u) == own_user_id_;
          chip.users << NameOf(r.user_ids(u), u < r.users_size() ? r.users(u) : std::string());
        }
        out << chip;
      }
      return QVariant::fromValue(out);
    }
    case kMentionsRole: {
      QStringList names;
      if (!m.deleted()) {
        for (const v1::Mention& mention : m.mentions()) {
          names << QString::fromStdString(mention.username());
        }
      }
      return names;
    }
    case kMentionsMeRole:
      for (const v1::Mention& mention : m.mentions()) {
        if (!m.deleted() && mention.user_id() == own_user_id_) {
          return QString::fromStdString(mention.username());
        }
      }
      return QString();
    case kAttachmentRole: {
      if (!m.has_attachment() || m.attachment().file_id().empty() || m.deleted()) return {};
      const v1::FileInfo& f = m.attachment();
      return QVariant::fromValue(
          Attachment{QString::fromStdString(f.file_id()), QString::fromStdString(f.name()),
                     QString::fromStdString(f.content_type()), static_cast<qint64>(f.size()),
                     static_cast<int>(f.width()), static_cast<int>(f.height())});
    }
    default:
      return {};
  }
}

QHash<int, QByteArray> MessageModel::roleNames() const {
  return {{kSeqRole, "seq"},
          {kTypeRole, "type"},
          {kSenderRole, "sender"},
          {kTextRole, "text"},
          {kSentAtRole, "sentAt"},
          {kEditedRole, "edited"},
          {kDeletedRole, "deleted"},
          {kOwnRole, "own"},
          {kGroupStartRole, "groupStart"},
          {kDayStartRole, "dayStart"},
          {kReadByPeerRole, "readByPeer"},
          {kReplyToSeqRole, "replyToSeq"},
          {kReplySenderRole, "replySender"},
          {kReplySnippetRole, "replySnippet"},
          {kReplyDeletedRole, "replyDeleted"},
          {kReactionsRole, "reactions"},
          {kAttachmentRole, "attachment"},
          {kMentionsRole, "mentions"},
          {kMentionsMeRole, "mentionsMe"}};
}

}  // namespace natter::client
