// Group conversations in natter-desktop (issue 23 item 7), offscreen: a group is labelled by its
// title or its members' names and drawn with the group icon; its membership changes read as
// sentences in the conversation; "New group…" creates only with 2 to 99 friends picked, and picks
// only friends.
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>
#include <tuple>

#include "api_client.h"
#include "avatar_cache.h"
#include "client/fake_gateway.h"
#include "client/fake_transport.h"
#include "contact_model.h"
#include "conversation_model.h"
#include "dialogs.h"
#include "group_dialogs.h"
#include "main_window.h"
#include "message_model.h"

namespace natter::client {
namespace {

v1::Conversation Group(const std::string& title, std::vector<std::string> others,
                       uint32_t members) {
  v1::Conversation c;
  c.set_id(12);
  c.set_kind("group");
  c.set_name(title);
  for (const auto& name : others) c.add_member_names(name);
  c.set_member_count(members);
  return c;
}

v1::ChatMessage Entry(uint64_t seq, const std::string& type, const std::string& text,
                      const std::string& target = "") {
  v1::ChatMessage m;
  m.set_conversation_id(12);
  m.set_seq(seq);
  m.set_type(type);
  m.set_sender_id(2);
  m.set_sender("maya");
  m.set_text(text);
  if (!target.empty()) {
    m.set_target_user_id(3);
    m.set_target_user(target);
  }
  return m;
}

}  // namespace

class GroupsTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void TheWindowShowsAGroupWithItsMembersNamesAndMembersButton() {
    FakeGateway gateway;
    SignedIn session;
    session.address = QString::fromStdString(gateway.address());
    session.token = QStringLiteral("token");
    session.user_id = 1;
    session.username = QStringLiteral("me");
    auto server = std::make_shared<FakeTransport::State>();
    MainWindow window(session, std::make_unique<FakeTransport>(server));
    window.show();
    v1::ServerEvent welcome;
    welcome.mutable_welcome()->set_user_id(1);
    welcome.mutable_welcome()->set_username("me");
    *welcome.mutable_welcome()->add_conversations() = Group("", {"theo", "sam"}, 3);
    Transport::Handler handler;
    QTRY_VERIFY([&] {
      std::lock_guard lock(server->mu);
      handler = server->handler;
      return static_cast<bool>(handler.on_frame);
    }());
    v1::ServerFrame frame;
    *frame.add_events() = welcome;
    handler.on_frame(frame);
    QTRY_COMPARE(window.conversations().rowCount(), 1);
    QCOMPARE(
        window.conversations().data(window.conversations().index(0), ConversationModel::kTitleRole),
        QVariant(QStringLiteral("theo and sam")));
    QVERIFY(window.findChild<QPushButton*>(QStringLiteral("newGroupButton")) != nullptr);
    window.OpenConversation(12);
    auto* title = window.findChild<QLabel*>(QStringLiteral("conversationTitle"));
    auto* subtitle = window.findChild<QLabel*>(QStringLiteral("conversationSubtitle"));
    auto* members = window.findChild<QPushButton*>(QStringLiteral("membersButton"));
    QVERIFY(title && subtitle && members);
    QCOMPARE(title->text(), QStringLiteral("theo and sam"));
    QCOMPARE(subtitle->text(), QStringLiteral("3 members"));
    QVERIFY(members->isVisible());
  }

  void AGroupIsLabelledByItsTitleOrItsMembers() {
    QCOMPARE(ConversationModel::GroupTitle(Group("trip", {"theo", "sam"}, 3)), QString("trip"));
    QCOMPARE(ConversationModel::GroupTitle(Group("", {"theo", "sam"}, 3)), QString("theo and sam"));
    QCOMPARE(ConversationModel::GroupTitle(Group("", {"theo", "sam", "ada"}, 4)),
             QString("theo, sam and ada"));
    QCOMPARE(ConversationModel::GroupTitle(Group("", {"theo", "sam", "ada", "bo", "cy"}, 9)),
             QString("theo, sam and 6 others"));
    QCOMPARE(ConversationModel::GroupTitle(Group("", {}, 0)), QString("Group"));

    ConversationModel model;
    model.Reset({Group("", {"theo", "sam"}, 3)}, 1);
    QCOMPARE(model.data(model.index(0), ConversationModel::kTitleRole).toString(),
             QString("theo and sam"));
    QCOMPARE(model.data(model.index(0), ConversationModel::kKindRole).toString(), QString("group"));
    // A message in a group is previewed with its sender, as in a room.
    v1::ChatMessage hi = Entry(2, "message", "hi all");
    model.OnEntry(hi, false);
    QCOMPARE(model.data(model.index(0), ConversationModel::kPreviewRole).toString(),
             QString("maya: hi all"));
    QCOMPARE(model.data(model.index(0), ConversationModel::kUnreadRole).toInt(), 1);
  }

