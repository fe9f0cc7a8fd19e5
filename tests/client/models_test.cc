// The client's list models: rows inserted in seq order and never twice, one row updated in place,
// history put in front, conversations reordered by activity, contacts by status.
#include <QSet>
#include <QSignalSpy>
#include <QtTest>

#include "contact_model.h"
#include "conversation_model.h"
#include "message_model.h"

namespace natter::client {
namespace {

v1::ChatMessage Entry(uint64_t conversation, uint64_t seq, uint64_t sender, const std::string& text,
                      const std::string& type = "message", uint64_t target = 0) {
  v1::ChatMessage m;
  m.set_conversation_id(conversation);
  m.set_seq(seq);
  m.set_sender_id(sender);
  m.set_sender(sender == 1 ? "me" : "bob");
  m.set_text(text);
  m.set_type(type);
  m.set_target_seq(target);
  m.set_sent_at_ms(1'700'000'000'000 + static_cast<int64_t>(seq) * 1000);
  return m;
}

QStringList Texts(const MessageModel& model) {
  QStringList out;
  for (int i = 0; i < model.rowCount(); ++i) {
    out << model.data(model.index(i), MessageModel::kTextRole).toString();
  }
  return out;
}

}  // namespace

class ModelsTest : public QObject {
  Q_OBJECT

 private slots:
  void MessagesAreInsertedInSeqOrderOnce() {
    MessageModel model;
    model.Reset(7, 1);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.Apply(Entry(7, 2, 2, "second"));
    model.Apply(Entry(7, 1, 2, "first"));
    model.Apply(Entry(7, 2, 2, "second again"));  // the same seq twice: dropped
    model.Apply(Entry(8, 3, 2, "elsewhere"));     // another conversation: ignored
    QCOMPARE(Texts(model), (QStringList{"first", "second"}));
    QCOMPARE(inserted.count(), 2);
  }

  void AnEditChangesOneRowInPlace() {
    MessageModel model;
    model.Reset(7, 1);
    for (uint64_t s = 1; s <= 3; ++s) model.Apply(Entry(7, s, 1, "m" + std::to_string(s)));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.Apply(Entry(7, 4, 1, "m2, fixed", "message_edited", 2));
    QCOMPARE(inserted.count(), 0);  // an edit is not a row
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 1);
    QCOMPARE(changed.at(0).at(1).toModelIndex().row(), 1);
    QCOMPARE(Texts(model), (QStringList{"m1", "m2, fixed", "m3"}));
    QVERIFY(model.data(model.index(1), MessageModel::kEditedRole).toBool());
    model.Apply(Entry(7, 5, 1, "", "message_deleted", 3));
    QVERIFY(model.data(model.index(2), MessageModel::kDeletedRole).toBool());
    QCOMPARE(Texts(model).at(2), QStringLiteral("This message was deleted."));
  }

  // Issue 23 item 3: a reaction entry is no row; it replaces its target's reactions with those it
  // carries (so the same entry twice changes nothing more), a deletion clears them, and whether one
  // is the user's own comes from its ids.
  void AReactionEntryReplacesItsTargetsReactions() {
    MessageModel model;
    model.Reset(7, 1);
    model.Apply(Entry(7, 1, 2, "lunch?"));
    model.Apply(Entry(7, 2, 2, "or later?"));
    auto reacted = [](uint64_t seq, std::vector<uint64_t> users, const std::string& type) {
      v1::ChatMessage e = Entry(7, seq, users.empty() ? 2 : users.back(), "👍", type, 1);
      if (!users.empty()) {
        v1::Reaction* r = e.add_reactions();
        r->set_emoji("👍");
        r->set_count(static_cast<uint32_t>(users.size()));
        for (uint64_t u : users) {
          r->add_user_ids(u);
          r->add_users(u == 1 ? "me" : "bob");
        }
      }
      return e;
    };
    auto chips = [&model](int row) {
      QStringList out;
      for (const auto& r : model.index(row)
                               .data(MessageModel::kReactionsRole)
                               .value<QList<MessageModel::Reaction>>()) {
        out << QStringLiteral("%1 %2%3 %4")
                   .arg(r.emoji)
                   .arg(r.count)
                   .arg(r.mine ? QStringLiteral(" mine") : QString())
                   .arg(r.users.join(QLatin1Char(',')));
      }
      return out;
    };
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.Apply(reacted(3, {2}, "reaction_added"));
    QCOMPARE(inserted.count(), 0);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(chips(0), QStringList{QStringLiteral("👍 1 bob")});
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 0);
    QVERIFY(changed.at(0).at(2).value<QVector<int>>().contains(MessageModel::kReactionsRole));
    model.Apply(reacted(4, {2, 1}, "reaction_added"));
    QCOMPARE(chips(0), QStringList{QStringLiteral("👍 2 mine bob,me")});
    model.Apply(reacted(4, {2, 1}, "reaction_added"));  // again, from a sync: the same
    QCOMPARE(chips(0), QStringList{QStringLiteral("👍 2 mine bob,me")});
    model.Apply(reacted(5, {}, "reaction_removed"));  // the last ones went
    QCOMPARE(chips(0), QStringList());
    QCOMPARE(chips(1), QStringList());

