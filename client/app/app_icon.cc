#include "app_icon.h"

#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

namespace natter::client {
namespace {

QPixmap Draw(int size, int unread) {
  QPixmap pixmap(size, size);
  pixmap.fill(Qt::transparent);
  QPainter p(&pixmap);
  p.setRenderHint(QPainter::Antialiasing);
  const qreal s = size;
  QPainterPath bubble;
  bubble.addRoundedRect(QRectF(s * 0.06, s * 0.10, s * 0.88, s * 0.62), s * 0.18, s * 0.18);
  QPainterPath tail;
  tail.moveTo(s * 0.26, s * 0.66);
  tail.lineTo(s * 0.20, s * 0.92);
  tail.lineTo(s * 0.48, s * 0.70);
  tail.closeSubpath();
  p.setPen(Qt::NoPen);
  p.setBrush(QColor("#1e88e5"));
  p.drawPath(bubble.united(tail));
  p.setBrush(Qt::white);
  for (qreal x : {0.30, 0.50, 0.70}) {
    p.drawEllipse(QPointF(s * x, s * 0.41), s * 0.055, s * 0.055);
  }
  if (unread > 0) {
    QString text = unread > 99 ? QStringLiteral("99+") : QString::number(unread);
    QRectF badge(s * 0.48, 0, s * 0.52, s * 0.44);
    p.setBrush(QColor("#e53935"));
    p.drawEllipse(badge);
    QFont font = p.font();
    font.setPixelSize(static_cast<int>(s * (text.size() > 2 ? 0.2 : 0.28)));
    font.setBold(true);
    p.setFont(font);
    p.setPen(Qt::white);
    p.drawText(badge, Qt::AlignCenter, text);
  }
  return pixmap;
}

}  // namespace

QIcon AppIcon(int unread) {
  QIcon icon;
  for (int size : {16, 22, 32, 48, 64, 128, 256}) icon.addPixmap(Draw(size, unread));
  return icon;
}

}  // namespace natter::client
