#include "mention_completer.h"

#include <QAbstractItemView>
#include <QKeyEvent>
#include <QScrollBar>
#include <QTextBlock>

namespace natter::client {
namespace {

// Characters of a username (PROTOCOL.md: letters, marks, digits, '_', '.', '-').
bool NameChar(QChar c) {
  return c.isLetterOrNumber() || c.isMark() || c == '_' || c == '.' || c == '-';
}

// "@", or the fullwidth "＠" (what a Chinese or Japanese keyboard types): the server takes both.
bool MentionSign(QChar c) { return c == '@' || c == QChar(0xFF20); }

}  // namespace

MentionCompleter::MentionCompleter(QPlainTextEdit* editor, std::function<QStringList()> candidates)
    : QObject(editor), editor_(editor), candidates_(std::move(candidates)) {
  completer_ = new QCompleter(&model_, this);
  completer_->setObjectName(QStringLiteral("mentionCompleter"));
  completer_->setWidget(editor);
  completer_->setCompletionMode(QCompleter::PopupCompletion);
  completer_->setCaseSensitivity(Qt::CaseInsensitive);
  completer_->setMaxVisibleItems(8);
  // Before QCompleter's own filter on its list (the last installed runs first): Tab and Enter
  // complete here, rather than reaching the composer, which would send.
  completer_->popup()->installEventFilter(this);
  editor_->installEventFilter(this);
  connect(completer_, qOverload<const QString&>(&QCompleter::activated), this,
          &MentionCompleter::Insert);
  connect(editor_, &QPlainTextEdit::textChanged, this, &MentionCompleter::Update);
  connect(editor_, &QPlainTextEdit::cursorPositionChanged, this, &MentionCompleter::Update);
}

int MentionCompleter::MentionStart(const QString& text, int cursor, QString* prefix) {
  int start = cursor;
  while (start > 0 && NameChar(text[start - 1])) --start;
  if (start == 0 || start == cursor || !MentionSign(text[start - 1])) return -1;
  const int at = start - 1;
  // "x@b" is an address, not a mention; "你好@小" is one (as the server reads it: only a cased
  // letter or a digit before the sign makes an address).
  if (at > 0) {
    const QChar before = text[at - 1];
    if (before.isUpper() || before.isLower() || before.isTitleCase() || before.isDigit()) {
      return -1;
    }
  }
  if (prefix) *prefix = text.mid(start, cursor - start);
  return at;
}

void MentionCompleter::Update() {
  QAbstractItemView* popup = completer_->popup();
  const QTextCursor cursor = editor_->textCursor();
  QString prefix;
  if (cursor.hasSelection() || editor_->isReadOnly() ||
      MentionStart(cursor.block().text(), cursor.positionInBlock(), &prefix) < 0) {
    popup->hide();
    return;
  }
  if (completer_->completionPrefix().isEmpty() || !popup->isVisible()) {
    QStringList names = candidates_ ? candidates_() : QStringList();
    names.removeDuplicates();
    names.sort(Qt::CaseInsensitive);
    model_.setStringList(names);
  }
  completer_->setCompletionPrefix(prefix);
  if (completer_->completionCount() == 0) {
    popup->hide();
    return;
  }
  popup->setCurrentIndex(completer_->completionModel()->index(0, 0));
  QRect rect = editor_->cursorRect();
  rect.setWidth(popup->sizeHintForColumn(0) + popup->verticalScrollBar()->sizeHint().width() + 8);
  completer_->complete(rect);
}

void MentionCompleter::Insert(const QString& username) {
  QTextCursor cursor = editor_->textCursor();
  const int at = MentionStart(cursor.block().text(), cursor.positionInBlock(), nullptr);
  if (at < 0) return;
  const QChar sign = cursor.block().text().at(at);  // the one typed, "@" or "＠"
  cursor.setPosition(cursor.block().position() + at, QTextCursor::KeepAnchor);
  cursor.insertText(sign + username + QLatin1Char(' '));
  editor_->setTextCursor(cursor);
  completer_->popup()->hide();
}

bool MentionCompleter::eventFilter(QObject* watched, QEvent* event) {
  QAbstractItemView* popup = completer_->popup();
  if (event->type() != QEvent::KeyPress || !popup->isVisible()) {
    return QObject::eventFilter(watched, event);
  }
  const int key = static_cast<QKeyEvent*>(event)->key();
  if (key == Qt::Key_Tab || key == Qt::Key_Return || key == Qt::Key_Enter) {
    QModelIndex current = popup->currentIndex();
    if (!current.isValid()) current = completer_->completionModel()->index(0, 0);
    if (current.isValid()) Insert(current.data().toString());
    popup->hide();
    return true;
  }
  if (key == Qt::Key_Escape) {
    popup->hide();
    return true;
  }
  if (watched == editor_ && (key == Qt::Key_Up || key == Qt::Key_Down)) {
    // Up and Down move in the list, not the text (and Up does not start an edit).
    const int rows = completer_->completionModel()->rowCount();
    const int row = popup->currentIndex().row() + (key == Qt::Key_Down ? 1 : -1);
    popup->setCurrentIndex(completer_->completionModel()->index((row + rows) % rows, 0));
    return true;
  }
  return QObject::eventFilter(watched, event);
}

}  // namespace natter::client
