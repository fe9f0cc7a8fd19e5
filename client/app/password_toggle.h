// A show-password toggle for a password field: an eye at the field's end shows the text while it
// is on, and hides it again when pressed once more.
#pragma once

#include <QAction>
#include <QIcon>
#include <QLineEdit>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

namespace natter::client {

inline QIcon EyeIcon(const QColor& color) {
  QPixmap eye(32, 32);
  eye.fill(Qt::transparent);
  QPainter painter(&eye);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setPen(QPen(color, 2.5));
  QPainterPath outline;
  outline.moveTo(3, 16);
  outline.quadTo(16, 4, 29, 16);
  outline.quadTo(16, 28, 3, 16);
  painter.drawPath(outline);
  painter.setBrush(color);
  painter.drawEllipse(QPointF(16, 16), 4.5, 4.5);
  return QIcon(eye);
}

inline QAction* AddShowPasswordToggle(QLineEdit* field) {
  QAction* show = field->addAction(EyeIcon(field->palette().color(QPalette::Text)),
                                   QLineEdit::TrailingPosition);
  show->setObjectName(QStringLiteral("showPassword"));
  show->setCheckable(true);
  show->setToolTip(QLineEdit::tr("Show password"));
  QObject::connect(show, &QAction::toggled, field, [field, show](bool on) {
    field->setEchoMode(on ? QLineEdit::Normal : QLineEdit::Password);
    show->setToolTip(on ? QLineEdit::tr("Hide password") : QLineEdit::tr("Show password"));
  });
  return show;
}

}  // namespace natter::client
