// The entries of one open conversation, oldest first, for a QListView: messages (as they are now:
// edits and deletions are applied to the message they change, not shown as rows) and room changes.
// Each seq appears once, however often it arrives (live, from a sync, from history). A reply
// carries a quote of the message it answers, which follows that message's edits and deletion. A
// message carries its reactions; a reaction entry replaces its target's with those it carries.
#pragma once

#include <QAbstractListModel>
#include <QDateTime>
#include <QStringList>
#include <vector>

#include "natter/v1/common.pb.h"
#include "user_names.h"

namespace natter::client {

class MessageModel : public QAbstractListModel {
  Q_OBJECT

 public:
  enum Role {
    kSeqRole = Qt::UserRole + 1,
    kTypeRole,    // "message", "member_joined", ...
    kSenderRole,  // as shown: the sender's display name, or username
    kSenderIdRole,
    kTextRole,          // for room changes: a sentence describing it
    kSentAtRole,        // QDateTime, local time
    kEditedRole,        // bool
    kDeletedRole,       // bool
    kOwnRole,           // sent by the signed-in user
    kGroupStartRole,    // first of a run of messages by one sender (show name and avatar)
    kDayStartRole,      // first entry of its day (show a day separator)
    kReadByPeerRole,    // direct: the other side has read up to here
    kFirstUnreadRole,   // the first message not read when the conversation was opened
    kGroupEndRole,      // last of a run of messages by one sender (its time is shown)
    kReplyToSeqRole,    // a reply: the seq of the message it quotes (0: not a reply)
    kReplySenderRole,   // a reply: the quoted message's sender, as shown
    kReplySnippetRole,  // a reply: the start of the quoted message's text, as it is now
    kReplyDeletedRole,  // a reply: the quoted message was deleted
    kReactionsRole,     // QVariant of QList<Reaction>: a message's reactions, in their order
    kAttachmentRole,    // QVariant of Attachment: a message's picture or file (none: null)
    kMentionsRole,      // QStringList: the usernames the message's text @mentions (Mention list)
    kMentionsMeRole,    // QString: the signed-in user's username when the message @mentions them
  };

  // One emoji's reactions to a message, as shown in a chip.
  struct Reaction {
    QString emoji;
    int count = 0;
    bool mine = false;  // the signed-in user is among them
    QStringList users;  // as shown: display names, or usernames
  };

  // The picture or other file a message carries (FileInfo); a picture is one with a size.
  struct Attachment {
    QString file_id;
    QString name;
    QString content_type;
    qint64 size = 0;
    int width = 0;  // pictures: pixels; 0 for other files
    int height = 0;
    bool image() const { return width > 0 && height > 0; }
  };

  explicit MessageModel(QObject* parent = nullptr);

  void Reset(uint64_t conversation_id, uint64_t own_user_id);
  // Where display names come from (not owned; may be null: usernames are shown).
  void SetNames(const UserNames* names) { names_ = names; }
  // Someone's display name changed: every row is shown again.
  void NamesChanged();
  uint64_t conversation_id() const { return conversation_id_; }

  // A live or synced entry: a new row, or a change to an existing one. Entries of other
  // conversations are ignored.
  void Apply(const v1::ChatMessage& entry);
  // Older entries from History, oldest first, put before the first row.
  void PrependHistory(const std::vector<v1::ChatMessage>& entries);
  // Messages after `seq` were unread when the conversation was opened: the first of them (by
  // someone else) is marked, for a "New messages" divider (until Reset).
  void SetReadUpTo(uint64_t seq);
  int FirstUnreadRow() const;
  // The other side of a direct conversation read up to `seq`.
  void SetPeerReadSeq(uint64_t seq);

  uint64_t oldest_seq() const { return rows_.empty() ? 0 : rows_.front().seq(); }
  uint64_t newest_seq() const { return rows_.empty() ? 0 : rows_.back().seq(); }
  int RowOfSeq(uint64_t seq) const;

  int rowCount(const QModelIndex& parent = QModelIndex()) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QHash<int, QByteArray> roleNames() const override;

 private:
  static bool IsRow(const v1::ChatMessage& entry);
  static bool IsReaction(const v1::ChatMessage& entry);
  // Applies an edit or deletion to its target, if loaded, and to the quotes of it in replies; a
  // reaction entry's reactions to its target.
  void ApplyChange(const v1::ChatMessage& change);
  // The quotes of message `seq` in loaded replies follow its edit or deletion.
  void UpdateQuotes(const v1::ChatMessage& change);
  // Rows whose group/day start flags may have changed around `row`.
  void RefreshNeighbours(int row);
  QString Describe(const v1::ChatMessage& entry) const;
  QString NameOf(uint64_t user_id, const std::string& username) const;

  uint64_t conversation_id_ = 0;
  uint64_t own_user_id_ = 0;
  uint64_t peer_read_seq_ = 0;
  bool divider_ = false;
  uint64_t read_up_to_ = 0;
  std::vector<v1::ChatMessage> rows_;  // by seq
  const UserNames* names_ = nullptr;
};

}  // namespace natter::client

Q_DECLARE_METATYPE(natter::client::MessageModel::Reaction)
Q_DECLARE_METATYPE(natter::client::MessageModel::Attachment)
