// The desktop client end to end, against the real stack: a user signs in through the sign-in
// window (and sees inline errors first), answers a friend request with the Accept button in the
// contact list, receives a direct message from a friend who uses natterctl, replies with the
// composer, makes a group with two friends and talks in it, and sees the friend's presence change,
// all in the window's models and widgets.
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QMenu>
#include <QPushButton>
#include <QTabWidget>
#include <QtTest>
#include <memory>

#include "composer.h"
#include "contact_model.h"
#include "conversation_model.h"
#include "delegates.h"
#include "dialogs.h"
#include "discovery.h"
#include "group_dialogs.h"
#include "harness/harness.h"
#include "main_window.h"
#include "message_model.h"
#include "sign_in_window.h"

namespace natter::client {
namespace {

using namespace std::chrono_literals;

QString Json(const testing::CommandResult& r, const char* key) {
  auto lines = testing::JsonLines(r.out);
  if (lines.empty() || !lines[0].contains(key)) return {};
  const auto& v = lines[0][key];
  return v.is_string() ? QString::fromStdString(v.get<std::string>())
                       : QString::fromStdString(v.dump());
}

}  // namespace

class DesktopE2eTest : public QObject {
  Q_OBJECT

 private:
  std::unique_ptr<testing::Stack> stack_;
  std::unique_ptr<MainWindow> window_;

  testing::CommandResult Ctl(const std::vector<std::string>& args, const std::string& in = "") {
    return stack_->Ctl(args, in);
  }

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    stack_ = std::make_unique<testing::Stack>(testing::StackOptions{
        .chat_replicas = 1, .gateways = 1, .presence_ttl_seconds = 5, .heartbeat_seconds = 1});
    QCOMPARE(Ctl({"register", "ann"}, "ann's password\n").exit_code, 0);
    QCOMPARE(Ctl({"register", "ben"}, "ben's password\n").exit_code, 0);
    QCOMPARE(Ctl({"login", "ben"}, "ben's password\n").exit_code, 0);
  }
  void cleanupTestCase() {
    window_.reset();
    stack_.reset();
  }

  void SignInShowsProblemsInlineThenSignsIn() {
    SignInWindow sign_in;
    sign_in.show();
    auto* address = sign_in.findChild<QLineEdit*>(QStringLiteral("address"));
    auto* username = sign_in.findChild<QLineEdit*>(QStringLiteral("username"));
    auto* password = sign_in.findChild<QLineEdit*>(QStringLiteral("password"));
    auto* submit = sign_in.findChild<QPushButton*>(QStringLiteral("submit"));
    QVERIFY(address && username && password && submit);
    address->setText(QString::fromStdString(stack_->gateway_address(0)));
    QTest::keyClicks(username, QStringLiteral("a"));
    QTest::mouseClick(submit, Qt::LeftButton);
    // Problems appear under their fields, no request is made.
    bool shown = false;
    for (QLabel* label : sign_in.findChildren<QLabel*>(QStringLiteral("fieldError"))) {
      if (label->isVisible() &&
          label->text() == QStringLiteral("A username has 3 to 32 characters.")) {
        shown = true;
      }
    }
    QVERIFY(shown);

    username->clear();
    QTest::keyClicks(username, QStringLiteral("ann"));
    QTest::keyClicks(password, QStringLiteral("wrong password"));
    QTest::mouseClick(submit, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
          for (QLabel* label : sign_in.findChildren<QLabel*>(QStringLiteral("fieldError"))) {
            if (label->isVisible() &&
                label->text().contains(QStringLiteral("wrong username"), Qt::CaseInsensitive)) {
              return true;
            }
          }
          return false;
        }(),
        10000);

