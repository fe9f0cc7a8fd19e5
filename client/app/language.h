// The language of the window: English (the source), or a translation embedded in the binary
// (client/translations, e.g. natter_zh_CN.ts). Chosen by --language, else NATTER_LANGUAGE, else
// the "language" setting; none of them (or "system") follows the system's locale.
#pragma once

#include <QString>
#include <QStringList>

namespace natter::client {

// The setting that holds the language picked in the window ("", "en", "zh_CN").
inline constexpr char kLanguageSetting[] = "language";

// The languages one may pick: "en" and each embedded translation ("zh_CN").
QStringList AvailableLanguages();

// The language asked for: `option` (the --language value) if set, else NATTER_LANGUAGE, else the
// setting. Empty (or "system") means the system's locale.
QString ChosenLanguage(const QString& option);

// Installs the translators for `language` in the application, replacing those installed before:
// the embedded translation, and Qt's own (standard buttons) where the system has them. "en"
// installs none; empty or "system" uses QLocale::system(). Returns whether a Natter translation was
// loaded (false for English, or a language with no translation).
bool InstallTranslators(const QString& language);

}  // namespace natter::client
