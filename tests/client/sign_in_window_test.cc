// The sign-in window without a server: what it shows about the fields before anything is sent.
#include "sign_in_window.h"

#include <QAction>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QtTest>

namespace natter::client {

class SignInWindowTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  // Issue 24 bug 8: a field error of two lines showed only its first line.
  void ATwoLineFieldErrorIsShownWhole() {
    SignInWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.findChild<QPushButton*>(QStringLiteral("switchMode"))->click();  // create an account
    // As small as it goes, as the window opens.
    window.resize(window.minimumWidth(), window.sizeHint().height());
    QCoreApplication::processEvents();
    window.findChild<QLineEdit*>(QStringLiteral("address"))->setText(QStringLiteral("127.0.0.1:1"));
    window.findChild<QLineEdit*>(QStringLiteral("username"))->setText(QStringLiteral("no spaces!"));
    window.findChild<QPushButton*>(QStringLiteral("submit"))->click();
    QCoreApplication::processEvents();
    QLabel* error = nullptr;
    for (QLabel* label : window.findChildren<QLabel*>(QStringLiteral("fieldError"))) {
      if (label->isVisible() && label->text().contains(QStringLiteral("username"))) error = label;
    }
    QVERIFY(error);
    QTRY_VERIFY2(error->height() >= error->heightForWidth(error->width()),
                 qPrintable(QStringLiteral("%1 px high, needs %2")
                                .arg(error->height())
                                .arg(error->heightForWidth(error->width()))));
    QVERIFY(error->heightForWidth(error->width()) > error->fontMetrics().lineSpacing());  // 2 lines
    // Nothing else is cut either: the server field and its button get the width they need.
    for (const char* name : {"address", "discover"}) {
      auto* field = window.findChild<QWidget*>(QLatin1String(name));
      QVERIFY2(field->width() >= field->minimumSizeHint().width(), name);
    }
    auto* discover = window.findChild<QPushButton*>(QStringLiteral("discover"));
    QVERIFY(discover->width() >= discover->sizeHint().width());
  }

  // Polish: the password can be shown while typing it.
  void ThePasswordCanBeShown() {
    SignInWindow window;
    QLineEdit* password = nullptr;
    for (auto* field : window.findChildren<QLineEdit*>()) {
      if (field->echoMode() == QLineEdit::Password) password = field;
    }
    QVERIFY(password);
    auto* show = password->findChild<QAction*>(QStringLiteral("showPassword"));
    QVERIFY(show);
    show->trigger();
    QCOMPARE(password->echoMode(), QLineEdit::Normal);
    show->trigger();
    QCOMPARE(password->echoMode(), QLineEdit::Password);
  }
};

}  // namespace natter::client

QTEST_MAIN(natter::client::SignInWindowTest)
#include "sign_in_window_test.moc"
