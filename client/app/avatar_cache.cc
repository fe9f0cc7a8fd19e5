#include "avatar_cache.h"

#include <QDir>
#include <QFile>
#include <QPainter>
#include <QPainterPath>

namespace natter::client {
namespace {

QString Key(uint64_t user_id, uint32_t version) {
  return QStringLiteral("%1-%2").arg(user_id).arg(version);
}

// A stable, pleasant colour per name.
QColor ColorFor(const QString& name) {
  static const QColor kColors[] = {QColor("#e57373"), QColor("#f06292"), QColor("#ba68c8"),
                                   QColor("#7986cb"), QColor("#4fc3f7"), QColor("#4db6ac"),
                                   QColor("#81c784"), QColor("#ffb74d"), QColor("#a1887f")};
  uint hash = qHash(name);
  return kColors[hash % (sizeof kColors / sizeof kColors[0])];
}

}  // namespace

AvatarCache::AvatarCache(ApiClient& api, const QString& cache_dir, QObject* parent)
    : QObject(parent), api_(api), dir_(cache_dir) {
  QDir().mkpath(dir_);
}

QString AvatarCache::PathFor(uint64_t user_id, uint32_t version) const {
  return dir_ + QLatin1Char('/') + Key(user_id, version) + QStringLiteral(".png");
}

QPixmap AvatarCache::Round(const QImage& image, int size, qreal dpr) {
  const int pixels = qRound(size * dpr);
  QPixmap out(pixels, pixels);
  out.fill(Qt::transparent);
  QImage square = image;
  if (square.width() != square.height()) {
    int side = std::min(square.width(), square.height());
    square = square.copy((square.width() - side) / 2, (square.height() - side) / 2, side, side);
  }
  QPainter p(&out);
  p.setRenderHint(QPainter::Antialiasing);
  p.setRenderHint(QPainter::SmoothPixmapTransform);
  QPainterPath circle;
  circle.addEllipse(0, 0, pixels, pixels);
  p.setClipPath(circle);
  p.drawImage(QRect(0, 0, pixels, pixels), square);
  p.end();
  out.setDevicePixelRatio(dpr);
  return out;
}

QPixmap AvatarCache::Placeholder(const QString& name, int size, qreal dpr) {
  const int pixels = qRound(size * dpr);
  QPixmap out(pixels, pixels);
  out.fill(Qt::transparent);
  QPainter p(&out);
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(Qt::NoPen);
  p.setBrush(ColorFor(name));
  p.drawEllipse(0, 0, pixels, pixels);
  QFont font = p.font();
  font.setPixelSize(pixels * 2 / 5);
  font.setBold(true);
  p.setFont(font);
  p.setPen(Qt::white);
  p.drawText(QRect(0, 0, pixels, pixels), Qt::AlignCenter, name.left(1).toUpper());
  p.end();
  out.setDevicePixelRatio(dpr);
  return out;
}

QPixmap AvatarCache::Avatar(uint64_t user_id, uint32_t version, const QString& name, int size,
                            qreal dpr) {
  if (version == 0 || user_id == 0) return Placeholder(name, size, dpr);
  const QString key = Key(user_id, version);
  auto it = images_.find(key);
  if (it == images_.end()) {
    QImage image(PathFor(user_id, version));
    if (!image.isNull()) it = images_.insert(key, image);
  }
  if (it != images_.end()) return Round(*it, size, dpr);
  Fetch(user_id, version);
  return Placeholder(name, size, dpr);
}

void AvatarCache::Fetch(uint64_t user_id, uint32_t version) {
  const QString key = Key(user_id, version);
  if (fetching_.contains(key)) return;
  fetching_.insert(key);
  v1::GetAvatarRequest request;
  request.set_user_id(user_id);
  api_.Call(
      &ApiClient::Async::GetAvatar, request,
      std::function<void(const grpc::Status&, const v1::GetAvatarResponse&)>(
          [this, user_id, key](const grpc::Status& status, const v1::GetAvatarResponse& response) {
            fetching_.remove(key);
            if (!status.ok() || response.png().empty()) return;
            QImage image;
            if (!image.loadFromData(reinterpret_cast<const uchar*>(response.png().data()),
                                    static_cast<int>(response.png().size()), "PNG")) {
              return;
            }
            // Stored under the version the server says it is (it may be newer).
            QString path = PathFor(user_id, response.version());
            QFile file(path);
            if (file.open(QIODevice::WriteOnly)) {
              file.write(response.png().data(), static_cast<qint64>(response.png().size()));
            }
            images_.insert(Key(user_id, response.version()), image);
            emit avatarReady(user_id);
          }));
}

}  // namespace natter::client
