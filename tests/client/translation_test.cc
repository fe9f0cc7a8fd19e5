// The translations: the sign-in and main windows in Chinese when zh_CN is chosen and in English
// with "en", the language picked in the window kept for the next start, and the checked-in .ts
// complete — every text of the sources (lupdate run again on them) has a translation that keeps
// its placeholders and accelerator.
#include <QAction>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QMenu>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QTemporaryDir>
#include <QToolButton>
#include <QXmlStreamReader>
#include <QtTest>
#include <memory>

#include "client/fake_transport.h"
#include "language.h"
#include "main_window.h"
#include "sign_in_window.h"
#include "validation.h"

namespace natter::client {
namespace {

// What is wrong with a .ts: each message that is unfinished, empty, or whose translation lost or
// gained a placeholder (%1, %n) or the keyboard accelerator (&).
QStringList TsProblems(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {QStringLiteral("cannot read ") + path};
  QStringList problems;
  QXmlStreamReader xml(&file);
  QString context;
  QString source;
  int messages = 0;
  static const QRegularExpression kPlaceholder(QStringLiteral("%(\\d+|n)"));
  auto placeholders = [](const QString& text) {
    QStringList found;
    for (auto it = kPlaceholder.globalMatch(text); it.hasNext();) found << it.next().captured();
    found.sort();
    return found;
  };
  auto accelerators = [](QString text) { return text.remove(QLatin1String("&&")).count('&'); };
  auto check = [&](const QString& translation) {
    const QString where = context + QStringLiteral(": \"") + source + QLatin1Char('"');
    if (translation.trimmed().isEmpty()) {
      problems << where + QStringLiteral(": empty");
    } else if (placeholders(translation) != placeholders(source)) {
      problems << where + QStringLiteral(": placeholders differ in \"") + translation + '"';
    } else if (accelerators(translation) != accelerators(source)) {
      problems << where + QStringLiteral(": accelerator differs in \"") + translation + '"';
    }
  };
  while (!xml.atEnd()) {
    if (xml.readNext() != QXmlStreamReader::StartElement) continue;
    if (xml.name() == QLatin1String("name")) {
      context = xml.readElementText();
    } else if (xml.name() == QLatin1String("source")) {
      source = xml.readElementText();
      ++messages;
    } else if (xml.name() == QLatin1String("translation")) {
      const QString type = xml.attributes().value(QLatin1String("type")).toString();
      if (type == QLatin1String("vanished") || type == QLatin1String("obsolete")) continue;
      if (type == QLatin1String("unfinished")) {
        problems << context + QStringLiteral(": \"") + source + QStringLiteral("\": unfinished");
        continue;
      }
      // A plural has one <numerusform> per form; other messages have the text itself.
      QString text;
      bool numerus = false;
      while (xml.readNext() != QXmlStreamReader::EndElement ||
             xml.name() != QLatin1String("translation")) {
        if (xml.atEnd()) break;
        if (xml.isCharacters()) text += xml.text();
        if (xml.isStartElement() && xml.name() == QLatin1String("numerusform")) {
          numerus = true;
          check(xml.readElementText());
        }
      }
      if (!numerus) check(text);
    }
  }
  if (xml.hasError()) problems << path + QStringLiteral(": ") + xml.errorString();
  if (messages == 0) problems << path + QStringLiteral(": no messages");
  return problems;
}

MainWindow* NewMainWindow() {
  SignedIn session;
  session.address = QStringLiteral("127.0.0.1:1");  // nothing answers: the window is only looked at
  session.token = QStringLiteral("token");
  session.user_id = 1;
  session.username = QStringLiteral("me");
  return new MainWindow(session,
                        std::make_unique<FakeTransport>(std::make_shared<FakeTransport::State>()));
}

QPushButton* ButtonWithText(QWidget* window, const QString& text) {
  for (QPushButton* button : window->findChildren<QPushButton*>()) {
    if (button->text() == text) return button;
  }
  return nullptr;
}

}  // namespace

class TranslationTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QSettings().clear();
  }
  void cleanup() { InstallTranslators(QStringLiteral("en")); }

  void ChineseIsEmbedded() {
    QVERIFY(AvailableLanguages().contains(QStringLiteral("zh_CN")));
    QVERIFY(AvailableLanguages().contains(QStringLiteral("en")));
  }

  void SignInWindowInChinese() {
    QVERIFY(InstallTranslators(QStringLiteral("zh_CN")));
    SignInWindow window;
    QCOMPARE(window.findChild<QPushButton*>(QStringLiteral("submit"))->text(),
             QStringLiteral("登录"));
    QCOMPARE(window.findChild<QPushButton*>(QStringLiteral("switchMode"))->text(),
             QStringLiteral("新用户？创建账号"));
    QCOMPARE(window.windowTitle(), QStringLiteral("登录"));
    QCOMPARE(UsernameProblem(QString()), QStringLiteral("请输入用户名。"));  // client/core's texts
    // Qt's own button texts come from our translation too.
    QDialogButtonBox buttons(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    QCOMPARE(buttons.button(QDialogButtonBox::Cancel)->text(), QStringLiteral("取消"));
  }

  void SignInWindowInEnglish() {
    QVERIFY(InstallTranslators(QStringLiteral("zh_CN")));
    QVERIFY(!InstallTranslators(QStringLiteral("en")));  // English needs no file: the source
    SignInWindow window;
    QCOMPARE(window.findChild<QPushButton*>(QStringLiteral("submit"))->text(),
             QStringLiteral("Sign in"));
    QCOMPARE(window.findChild<QPushButton*>(QStringLiteral("switchMode"))->text(),
             QStringLiteral("New here? Create an account"));
  }

  // The region may be named as the system does ("zh-CN", "zh_Hans_CN"), and an unknown language
  // is English.
  void LanguageNames() {
    QVERIFY(InstallTranslators(QStringLiteral("zh-CN")));
    QVERIFY(InstallTranslators(QStringLiteral("zh_Hans_CN")));
    QVERIFY(!InstallTranslators(QStringLiteral("xx_YY")));
    SignInWindow window;
    QCOMPARE(window.findChild<QPushButton*>(QStringLiteral("submit"))->text(),
             QStringLiteral("Sign in"));
  }

  void MainWindowInChinese() {
    QVERIFY(InstallTranslators(QStringLiteral("zh_CN")));
    std::unique_ptr<MainWindow> window(NewMainWindow());
    QVERIFY(ButtonWithText(window.get(), QStringLiteral("发送")));
    QVERIFY(ButtonWithText(window.get(), QStringLiteral("添加好友…")));
    auto* status = window->findChild<QToolButton*>(QStringLiteral("statusButton"));
    QCOMPARE(status->text(), QStringLiteral("在线"));
    auto* languages = window->findChild<QMenu*>(QStringLiteral("languageMenu"));
    QVERIFY(languages);
    QCOMPARE(languages->title(), QStringLiteral("语言"));
  }

  void MainWindowInEnglish() {
    InstallTranslators(QStringLiteral("en"));
    std::unique_ptr<MainWindow> window(NewMainWindow());
    QVERIFY(ButtonWithText(window.get(), QStringLiteral("Send")));
    QCOMPARE(window->findChild<QToolButton*>(QStringLiteral("statusButton"))->text(),
             QStringLiteral("Online"));
  }

  // Picked in the status menu, kept in the settings, and used on the next start (unless
  // --language or NATTER_LANGUAGE say otherwise).
  void LanguagePickedInTheWindowIsKept() {
    qunsetenv("NATTER_LANGUAGE");
    std::unique_ptr<MainWindow> window(NewMainWindow());
    auto* chinese = window->findChild<QAction*>(QStringLiteral("language-zh_CN"));
    QVERIFY(chinese);
    QCOMPARE(chinese->text(), QStringLiteral("简体中文"));
    QVERIFY(window->findChild<QAction*>(QStringLiteral("language-system"))->isChecked());
    chinese->trigger();
    QCOMPARE(QSettings().value(QStringLiteral("language")).toString(), QStringLiteral("zh_CN"));
    QCOMPARE(ChosenLanguage(QString()), QStringLiteral("zh_CN"));
    QCOMPARE(ChosenLanguage(QStringLiteral("en")), QStringLiteral("en"));
    qputenv("NATTER_LANGUAGE", "en");
    QCOMPARE(ChosenLanguage(QString()), QStringLiteral("en"));
    qunsetenv("NATTER_LANGUAGE");
    window->findChild<QAction*>(QStringLiteral("language-system"))->trigger();
    QCOMPARE(ChosenLanguage(QString()), QString());
  }

  void TranslationIsComplete() {
    const QStringList problems = TsProblems(QStringLiteral(NATTER_CLIENT_TS));
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join('\n')));
  }

  // A text wrapped in tr() since the .ts was last updated: lupdate, run on the sources into a copy
  // of the .ts, adds it unfinished.
  void EveryTextOfTheSourcesIsTranslated() {
    if (QStringLiteral(NATTER_LUPDATE).isEmpty()) QSKIP("lupdate not found at configure time");
    QTemporaryDir dir;
    const QString copy = dir.filePath(QStringLiteral("natter.ts"));
    QVERIFY(QFile::copy(QStringLiteral(NATTER_CLIENT_TS), copy));
    QProcess lupdate;
    lupdate.setWorkingDirectory(QStringLiteral(NATTER_SOURCE_DIR));
    lupdate.start(QStringLiteral(NATTER_LUPDATE),
                  {QStringLiteral("-silent"), QStringLiteral("client/app"),
                   QStringLiteral("client/core"), QStringLiteral("-ts"), copy});
    QVERIFY(lupdate.waitForFinished(60000));
    QVERIFY2(lupdate.exitCode() == 0, lupdate.readAllStandardError().constData());
    const QStringList problems = TsProblems(copy);
    QVERIFY2(problems.isEmpty(),
             qPrintable(QStringLiteral("run lupdate (see the README) and translate:\n") +
                        problems.join('\n')));
  }
};

}  // namespace natter::client

QTEST_MAIN(natter::client::TranslationTest)
#include "translation_test.moc"
