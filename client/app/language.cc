#include "language.h"

#include <QCoreApplication>
#include <QDir>
#include <QLibraryInfo>
#include <QLocale>
#include <QSettings>
#include <QTranslator>
#include <memory>

// Outside any namespace, as Q_INIT_RESOURCE needs: the .qm files are in a static library, whose
// resources are only linked in when asked for.
static void InitTranslationResources() { Q_INIT_RESOURCE(translations); }

namespace natter::client {
namespace {

const QString kDirectory = QStringLiteral(":/translations");

// Qt's own words on the buttons of the client's dialogs (Qt looks them up in the context
// QPlatformTheme). Listed here so lupdate puts them in our .ts: they are translated even where the
// system has no Qt translations (qttranslations5-l10n).
[[maybe_unused]] const char* const kQtButtons[] = {
    QT_TRANSLATE_NOOP("QPlatformTheme", "OK"),     QT_TRANSLATE_NOOP("QPlatformTheme", "Save"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Cancel"), QT_TRANSLATE_NOOP("QPlatformTheme", "Close"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "&Yes"),   QT_TRANSLATE_NOOP("QPlatformTheme", "&No"),
};

struct Installed {
  std::unique_ptr<QTranslator> natter;
  std::unique_ptr<QTranslator> qt;
};

Installed& Current() {
  static Installed installed;
  return installed;
}

void Uninstall() {
  Installed& current = Current();
  for (auto* translator : {&current.natter, &current.qt}) {
    if (*translator) QCoreApplication::removeTranslator(translator->get());
    translator->reset();
  }
}

// The languages to try, most wanted first: "zh_CN", then "zh". Empty for English, which is the
// source and needs no file (a system that lists English first gets English, even if it lists
// Chinese after it).
QStringList Candidates(const QString& language) {
  QStringList wanted;
  if (language.isEmpty() || language == QLatin1String("system")) {
    wanted = QLocale::system().uiLanguages();
  } else {
    wanted = QStringList{language};
  }
  QStringList candidates;
  for (QString name : wanted) {
    name.replace(QLatin1Char('-'), QLatin1Char('_'));
    if (name == QLatin1String("en") || name.startsWith(QLatin1String("en_")) ||
        name == QLatin1String("C")) {
      break;
    }
    // zh_Hans_CN → zh_Hans_CN, zh_Hans, zh; the system may name the script, the file does not.
    QStringList parts = name.split(QLatin1Char('_'));
    if (parts.size() == 3) candidates << parts[0] + QLatin1Char('_') + parts[2];
    while (!parts.isEmpty()) {
      candidates << parts.join(QLatin1Char('_'));
      parts.removeLast();
    }
  }
  return candidates;
}

}  // namespace

QStringList AvailableLanguages() {
  InitTranslationResources();
  QStringList languages{QStringLiteral("en")};
  for (const QString& file :
       QDir(kDirectory).entryList({QStringLiteral("natter_*.qm")}, QDir::Files, QDir::Name)) {
    languages << file.mid(7, file.size() - 10);  // natter_zh_CN.qm → zh_CN
  }
  return languages;
}

QString ChosenLanguage(const QString& option) {
  if (!option.isEmpty()) return option;
  const QString env = qEnvironmentVariable("NATTER_LANGUAGE");
  if (!env.isEmpty()) return env;
  return QSettings().value(QLatin1String(kLanguageSetting)).toString();
}

bool InstallTranslators(const QString& language) {
  InitTranslationResources();
  Uninstall();
  Installed& current = Current();
  for (const QString& candidate : Candidates(language)) {
    auto natter = std::make_unique<QTranslator>();
    if (!natter->load(QStringLiteral("natter_") + candidate, kDirectory)) continue;
    // Qt's translations first, so ours (installed last, searched first) win where both have a word.
    auto qt = std::make_unique<QTranslator>();
    if (qt->load(QStringLiteral("qtbase_") + candidate,
                 QLibraryInfo::location(QLibraryInfo::TranslationsPath))) {
      QCoreApplication::installTranslator(qt.get());
      current.qt = std::move(qt);
    }
    QCoreApplication::installTranslator(natter.get());
    current.natter = std::move(natter);
    return true;
  }
  return false;
}

}  // namespace natter::client
