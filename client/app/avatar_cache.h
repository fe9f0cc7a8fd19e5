// Avatars by (user, version): drawn from the disk cache when known, fetched once from the gateway
// otherwise (GetAvatar) and cached on disk, with a letter placeholder meanwhile or when a user has
// none. Pixmaps are round, sized in logical pixels and sharp on HiDPI screens.
#pragma once

#include <QHash>
#include <QObject>
#include <QPixmap>
#include <QSet>
#include <QString>

#include "api_client.h"

namespace natter::client {

class AvatarCache : public QObject {
  Q_OBJECT

 public:
  AvatarCache(ApiClient& api, const QString& cache_dir, QObject* parent = nullptr);

  // The avatar of `user_id` at `version` (0: none) as a circle of `size` logical pixels.
  QPixmap Avatar(uint64_t user_id, uint32_t version, const QString& name, int size,
                 qreal device_pixel_ratio);
  // A square image cropped to a circle (also for previews of a file about to be uploaded).
  // The avatar version last known for a user (from contacts or profile events).
  void Remember(uint64_t user_id, uint32_t version) { versions_[user_id] = version; }
  // The avatar of `user_id` at its remembered version.
  QPixmap AvatarOf(uint64_t user_id, const QString& name, int size, qreal device_pixel_ratio) {
    return Avatar(user_id, versions_.value(user_id), name, size, device_pixel_ratio);
  }
  static QPixmap Round(const QImage& image, int size, qreal device_pixel_ratio);
  static QPixmap Placeholder(const QString& name, int size, qreal device_pixel_ratio);

 signals:
  // A fetched avatar is ready: views showing this user repaint.
  void avatarReady(quint64 user_id);

 private:
  QString PathFor(uint64_t user_id, uint32_t version) const;
  void Fetch(uint64_t user_id, uint32_t version);

  ApiClient& api_;
  QString dir_;
  QHash<QString, QImage> images_;  // "user-version" -> decoded image
  QSet<QString> fetching_;
  QHash<uint64_t, uint32_t> versions_;
};

}  // namespace natter::client
