// The sign-in window's checks match the server's rules (docs/PROTOCOL.md).
#include "validation.h"

#include <QtTest>

namespace natter::client {

class ValidationTest : public QObject {
  Q_OBJECT

 private slots:
  void UsernamesFollowTheServerRules() {
    QVERIFY(UsernameProblem(QStringLiteral("alice")).isEmpty());
    QVERIFY(UsernameProblem(QStringLiteral("José_1.x-y")).isEmpty());
    QVERIFY(UsernameProblem(QStringLiteral("Жанна")).isEmpty());
    QCOMPARE(UsernameProblem(QString()), QStringLiteral("Enter a username."));
    QCOMPARE(UsernameProblem(QStringLiteral("al")),
             QStringLiteral("A username has 3 to 32 characters."));
    QCOMPARE(UsernameProblem(QString(33, 'a')),
             QStringLiteral("A username has 3 to 32 characters."));
    QCOMPARE(UsernameProblem(QStringLiteral("al ice")),
             QStringLiteral("A username may contain only letters, digits, '_', '.' and '-'."));
    QVERIFY(!UsernameProblem(QStringLiteral("a<b>c")).isEmpty());
  }

  void PasswordsNeedEightCharactersAndNotTheUsername() {
    QVERIFY(PasswordProblem(QStringLiteral("correct-horse"), QStringLiteral("alice")).isEmpty());
    QCOMPARE(PasswordProblem(QStringLiteral("short"), QStringLiteral("alice")),
             QStringLiteral("A password has at least 8 characters."));
    QCOMPARE(PasswordProblem(QStringLiteral("Alice123"), QStringLiteral("alice123")),
             QStringLiteral("The password must not be the username."));
    QVERIFY(!PasswordProblem(QString(1025, 'x'), QStringLiteral("alice")).isEmpty());
  }

  void ServerAddressesNeedHostAndPort() {
    QVERIFY(ServerAddressProblem(QStringLiteral("127.0.0.1:2019")).isEmpty());
    QVERIFY(ServerAddressProblem(QStringLiteral("chat.example.org:443")).isEmpty());
    QVERIFY(ServerAddressProblem(QStringLiteral("[::1]:2019")).isEmpty());
    QVERIFY(!ServerAddressProblem(QStringLiteral("127.0.0.1")).isEmpty());
    QVERIFY(!ServerAddressProblem(QStringLiteral("host:99999")).isEmpty());
    QVERIFY(!ServerAddressProblem(QStringLiteral("")).isEmpty());
    QVERIFY(!ServerAddressProblem(QStringLiteral("bad host:1")).isEmpty());
  }

  void DisplayAndRoomNames() {
    QVERIFY(DisplayNameProblem(QStringLiteral("Alice Liddell")).isEmpty());
    QVERIFY(!DisplayNameProblem(QStringLiteral("   ")).isEmpty());
    QVERIFY(!DisplayNameProblem(QString(65, 'a')).isEmpty());
    QVERIFY(RoomNameProblem(QStringLiteral("dev-talk")).isEmpty());
    QVERIFY(!RoomNameProblem(QStringLiteral("x")).isEmpty());
    QVERIFY(!RoomNameProblem(QStringLiteral("two words")).isEmpty());
  }

  void MessagesHaveAtMost4096BytesOfUtf8() {
    QVERIFY(MessageTextProblem(QString(4096, 'x')).isEmpty());
    QCOMPARE(MessageTextProblem(QString(4097, 'x')),
             QStringLiteral("The message is too long: 4097 bytes, at most 4096 can be sent."));
    // Bytes, not characters: 2,049 two-byte letters are too many.
    QCOMPARE(MessageBytes(QString(2049, QChar(0x00e9))), 4098);
    QVERIFY(!MessageTextProblem(QString(2049, QChar(0x00e9))).isEmpty());
  }
};

}  // namespace natter::client

QTEST_GUILESS_MAIN(natter::client::ValidationTest)
#include "validation_test.moc"