  void AnEntryOfAGroupNotYetListedMakesAGroupRow() {
    ConversationModel model;
    model.Reset({}, 1);
    model.OnEntry(Entry(1, "group_created", ""), false);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.data(model.index(0), ConversationModel::kKindRole).toString(), QString("group"));
    QCOMPARE(model.data(model.index(0), ConversationModel::kTitleRole).toString(),
             QString("Group"));
  }

  void MembershipChangesReadAsSentences() {
    MessageModel model;
    model.Reset(12, 1);
    model.Apply(Entry(1, "group_created", "trip"));
    model.Apply(Entry(2, "member_added", "", "ada"));
    model.Apply(Entry(3, "group_renamed", "ski trip"));
    model.Apply(Entry(4, "member_left", ""));
    model.Apply(Entry(5, "member_removed", "", "ada"));
    QStringList lines;
    for (int row = 0; row < model.rowCount(); ++row) {
      lines << model.data(model.index(row), MessageModel::kTextRole).toString();
    }
    QCOMPARE(lines,
             QStringList({"maya created the group trip", "maya added ada",
                          "maya renamed the group to ski trip", "maya left", "maya removed ada"}));
  }

  void TheGroupIconIsDrawn() {
    const QImage icon = GroupIcon(36, 1.0).toImage();
    QCOMPARE(icon.size(), QSize(36, 36));
    QCOMPARE(icon.pixelColor(0, 0).alpha(), 0);            // a disc: its corners are clear
    QVERIFY(icon.pixelColor(18, 2).alpha() > 200);         // its edge is drawn
    QCOMPARE(icon.pixelColor(12, 12), QColor(Qt::white));  // the front person's head
    QVERIFY(icon != AvatarCache::Placeholder(QStringLiteral("#"), 36, 1.0).toImage());
  }

  void NewGroupCreatesOnlyWithTwoToNinetyNineFriends() {
    ContactModel contacts;
    std::vector<v1::Friend> friends(3);
    const char* names[] = {"theo", "sam", "ada"};
    for (size_t i = 0; i < friends.size(); ++i) {
      friends[i].set_user_id(10 + i);
      friends[i].set_username(names[i]);
      friends[i].set_display_name(names[i]);
    }
    v1::PendingRequest pending;
    pending.set_user_id(30);
    pending.set_username("stranger");
    pending.set_incoming(true);
    contacts.Reset(friends, {pending});
    const std::vector<FriendChoice> choices = FriendChoicesOf(contacts);
    QCOMPARE(choices.size(), size_t{3});  // a pending request is no friend

    ApiClient api(QStringLiteral("127.0.0.1:1"), nullptr);
    NewGroupDialog dialog(api, choices);
    auto* list = dialog.findChild<QListWidget*>(QStringLiteral("friendPicker"));
    auto* create = dialog.findChild<QPushButton*>(QStringLiteral("createGroup"));
    QVERIFY(list && create);
    QCOMPARE(list->count(), 3);
    QVERIFY(!create->isEnabled());
    list->item(0)->setCheckState(Qt::Checked);
    QVERIFY(!create->isEnabled());  // one friend: a direct message, not a group
    list->item(1)->setCheckState(Qt::Checked);
    QVERIFY(create->isEnabled());
    // The filter hides friends whose names do not match, and keeps the picks.
    auto* filter = dialog.findChild<QLineEdit*>(QStringLiteral("friendFilter"));
    filter->setText(QStringLiteral("th"));
    int shown = 0;
    for (int i = 0; i < list->count(); ++i) shown += !list->item(i)->isHidden();
    QCOMPARE(shown, 1);
    QVERIFY(create->isEnabled());
  }

  // Issue 24 polish (audit): the group's Members dialog lists members as a room's does (the same
  // rows): avatar, display name, a friend's presence, the owner marked.
  void TheGroupMembersDialogShowsAvatarsNamesAndPresence() {
    FakeGateway gateway;
    gateway.OnGroupMembers([](const v1::GroupRequest&, v1::GroupResponse* response) {
      response->mutable_group()->set_id(12);
      response->mutable_group()->set_kind("group");
      response->mutable_group()->set_name("trip");
      for (auto [id, name, role] : {std::tuple{1, "me", "owner"}, std::tuple{2, "maya", "member"},
                                    std::tuple{3, "theo", "member"}}) {
        auto* m = response->add_members();
        m->set_user_id(static_cast<uint64_t>(id));
        m->set_username(name);
        m->set_role(role);
      }
      return grpc::Status::OK;
    });
    ApiClient api(QString::fromStdString(gateway.address()), nullptr);
    QTemporaryDir cache;
    AvatarCache avatars(api, cache.path());
    GroupMembersDialog dialog(
        api, 12, 1, {}, nullptr, &avatars, [](uint64_t id, const QString& username) {
          return id == 2
                     ? MembersDialog::Person{QStringLiteral("Maya Lin"), QStringLiteral("online")}
                     : MembersDialog::Person{username, QString()};
        });
    auto* list = dialog.findChild<QListWidget*>(QStringLiteral("groupMembers"));
    QTRY_COMPARE(list->count(), 3);
    QCOMPARE(list->item(0)->text(), QStringLiteral("me (owner)"));
    QCOMPARE(list->item(1)->text(), QStringLiteral("Maya Lin · online"));
    QCOMPARE(list->item(2)->text(), QStringLiteral("theo"));
    // Remove still names her by her username.
    QCOMPARE(list->item(1)->data(Qt::UserRole).toString(), QStringLiteral("maya"));
    for (int i = 0; i < list->count(); ++i) QVERIFY(!list->item(i)->icon().isNull());
  }
};

}  // namespace natter::client

QTEST_MAIN(natter::client::GroupsTest)
#include "groups_test.moc"
