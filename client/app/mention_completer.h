// @-completion in the composer, as in Slack: typing "@" (or the fullwidth "＠") and a letter or
// more pops up the people of the conversation whose usernames start so; Tab or Enter puts the
// chosen one in ("@ben ", with the sign typed), Esc closes the list, and Enter goes on sending
// when no list is shown.
#pragma once

#include <QCompleter>
#include <QPlainTextEdit>
#include <QStringListModel>
#include <functional>

namespace natter::client {

class MentionCompleter : public QObject {
  Q_OBJECT

 public:
  // `candidates` gives the usernames to offer, asked each time a mention is being typed.
  MentionCompleter(QPlainTextEdit* editor, std::function<QStringList()> candidates);

  QCompleter* completer() { return completer_; }
  // The "@name" (or "＠name") being typed just before the cursor: where its sign is, or -1 (none).
  static int MentionStart(const QString& text, int cursor, QString* prefix);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void Update();
  // Replaces the "@prefix" before the cursor with "@username ".
  void Insert(const QString& username);

  QPlainTextEdit* editor_;
  std::function<QStringList()> candidates_;
  QStringListModel model_;
  QCompleter* completer_;
};

}  // namespace natter::client
