// Natter's icon, drawn rather than shipped: a speech bubble, and the same with an unread count for
// the tray.
#pragma once

#include <QIcon>

namespace natter::client {

QIcon AppIcon(int unread = 0);

}  // namespace natter::client