    QSignalSpy signed_in(&sign_in, &SignInWindow::signedIn);
    password->clear();
    QTest::keyClicks(password, QStringLiteral("ann's password"));
    QTest::mouseClick(submit, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(signed_in.count(), 1, 10000);
    SignedIn session = signed_in.at(0).at(0).value<SignedIn>();
    QCOMPARE(session.username, QStringLiteral("ann"));
    QVERIFY(!session.token.isEmpty());

    window_ = std::make_unique<MainWindow>(session);
    window_->show();
    QTRY_COMPARE_WITH_TIMEOUT(window_->bridge().state(), StreamBridge::State::kConnected, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(window_->conversations().rowCount() >= 1, 10000);
  }

  void AFriendRequestIsAcceptedFromTheContactList() {
    QVERIFY(window_);
    QCOMPARE(Ctl({"--as", "ben", "friends", "add", "ann", "--message", "hi ann"}).exit_code, 0);
    ContactModel& contacts = window_->contacts();
    QTRY_COMPARE_WITH_TIMEOUT(contacts.incoming_count(), 1, 10000);
    QCOMPARE(contacts.index(0).data(ContactModel::kUsernameRole).toString(), QStringLiteral("ben"));
    QCOMPARE(contacts.index(0).data(ContactModel::kMessageRole).toString(),
             QStringLiteral("hi ann"));

    // Click the Accept button drawn in the request's row.
    auto* list = window_->findChild<QListView*>(QStringLiteral("contactList"));
    QVERIFY(list);
    auto* tabs = window_->findChild<QTabWidget*>();
    tabs->setCurrentIndex(1);
    QModelIndex index = list->model()->index(0, 0);
    QRect rect = list->visualRect(index);
    QVERIFY(rect.isValid());
    QPoint accept(rect.right() - 2 * 72 - 8 + 36, rect.center().y());
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, accept);
    QTRY_COMPARE_WITH_TIMEOUT(contacts.incoming_count(), 0, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(contacts.index(0).data(ContactModel::kKindRole).toInt(),
                              static_cast<int>(ContactModel::kFriend), 10000);
    auto ben = Ctl({"--as", "ben", "friends"});
    QVERIFY2(QString::fromStdString(ben.out).contains(QStringLiteral("\"user\":\"ann\"")),
             ben.out.c_str());
  }

  void ADirectMessageArrivesAndTheReplyReachesTheFriend() {
    QVERIFY(window_);
    auto sent = Ctl({"--as", "ben", "send", "--to", "ann", "<b>not bold</b> hello ann"});
    QCOMPARE(sent.exit_code, 0);
    const uint64_t dm = Json(sent, "conversation").toULongLong();
    ConversationModel& conversations = window_->conversations();
    QTRY_VERIFY_WITH_TIMEOUT(conversations.RowOf(dm) >= 0, 10000);
    QCOMPARE(
        conversations.index(conversations.RowOf(dm)).data(ConversationModel::kNameRole).toString(),
        QStringLiteral("ben"));
    window_->OpenConversation(dm);
    MessageModel& messages = window_->messages();
    QTRY_COMPARE_WITH_TIMEOUT(messages.rowCount(), 1, 10000);
    // Shown literally, never as markup.
    QCOMPARE(messages.index(0).data(MessageModel::kTextRole).toString(),
             QStringLiteral("<b>not bold</b> hello ann"));
    auto* title = window_->findChild<QLabel*>(QStringLiteral("conversationTitle"));
    QCOMPARE(title->text(), QStringLiteral("ben"));

    auto* composer = window_->findChild<QWidget*>(QStringLiteral("composer"));
    QVERIFY(composer);
    composer->setFocus();
    QTest::keyClicks(composer, QStringLiteral("hi ben"));
    QTest::keyClick(composer, Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClicks(composer, QStringLiteral("second line"));
    QTest::keyClick(composer, Qt::Key_Return);
    QTRY_COMPARE_WITH_TIMEOUT(messages.rowCount(), 2, 10000);
    QCOMPARE(messages.index(1).data(MessageModel::kTextRole).toString(),
             QStringLiteral("hi ben\nsecond line"));
    QVERIFY(messages.index(1).data(MessageModel::kOwnRole).toBool());
    auto history = Ctl({"--as", "ben", "history", "--with", "ann"});
    QVERIFY2(QString::fromStdString(history.out).contains(QStringLiteral("hi ben\\nsecond line")),
             history.out.c_str());
    // Ben reads it: the window marks the message read by him.
    QCOMPARE(Ctl({"--as", "ben", "read", "@ann", "2"}).exit_code, 0);
    QTRY_VERIFY_WITH_TIMEOUT(messages.index(1).data(MessageModel::kReadByPeerRole).toBool(), 10000);
    // While Ann has the conversation open, what arrives is read: Ben sees her marker move.
    window_->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(window_.get()));
    auto third = Ctl({"--as", "ben", "send", "--to", "ann", "are you there?"});
    QCOMPARE(third.exit_code, 0);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
          auto seen = Ctl({"--as", "ben", "conversations"});
          return QString::fromStdString(seen.out).contains(QStringLiteral("\"peer_read_seq\":3"));
        }(),
        15000);
  }

  void TypingEditsAndRoomsShowInTheWindow() {
    QVERIFY(window_);
    // Ben types in the open direct conversation: the line under the messages says so.
    QCOMPARE(Ctl({"--as", "ben", "typing", "--to", "ann"}).exit_code, 0);
    auto* typing = window_->findChild<QLabel*>(QStringLiteral("typingLabel"));
    QTRY_COMPARE_WITH_TIMEOUT(typing->text(), QStringLiteral("ben is typing…"), 10000);
    // Ben edits his first message: the row changes in place.
    QCOMPARE(Ctl({"--as", "ben", "edit", "@ann", "1", "hello ann (edited)"}).exit_code, 0);
    MessageModel& messages = window_->messages();
    QTRY_COMPARE_WITH_TIMEOUT(messages.index(0).data(MessageModel::kTextRole).toString(),
                              QStringLiteral("hello ann (edited)"), 10000);
    QVERIFY(messages.index(0).data(MessageModel::kEditedRole).toBool());

    // Issue 23 item 3: Ben reacts; the chip shows in Ann's window. Ann adds hers from the menu,
    // and Ben's history counts both.
    auto chips = [&messages] {
      return messages.index(0)
          .data(MessageModel::kReactionsRole)
          .value<QList<MessageModel::Reaction>>();
    };
    QCOMPARE(Ctl({"--as", "ben", "react", "@ann", "1", "👍"}).exit_code, 0);
    QTRY_COMPARE_WITH_TIMEOUT(chips().size(), 1, 10000);
    QCOMPARE(chips()[0].count, 1);
    QVERIFY(!chips()[0].mine);
    QCOMPARE(chips()[0].users, QStringList{QStringLiteral("ben")});
    QMenu menu;
    window_->FillMessageMenu(messages.index(0), &menu);
    auto* react = menu.findChild<QMenu*>(QStringLiteral("reactMenu"));
    QVERIFY(react);
    for (QAction* a : react->actions()) {
      if (a->text() == QStringLiteral("👍")) a->trigger();
    }
    QTRY_VERIFY_WITH_TIMEOUT(!chips().isEmpty() && chips()[0].count == 2, 10000);
    QVERIFY(chips()[0].mine);
    auto reacted = Ctl({"--as", "ben", "history", "--with", "ann"});
    QVERIFY2(QString::fromStdString(reacted.out)
                 .contains(QStringLiteral(
                     R"("reactions":[{"count":2,"emoji":"👍","users":["ben","ann"]}])")),
             reacted.out.c_str());

    // Ann creates a room in the Rooms dialog; Ben joins it and his message reaches her list.
    RoomsDialog rooms(window_->api(), window_.get());
    RoomsDialog* dialog = &rooms;
    QSignalSpy joined(dialog, &RoomsDialog::joined);
    dialog->findChild<QLineEdit*>(QStringLiteral("newRoomName"))
        ->setText(QStringLiteral("book-club"));
    dialog->findChild<QPushButton*>(QStringLiteral("createRoom"))->click();
    QTRY_COMPARE_WITH_TIMEOUT(joined.count(), 1, 10000);
    const uint64_t room = joined.at(0).at(0).toULongLong();
    QCOMPARE(Ctl({"--as", "ben", "rooms", "join", "book-club"}).exit_code, 0);
    QCOMPARE(Ctl({"--as", "ben", "send", "--room", "book-club", "chapter one?"}).exit_code, 0);
    ConversationModel& conversations = window_->conversations();
    QTRY_VERIFY_WITH_TIMEOUT(conversations.RowOf(room) >= 0, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(conversations.index(conversations.RowOf(room))
                                  .data(ConversationModel::kPreviewRole)
                                  .toString(),
                              QStringLiteral("ben: chapter one?"), 10000);

    // Private rooms: Ann makes one with the Private box; Ben does not see it listed and cannot
    // join it until Ann invites him from its Members dialog.
    {
      RoomsDialog create(window_->api(), window_.get());
      QSignalSpy made(&create, &RoomsDialog::joined);
      create.findChild<QLineEdit*>(QStringLiteral("newRoomName"))
          ->setText(QStringLiteral("secret-club"));
      create.findChild<QCheckBox*>(QStringLiteral("newRoomPrivate"))->setChecked(true);
      create.findChild<QPushButton*>(QStringLiteral("createRoom"))->click();
      QTRY_COMPARE_WITH_TIMEOUT(made.count(), 1, 10000);
    }
    QVERIFY(!QString::fromStdString(Ctl({"--as", "ben", "rooms", "list"}).out)
                 .contains(QStringLiteral("secret-club")));
    QCOMPARE(Ctl({"--as", "ben", "rooms", "join", "secret-club"}).exit_code, 1);
    {
      MembersDialog members(window_->api(), QStringLiteral("secret-club"), 1, window_.get());
      auto* invite_user = members.findChild<QLineEdit*>(QStringLiteral("inviteUser"));
      QTRY_VERIFY_WITH_TIMEOUT(invite_user->isVisibleTo(&members), 10000);  // Ann owns it
      invite_user->setText(QStringLiteral("ben"));
      members.findChild<QPushButton*>(QStringLiteral("inviteButton"))->click();
      QTRY_VERIFY_WITH_TIMEOUT(invite_user->text().isEmpty(), 10000);
    }
    auto invited = Ctl({"--as", "ben", "invitations"});
    QVERIFY2(
        QString::fromStdString(invited.out).contains(QStringLiteral("\"room\":\"secret-club\"")),
        invited.out.c_str());

    // Ben invites Ann to his private room; the Rooms dialog shows the invitation with the pending
    // count, and Accept joins her.
    QCOMPARE(Ctl({"--as", "ben", "rooms", "create", "ben-den", "--private"}).exit_code, 0);
    QCOMPARE(Ctl({"--as", "ben", "rooms", "invite", "ben-den", "ann"}).exit_code, 0);
    {
      RoomsDialog answer(window_->api(), window_.get());
      QSignalSpy accepted(&answer, &RoomsDialog::joined);
      auto* title = answer.findChild<QLabel*>(QStringLiteral("invitationsTitle"));
      QTRY_COMPARE_WITH_TIMEOUT(title->text(), QStringLiteral("Invitations (1)"), 10000);
      auto* list = answer.findChild<QListWidget*>(QStringLiteral("invitationList"));
      QCOMPARE(list->item(0)->text(), QStringLiteral("#ben-den, from ben"));
      answer.findChild<QPushButton*>(QStringLiteral("acceptInvitation"))->click();
      QTRY_COMPARE_WITH_TIMEOUT(accepted.count(), 1, 10000);
    }
    auto den = Ctl({"--as", "ben", "rooms", "members", "ben-den"});
    QVERIFY2(QString::fromStdString(den.out).contains(QStringLiteral("\"user\":\"ann\"")),
             den.out.c_str());
  }

  // Issue 23 item 7: Ann makes a group with two friends in the New group… dialog; Ben's message in
  // it reaches her chat list, and hers from the composer reaches Cara.
  void AGroupMadeInTheWindowCarriesMessagesBothWays() {
    QVERIFY(window_);
    QCOMPARE(Ctl({"register", "cara"}, "cara's password\n").exit_code, 0);
    QCOMPARE(Ctl({"login", "cara"}, "cara's password\n").exit_code, 0);
    QCOMPARE(Ctl({"--as", "cara", "friends", "add", "ann"}).exit_code, 0);
    ContactModel& contacts = window_->contacts();
    QTRY_COMPARE_WITH_TIMEOUT(contacts.incoming_count(), 1, 10000);
    auto* tabs = window_->findChild<QTabWidget*>();
    tabs->setCurrentIndex(1);
    auto* people = window_->findChild<QListView*>(QStringLiteral("contactList"));
    const QRect row = people->visualRect(people->model()->index(0, 0));
    QVERIFY(row.isValid());
    QTest::mouseClick(people->viewport(), Qt::LeftButton, {},
                      QPoint(row.right() - 2 * 72 - 8 + 36, row.center().y()));  // Accept
    QTRY_COMPARE_WITH_TIMEOUT(contacts.incoming_count(), 0, 10000);
    tabs->setCurrentIndex(0);

    NewGroupDialog dialog(window_->api(), FriendChoicesOf(contacts), window_.get());
    QSignalSpy created(&dialog, &NewGroupDialog::created);
    auto* picker = dialog.findChild<QListWidget*>(QStringLiteral("friendPicker"));
    QCOMPARE(picker->count(), 2);  // Ben and Cara
    for (int i = 0; i < picker->count(); ++i) picker->item(i)->setCheckState(Qt::Checked);
    dialog.findChild<QPushButton*>(QStringLiteral("createGroup"))->click();
    QTRY_COMPARE_WITH_TIMEOUT(created.count(), 1, 10000);
    const uint64_t group = created.at(0).at(0).toULongLong();
    const std::string id = std::to_string(group);

    QCOMPARE(Ctl({"--as", "ben", "send", "--conversation", id, "hello group"}).exit_code, 0);
    ConversationModel& conversations = window_->conversations();
    QTRY_VERIFY_WITH_TIMEOUT(conversations.RowOf(group) >= 0, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(conversations.index(conversations.RowOf(group))
                                  .data(ConversationModel::kPreviewRole)
                                  .toString(),
                              QStringLiteral("ben: hello group"), 10000);
    window_->OpenConversation(group);
    QCOMPARE(window_->open_conversation(), group);
    auto* composer = window_->findChild<Composer*>(QStringLiteral("composer"));
    QTest::keyClicks(composer, QStringLiteral("hi both"));
    QTest::keyClick(composer, Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(
        QString::fromStdString(Ctl({"--as", "cara", "history", "--conversation", id}).out)
            .contains(QStringLiteral("hi both")),
        10000);
    // Ben stays Ann's only contact for the steps after this one.
    QCOMPARE(Ctl({"--as", "cara", "friends", "remove", "ann"}).exit_code, 0);
    QTRY_COMPARE_WITH_TIMEOUT(contacts.rowCount(), 1, 10000);
  }

  void ProfileSessionsAndPasswordDialogsDoWhatTheySay() {
    QVERIFY(window_);
    // Profile: a new display name is saved and shown.
    {
      ProfileDialog profile(window_->api(), window_->avatars(), 1, window_.get());
      auto* name = profile.findChild<QLineEdit*>();
      QTRY_COMPARE_WITH_TIMEOUT(name->text(), QStringLiteral("ann"), 10000);  // loaded
      name->setText(QStringLiteral("Ann Lee"));
      QSignalSpy done(&profile, &QDialog::accepted);
      profile.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Save)->click();
      QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 10000);
    }
    auto ann = Ctl({"--as", "ben", "profile", "ann"});
    QVERIFY2(
        QString::fromStdString(ann.out).contains(QStringLiteral("\"display_name\":\"Ann Lee\"")),
        ann.out.c_str());
    // Sessions: this window's session is listed.
    {
      SessionsDialog sessions(window_->api(), window_.get());
      auto* list = sessions.findChild<QListWidget*>();
      QTRY_VERIFY_WITH_TIMEOUT(list->count() >= 1, 10000);
      bool current = false;
      for (int i = 0; i < list->count(); ++i) {
        current = current || list->item(i)->text().contains(QStringLiteral("(this one)"));
      }
      QVERIFY(current);
    }
    // Password: a wrong current password is refused in the dialog; the right one changes it.
    {
      PasswordDialog password(window_->api(), window_.get());
      auto fields = password.findChildren<QLineEdit*>();
      QCOMPARE(fields.size(), 3);
      fields[0]->setText(QStringLiteral("not it at all"));
      fields[1]->setText(QStringLiteral("ann's new password"));
      fields[2]->setText(QStringLiteral("ann's new password"));
      QSignalSpy done(&password, &QDialog::accepted);
      auto* ok = password.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
      ok->click();
      QTRY_VERIFY_WITH_TIMEOUT(
          [&] {
            for (QLabel* label : password.findChildren<QLabel*>()) {
              if (label->text().contains(QStringLiteral("password is wrong"))) return true;
            }
            return false;
          }(),
          10000);
      QCOMPARE(done.count(), 0);
      fields[0]->setText(QStringLiteral("ann's password"));
      ok->click();
      // Changed: the dialog says so until it is closed.
      QTRY_VERIFY_WITH_TIMEOUT(
          [&] {
            for (QLabel* label : password.findChildren<QLabel*>()) {
              if (label->text().contains(QStringLiteral("Your password was changed"))) return true;
            }
            return false;
          }(),
          10000);
      QSignalSpy closed(&password, &QDialog::finished);
      password.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Close)->click();
      QCOMPARE(closed.count(), 1);
    }
    QCOMPARE(Ctl({"login", "ann"}, "ann's new password\n").exit_code, 0);
    // The window's own session survives its password change.
    QCOMPARE(window_->bridge().state(), StreamBridge::State::kConnected);
  }

  void FindsTheGatewayOnTheNetwork() {
    // The gateway answers the discovery probe on its own port; the sign-in window's button uses
    // this.
    const std::string address = stack_->gateway_address(0);
    const quint16 port = static_cast<quint16>(std::stoi(address.substr(address.rfind(':') + 1)));
    ServerDiscovery discovery;
    QSignalSpy found(&discovery, &ServerDiscovery::found);
    QSignalSpy finished(&discovery, &ServerDiscovery::finished);
    discovery.Start(2000, port);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 5000);
    QVERIFY(found.count() >= 1);
    QCOMPARE(found.at(0).at(0).toString(), QString::fromStdString(address));
    QCOMPARE(found.at(0).at(1).toString(), QStringLiteral("gw-1"));
  }

  void SignsInOverTlsTrustingTheGatewaysCa() {
    testing::Stack tls_stack(testing::StackOptions{.chat_replicas = 1, .gateways = 1, .tls = true});
    QCOMPARE(tls_stack.Ctl({"register", "tess"}, "tess's password\n").exit_code, 0);
    SignInWindow sign_in;
    sign_in.SetAddress(QString::fromStdString(tls_stack.gateway_address(0)));
    sign_in.SetUsername(QStringLiteral("tess"));
    sign_in.SetTls(true, QString::fromStdString(tls_stack.ca_file().string()));
    sign_in.findChild<QLineEdit*>(QStringLiteral("password"))
        ->setText(QStringLiteral("tess's password"));
    QSignalSpy signed_in(&sign_in, &SignInWindow::signedIn);
    sign_in.findChild<QPushButton*>(QStringLiteral("submit"))->click();
    QTRY_COMPARE_WITH_TIMEOUT(signed_in.count(), 1, 10000);
    SignedIn session = signed_in.at(0).at(0).value<SignedIn>();
    QVERIFY(session.tls);
    MainWindow window(session);
    QTRY_COMPARE_WITH_TIMEOUT(window.bridge().state(), StreamBridge::State::kConnected, 10000);

    // Without TLS the same gateway refuses the sign-in, and says so in the window.
    SignInWindow plain;
    plain.SetAddress(QString::fromStdString(tls_stack.gateway_address(0)));
    plain.SetUsername(QStringLiteral("tess"));
    plain.findChild<QLineEdit*>(QStringLiteral("password"))
        ->setText(QStringLiteral("tess's password"));
    QSignalSpy plain_signed_in(&plain, &SignInWindow::signedIn);
    plain.findChild<QPushButton*>(QStringLiteral("submit"))->click();
    auto* status = plain.findChild<QLabel*>(QStringLiteral("status"));
    QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QStringLiteral("secure connection (TLS)")),
                             10000);
    QCOMPARE(plain_signed_in.count(), 0);
  }

  void AFriendsPresenceChangesLive() {
    QVERIFY(window_);
    ContactModel& contacts = window_->contacts();  // ben is the only contact
    QCOMPARE(contacts.rowCount(), 1);
    QCOMPARE(contacts.index(0).data(ContactModel::kStatusRole).toString(),
             QStringLiteral("offline"));
    auto listener =
        stack_->CtlInBackground("ben-online", {"--as", "ben", "listen", "--timeout", "30"});
    QTRY_COMPARE_WITH_TIMEOUT(contacts.index(0).data(ContactModel::kStatusRole).toString(),
                              QStringLiteral("online"), 15000);
    listener->Stop();
    QTRY_COMPARE_WITH_TIMEOUT(contacts.index(0).data(ContactModel::kStatusRole).toString(),
                              QStringLiteral("offline"), 15000);
  }
};

}  // namespace natter::client

QTEST_MAIN(natter::client::DesktopE2eTest)
#include "desktop_e2e_test.moc"
