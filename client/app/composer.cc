#include "composer.h"

#include <QKeyEvent>
#include <QMimeData>
#include <QUrl>

namespace natter::client {

namespace {
constexpr int kTypingEveryMs = 3000;

QStringList LocalFiles(const QMimeData* source) {
  QStringList paths;
  if (!source->hasUrls()) return paths;
  for (const QUrl& url : source->urls()) {
    if (url.isLocalFile()) paths << url.toLocalFile();
  }
  return paths;
}
}  // namespace

Composer::Composer(QWidget* parent) : QPlainTextEdit(parent) {
  setPlaceholderText(tr("Write a message…  (Enter sends, Shift+Enter for a new line)"));
  setTabChangesFocus(true);
  // About three lines; longer messages scroll inside.
  setFixedHeight(fontMetrics().lineSpacing() * 3 + 2 * frameWidth() + 12);
}

void Composer::keyPressEvent(QKeyEvent* event) {
  const bool enter = event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter;
  if (enter && !(event->modifiers() & Qt::ShiftModifier)) {
    // Empty text is the window's to judge (nothing to send; an edit cannot empty a message).
    emit sendRequested(toPlainText());
    return;
  }
  if (event->key() == Qt::Key_Up && event->modifiers() == Qt::NoModifier &&
      toPlainText().isEmpty()) {
    emit editLastRequested();
    return;
  }
  QPlainTextEdit::keyPressEvent(event);
  if (!event->text().isEmpty() && !toPlainText().isEmpty() &&
      (!since_typing_.isValid() || since_typing_.elapsed() > kTypingEveryMs)) {
    since_typing_.start();
    emit typing();
  }
}

bool Composer::canInsertFromMimeData(const QMimeData* source) const {
  return !LocalFiles(source).isEmpty() || source->hasImage() ||
         QPlainTextEdit::canInsertFromMimeData(source);
}

void Composer::insertFromMimeData(const QMimeData* source) {
  if (const QStringList paths = LocalFiles(source); !paths.isEmpty()) {
    emit filesPasted(paths);
  } else if (source->hasImage() && !source->hasText()) {
    emit imagePasted(qvariant_cast<QImage>(source->imageData()));
  } else {
    QPlainTextEdit::insertFromMimeData(source);
  }
}

}  // namespace natter::client