    model.Apply(reacted(6, {2}, "reaction_added"));
    model.Apply(Entry(7, 7, 2, "", "message_deleted", 1));
    QCOMPARE(chips(0), QStringList());
    model.Apply(reacted(8, {2, 1}, "reaction_added"));  // a late one: the message stays deleted
    QCOMPARE(chips(0), QStringList());
  }

  // Issue 23 item 2: a reply's quote follows the quoted message's edit and deletion, whether or
  // not that message is loaded; each reply quoting it is one changed row.
  void QuotesFollowEditsAndDeletions() {
    MessageModel model;
    model.Reset(7, 1);
    auto reply_to = [](v1::ChatMessage m, uint64_t seq, const std::string& snippet) {
      m.set_reply_to_seq(seq);
      m.mutable_reply()->set_sender_id(2);
      m.mutable_reply()->set_sender("bob");
      m.mutable_reply()->set_snippet(snippet);
      return m;
    };
    // Message 2 is loaded; message 1 (quoted by 4) is older than the loaded page.
    model.Apply(Entry(7, 2, 2, "the plan"));
    model.Apply(reply_to(Entry(7, 3, 1, "agreed"), 2, "the plan"));
    model.Apply(reply_to(Entry(7, 4, 1, "and that"), 1, "old news"));
    model.Apply(reply_to(Entry(7, 5, 1, "really agreed"), 2, "the plan"));
    model.Apply(Entry(7, 6, 2, "no reply"));
    auto quote = [&model](int row) {
      const QModelIndex at = model.index(row);
      return QStringLiteral("%1:%2:%3:%4")
          .arg(at.data(MessageModel::kReplyToSeqRole).toULongLong())
          .arg(at.data(MessageModel::kReplySenderRole).toString(),
               at.data(MessageModel::kReplySnippetRole).toString(),
               at.data(MessageModel::kReplyDeletedRole).toBool() ? "deleted" : "");
    };
    QCOMPARE(quote(1), QStringLiteral("2:bob:the plan:"));
    QCOMPARE(quote(4), QStringLiteral("0:::"));

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.Apply(Entry(7, 7, 2, std::string(150, 'x'), "message_edited", 2));
    QCOMPARE(quote(1), QStringLiteral("2:bob:%1:").arg(QString(100, 'x')));  // 100 characters
    QCOMPARE(quote(3), QStringLiteral("2:bob:%1:").arg(QString(100, 'x')));
    QCOMPARE(quote(2), QStringLiteral("1:bob:old news:"));
    QSet<int> rows;
    for (const auto& signal : changed) rows << signal.at(0).toModelIndex().row();
    QCOMPARE(rows, (QSet<int>{0, 1, 3}));  // the edited message and its two replies

    changed.clear();
    model.Apply(Entry(7, 8, 2, "", "message_deleted", 1));  // not loaded: its reply follows
    QCOMPARE(quote(2), QStringLiteral("1:bob::deleted"));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 2);
    model.Apply(Entry(7, 9, 2, "", "message_deleted", 2));
    QCOMPARE(quote(1), QStringLiteral("2:bob::deleted"));
    QCOMPARE(quote(3), QStringLiteral("2:bob::deleted"));
    // A multi-byte text is cut at 100 characters, not bytes.
    model.Apply(reply_to(Entry(7, 10, 1, "好"), 6, "no reply"));
    model.Apply(Entry(7, 11, 2, QString(120, QChar(0x4F60)).toStdString(), "message_edited", 6));
    QCOMPARE(model.index(5).data(MessageModel::kReplySnippetRole).toString(),
             QString(100, QChar(0x4F60)));
  }

  // Polish: a run of messages by one sender shows its time once, on its last message.
  void ARunsLastMessageIsItsEnd() {
    MessageModel model;
    model.Reset(7, 1);
    model.Apply(Entry(7, 1, 2, "one"));
    QVERIFY(model.data(model.index(0), MessageModel::kGroupEndRole).toBool());
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.Apply(Entry(7, 2, 2, "two"));  // one second later: the same run
    model.Apply(Entry(7, 3, 1, "mine"));
    QVERIFY(!model.data(model.index(0), MessageModel::kGroupEndRole).toBool());
    QVERIFY(model.data(model.index(1), MessageModel::kGroupEndRole).toBool());
    QVERIFY(model.data(model.index(2), MessageModel::kGroupEndRole).toBool());
    // The first row was told it changed.
    bool told = false;
    for (const auto& args : changed) {
      told = told || (args.at(0).toModelIndex().row() == 0 &&
                      args.at(2).value<QVector<int>>().contains(MessageModel::kGroupEndRole));
    }
    QVERIFY(told);
    QVERIFY(!model.data(model.index(0), Qt::ToolTipRole).toString().isEmpty());
  }

  void HistoryGoesInFrontWithoutDuplicates() {
    MessageModel model;
    model.Reset(7, 1);
    model.Apply(Entry(7, 4, 2, "m4"));
    model.Apply(Entry(7, 5, 2, "m5"));
    model.PrependHistory({Entry(7, 2, 2, "m2"), Entry(7, 3, 2, "m3"), Entry(7, 4, 2, "m4 again"),
                          Entry(7, 3, 2, "m3 edit", "message_edited", 3)});
    QCOMPARE(Texts(model), (QStringList{"m2", "m3", "m4", "m5"}));
    QCOMPARE(model.oldest_seq(), 2u);
  }

  void RunsOfOneSenderAreGroupedAndRoomChangesDescribed() {
    MessageModel model;
    model.Reset(7, 1);
    model.Apply(Entry(7, 1, 2, "a"));
    model.Apply(Entry(7, 2, 2, "b"));
    model.Apply(Entry(7, 3, 1, "c"));
    model.Apply(Entry(7, 4, 2, "", "member_joined"));
    QVERIFY(model.data(model.index(0), MessageModel::kGroupStartRole).toBool());
    QVERIFY(!model.data(model.index(1), MessageModel::kGroupStartRole).toBool());
    QVERIFY(model.data(model.index(2), MessageModel::kGroupStartRole).toBool());
    QVERIFY(model.data(model.index(2), MessageModel::kOwnRole).toBool());
    QCOMPARE(model.data(model.index(3), MessageModel::kTextRole).toString(),
             QStringLiteral("bob joined"));
    model.SetPeerReadSeq(3);
    QVERIFY(model.data(model.index(2), MessageModel::kReadByPeerRole).toBool());
  }

  void RoleChangesAreDescribed() {
    MessageModel model;
    model.Reset(7, 1);
    v1::ChatMessage made = Entry(7, 1, 2, "moderator", "member_role_changed");
    made.set_target_user_id(3);
    made.set_target_user("carol");
    model.Apply(made);
    v1::ChatMessage unmade = Entry(7, 2, 2, "member", "member_role_changed");
    unmade.set_target_user_id(3);
    unmade.set_target_user("carol");
    model.Apply(unmade);
    QCOMPARE(Texts(model), (QStringList{QStringLiteral("bob made carol a moderator"),
                                        QStringLiteral("carol is no longer a moderator")}));
  }

  void MarkupIsKeptAsPlainText() {
    MessageModel model;
    model.Reset(7, 1);
    model.Apply(Entry(7, 1, 2, "<b>bold</b> & <img src=x>"));
    QCOMPARE(model.data(model.index(0), Qt::DisplayRole).toString(),
             QStringLiteral("<b>bold</b> & <img src=x>"));
  }

  void ConversationsMoveToTheTopAndCountUnread() {
    ConversationModel model;
    std::vector<v1::Conversation> all(3);
    all[0].set_id(1);
    all[0].set_kind("room");
    all[0].set_name("lobby");
    all[1].set_id(2);
    all[1].set_kind("room");
    all[1].set_name("dev");
    all[2].set_id(3);
    all[2].set_kind("direct");
    all[2].set_name("bob");
    all[2].set_unread(2);
    model.Reset(all, 1);
    QCOMPARE(model.total_unread(), 2);
    QSignalSpy moved(&model, &QAbstractItemModel::rowsMoved);
    QSignalSpy unread(&model, &ConversationModel::totalUnreadChanged);
    model.OnEntry(Entry(2, 9, 2, "news in dev"), /*is_open=*/false);
    QCOMPARE(moved.count(), 1);
    QCOMPARE(model.RowOf(2), 0);
    QCOMPARE(model.data(model.index(0), ConversationModel::kPreviewRole).toString(),
             QStringLiteral("bob: news in dev"));
    QCOMPARE(model.data(model.index(0), ConversationModel::kUnreadRole).toInt(), 1);
    QCOMPARE(unread.last().at(0).toInt(), 3);
    model.OnEntry(Entry(2, 10, 1, "my reply"), false);  // one's own message is not unread
    QCOMPARE(model.data(model.index(0), ConversationModel::kUnreadRole).toInt(), 1);
    QCOMPARE(model.data(model.index(0), ConversationModel::kPreviewRole).toString(),
             QStringLiteral("You: my reply"));
    model.SetRead(2, 10, 0);
    QCOMPARE(model.total_unread(), 2);
  }

  // Issue 23 item 8: the settings from the Welcome, then a change from another device; a mute
  // that ran out notifies again; level "none" never does.
  void AMutedConversationIsQuietUntilItsMuteRunsOut() {
    ConversationModel model;
    std::vector<v1::Conversation> all(2);
    all[0].set_id(1);
    all[0].set_kind("room");
    all[0].set_name("lobby");
    all[1].set_id(2);
    all[1].set_kind("direct");
    all[1].set_name("bob");
    all[1].mutable_notifications()->set_muted_until_ms(kMutedForeverMs);
    model.Reset(all, 1);
    const int64_t now = QDateTime::currentMSecsSinceEpoch();
    QVERIFY(model.Notifies(1, now));
    QVERIFY(!model.Notifies(2, now));
    QVERIFY(model.data(model.index(model.RowOf(2)), ConversationModel::kQuietRole).toBool());
    QVERIFY(!model.data(model.index(model.RowOf(1)), ConversationModel::kQuietRole).toBool());

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    v1::NotificationSettings lobby;
    lobby.set_conversation_id(1);
    lobby.set_muted_until_ms(now + 3600 * 1000);
    model.SetNotifications(lobby);
    QCOMPARE(changed.size(), 1);
    QVERIFY(!model.Notifies(1, now));
    QVERIFY(model.Notifies(1, now + 3600 * 1000));  // it ran out
    lobby.set_muted_until_ms(0);
    lobby.set_level(v1::NOTIFY_LEVEL_NONE);
    model.SetNotifications(lobby);
    QVERIFY(!model.Notifies(1, now));
    lobby.set_level(static_cast<v1::NotifyLevel>(7));  // a level added later: like "all"
    model.SetNotifications(lobby);
    QVERIFY(model.Notifies(1, now));
  }

  // Issue 23 item 4: a mention notifies in a muted conversation and at the "mentions" level, which
  // is quiet otherwise; "none" silences mentions too.
  void AMentionNotifiesUnlessTheLevelIsNone() {
    ConversationModel model;
    std::vector<v1::Conversation> all(1);
    all[0].set_id(1);
    all[0].set_kind("room");
    all[0].set_name("lobby");
    all[0].mutable_notifications()->set_muted_until_ms(kMutedForeverMs);
    model.Reset(all, 1);
    const int64_t now = QDateTime::currentMSecsSinceEpoch();
    QVERIFY(!model.Notifies(1, now));
    QVERIFY(model.NotifiesOfMention(1));
    v1::NotificationSettings lobby;
    lobby.set_conversation_id(1);
    lobby.set_level(v1::NOTIFY_LEVEL_MENTIONS);
    model.SetNotifications(lobby);
    QVERIFY(!model.Notifies(1, now));
    QVERIFY(model.NotifiesOfMention(1));
    QVERIFY(model.data(model.index(model.RowOf(1)), ConversationModel::kQuietRole).toBool());
    lobby.set_level(v1::NOTIFY_LEVEL_NONE);
    model.SetNotifications(lobby);
    QVERIFY(!model.NotifiesOfMention(1));
    QVERIFY(model.NotifiesOfMention(99));  // one not listed yet
  }

  // Issue 24: the window title's and tray's unread count leaves muted conversations out (their
  // rows still show a grey count), and follows a mute or unmute from any device.
  void TheTotalUnreadLeavesMutedConversationsOut() {
    ConversationModel model;
    std::vector<v1::Conversation> all(2);
    all[0].set_id(1);
    all[0].set_kind("room");
    all[0].set_name("lobby");
    all[0].set_unread(5);
    all[0].mutable_notifications()->set_muted_until_ms(kMutedForeverMs);
    all[1].set_id(2);
    all[1].set_kind("direct");
    all[1].set_name("bob");
    all[1].set_unread(2);
    model.Reset(all, 1);
    QCOMPARE(model.total_unread(), 2);
    QCOMPARE(model.data(model.index(model.RowOf(1)), ConversationModel::kUnreadRole).toInt(), 5);
    QSignalSpy unread(&model, &ConversationModel::totalUnreadChanged);
    model.OnEntry(Entry(1, 9, 2, "lobby chatter"), /*is_open=*/false);
    QCOMPARE(unread.last().at(0).toInt(), 2);
    v1::NotificationSettings lobby;
    lobby.set_conversation_id(1);
    model.SetNotifications(lobby);  // unmuted elsewhere
    QCOMPARE(unread.last().at(0).toInt(), 8);
    v1::NotificationSettings dm;
    dm.set_conversation_id(2);
    dm.set_level(v1::NOTIFY_LEVEL_NONE);
    model.SetNotifications(dm);
    QCOMPARE(unread.last().at(0).toInt(), 6);
    QCOMPARE(model.total_unread(), 6);
  }

  void TheLatestEntryGivesThePreviewAndTheOrder() {
    ConversationModel model;
    std::vector<v1::Conversation> all(2);
    all[0].set_id(1);
    all[0].set_kind("room");
    all[0].set_name("lobby");
    all[1].set_id(2);
    all[1].set_kind("direct");
    all[1].set_name("bob");
    *all[1].mutable_last_entry() = Entry(2, 4, 2, "see you at 3");
    model.Reset(all, 1);
    QCOMPARE(model.RowOf(2), 0);  // the conversation with a recent message comes first
    QCOMPARE(model.data(model.index(0), ConversationModel::kPreviewRole).toString(),
             QStringLiteral("see you at 3"));
    QVERIFY(model.data(model.index(0), ConversationModel::kTimeRole).toDateTime().isValid());
  }

  // Issue 24 bug 6: the preview kept a message after it was deleted or edited.
  void ThePreviewFollowsAnEditOrDeletionOfTheLatestMessage() {
    ConversationModel model;
    std::vector<v1::Conversation> all(2);
    all[0].set_id(1);
    all[0].set_kind("room");
    all[0].set_name("lobby");
    all[1].set_id(2);
    all[1].set_kind("direct");
    all[1].set_name("bob");
    model.Reset(all, 1);
    auto preview = [&model] {
      return model.data(model.index(model.RowOf(2)), ConversationModel::kPreviewRole).toString();
    };
    model.OnEntry(Entry(2, 1, 2, "see you at 3"), false);
    model.OnEntry(Entry(2, 2, 2, "see you at 4", "message_edited", 1), false);  // the peer's edit
    QCOMPARE(preview(), QStringLiteral("see you at 4"));
    model.OnEntry(Entry(2, 3, 1, "sorry, wrong chat"), false);
    model.OnEntry(Entry(2, 4, 1, "", "message_deleted", 3), false);  // one's own deletion
    QCOMPARE(preview(), QStringLiteral("You: message deleted"));
    // A change to an older message leaves the preview alone.
    model.OnEntry(Entry(2, 5, 2, "see you at 5", "message_edited", 1), false);
    QCOMPARE(preview(), QStringLiteral("You: message deleted"));
    QCOMPARE(model.data(model.index(model.RowOf(2)), ConversationModel::kUnreadRole).toInt(), 1);

    // A listing whose latest entry is an edit: a later edit of that message changes it too.
    *all[0].mutable_last_entry() = Entry(1, 8, 2, "typo fixed", "message_edited", 7);
    all[0].mutable_last_entry()->set_room("lobby");
    model.Reset(all, 1);
    QCOMPARE(model.data(model.index(model.RowOf(1)), ConversationModel::kPreviewRole).toString(),
             QStringLiteral("bob: typo fixed"));
    model.OnEntry(Entry(1, 9, 2, "typo fixed twice", "message_edited", 7), false);
    QCOMPARE(model.data(model.index(model.RowOf(1)), ConversationModel::kPreviewRole).toString(),
             QStringLiteral("bob: typo fixed twice"));
  }

  // Issue 24 bug 8: a friend request's note was cut ("wants to b…") and shown in full nowhere.
  void AFriendRequestsNoteIsInItsTooltip() {
    ContactModel model;
    v1::PendingRequest request;
    request.set_user_id(4);
    request.set_username("dana");
    request.set_message("we met at the meetup on Tuesday, I am the one with the red bike");
    request.set_incoming(true);
    model.Reset({}, {request});
    QVERIFY2(model.data(model.index(0), Qt::ToolTipRole)
                 .toString()
                 .contains(QStringLiteral("I am the one with the red bike")),
             qPrintable(model.data(model.index(0), Qt::ToolTipRole).toString()));
  }

  void AFirstDirectMessageAddsItsConversation() {
    ConversationModel model;
    model.Reset({}, 1);
    v1::ChatMessage m = Entry(9, 1, 2, "hello");
    m.set_peer("bob");
    m.set_peer_id(2);
    model.OnEntry(m, false);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.data(model.index(0), ConversationModel::kNameRole).toString(),
             QStringLiteral("bob"));
    QCOMPARE(model.data(model.index(0), ConversationModel::kKindRole).toString(),
             QStringLiteral("direct"));
  }

  void PresenceUpdatesOneContactAndReorders() {
    ContactModel model;
    std::vector<v1::Friend> friends(2);
    friends[0].set_user_id(2);
    friends[0].set_username("bob");
    friends[0].set_status("offline");
    friends[1].set_user_id(3);
    friends[1].set_username("carol");
    friends[1].set_status("offline");
    std::vector<v1::PendingRequest> requests(1);
    requests[0].set_user_id(4);
    requests[0].set_username("dan");
    requests[0].set_incoming(true);
    requests[0].set_message("hi!");
    model.Reset(friends, requests);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.RowOf(4), 0);  // a request waiting for an answer comes first
    QCOMPARE(model.incoming_count(), 1);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.SetPresence(3, QStringLiteral("online"), 0);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(model.RowOf(3), 1);  // online friends before offline ones
    QCOMPARE(model.data(model.index(1), ContactModel::kStatusRole).toString(),
             QStringLiteral("online"));
  }

  void FriendEventsAddAndRemoveRows() {
    ContactModel model;
    model.Reset({}, {});
    v1::FriendEvent request;
    request.set_type("friend_request");
    request.set_user_id(5);
    request.set_username("eve");
    request.set_outgoing(false);
    model.ApplyFriendEvent(request);
    QCOMPARE(model.data(model.index(0), ContactModel::kKindRole).toInt(),
             static_cast<int>(ContactModel::kIncoming));
    v1::FriendEvent added = request;
    added.set_type("friend_added");
    model.ApplyFriendEvent(added);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.data(model.index(0), ContactModel::kKindRole).toInt(),
             static_cast<int>(ContactModel::kFriend));
    v1::FriendEvent removed = request;
    removed.set_type("friend_removed");
    model.ApplyFriendEvent(removed);
    QCOMPARE(model.rowCount(), 0);
  }
};

}  // namespace natter::client

QTEST_GUILESS_MAIN(natter::client::ModelsTest)
#include "models_test.moc"
