#include "validation.h"

#include <QCoreApplication>
#include <QRegularExpression>

// The texts below are looked up in the context "Validation" (outside the namespace, so lupdate
// and the lookup name the context alike).
class Validation {
  Q_DECLARE_TR_FUNCTIONS(Validation)
};

namespace natter::client {
namespace {

// Letters of any script, digits, '_', '.', '-', and combining marks after the first character.
bool IsNameText(const QString& name) {
  const QVector<uint> codepoints = name.normalized(QString::NormalizationForm_C).toUcs4();
  for (int i = 0; i < codepoints.size(); ++i) {
    uint cp = codepoints[i];
    if (cp == '_' || cp == '.' || cp == '-') continue;
    switch (QChar::category(cp)) {
      case QChar::Letter_Uppercase:
      case QChar::Letter_Lowercase:
      case QChar::Letter_Titlecase:
      case QChar::Letter_Modifier:
      case QChar::Letter_Other:
      case QChar::Number_DecimalDigit:
        continue;
      case QChar::Mark_NonSpacing:
      case QChar::Mark_SpacingCombining:
        if (i > 0) continue;
        return false;
      default:
        return false;
    }
  }
  return true;
}

int CodepointCount(const QString& text) {
  return text.normalized(QString::NormalizationForm_C).toUcs4().size();
}

}  // namespace

QString UsernameProblem(const QString& username) {
  if (username.isEmpty()) return Validation::tr("Enter a username.");
  int n = CodepointCount(username);
  if (n < 3 || n > 32) return Validation::tr("A username has 3 to 32 characters.");
  if (!IsNameText(username)) {
    return Validation::tr("A username may contain only letters, digits, '_', '.' and '-'.");
  }
  return {};
}

QString PasswordProblem(const QString& password, const QString& username) {
  QByteArray bytes = password.toUtf8();
  if (bytes.isEmpty()) return Validation::tr("Enter a password.");
  if (bytes.size() < 8) return Validation::tr("A password has at least 8 characters.");
  if (bytes.size() > 1024) return Validation::tr("A password has at most 1024 bytes.");
  if (!username.isEmpty() && password.compare(username, Qt::CaseInsensitive) == 0) {
    return Validation::tr("The password must not be the username.");
  }
  return {};
}

QString DisplayNameProblem(const QString& display_name) {
  if (display_name.trimmed().isEmpty()) return Validation::tr("Enter a display name.");
  if (CodepointCount(display_name) > 64)
    return Validation::tr("A display name has at most 64 characters.");
  for (QChar c : display_name) {
    if (c.category() == QChar::Other_Control) {
      return Validation::tr("A display name cannot contain control characters.");
    }
  }
  return {};
}

QString ServerAddressProblem(const QString& address) {
  static const QRegularExpression kPattern(QStringLiteral(
      R"(^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$)"));
  if (address.trimmed().isEmpty())
    return Validation::tr("Enter the server address, e.g. 127.0.0.1:2019.");
  auto match = kPattern.match(address.trimmed());
  if (!match.hasMatch())
    return Validation::tr("Write the address as host:port, e.g. 127.0.0.1:2019.");
  int port = match.captured(3).toInt();
  if (port < 1 || port > 65535) return Validation::tr("The port is a number from 1 to 65535.");
  return {};
}

QString RoomNameProblem(const QString& name) {
  if (name.isEmpty()) return Validation::tr("Enter a room name.");
  int n = CodepointCount(name);
  if (n < 2 || n > 32) return Validation::tr("A room name has 2 to 32 characters.");
  if (!IsNameText(name)) {
    return Validation::tr("A room name may contain only letters, digits, '_', '.' and '-'.");
  }
  return {};
}

int MessageBytes(const QString& text) { return text.toUtf8().size(); }

QString MessageTextProblem(const QString& text) {
  const int bytes = MessageBytes(text);
  if (bytes > kMaxMessageBytes) {
    return Validation::tr("The message is too long: %1 bytes, at most %2 can be sent.")
        .arg(bytes)
        .arg(kMaxMessageBytes);
  }
  return {};
}

}  // namespace natter::client
