// What the windows check before asking the server: the same rules the server applies
// (docs/PROTOCOL.md), so a user sees the problem next to the field at once. An empty string means
// no problem.
#pragma once

#include <QString>

namespace natter::client {

QString UsernameProblem(const QString& username);
QString PasswordProblem(const QString& password, const QString& username);
QString DisplayNameProblem(const QString& display_name);
// "host:port" (a host name, an IPv4 address, or [IPv6]); the port is required.
QString ServerAddressProblem(const QString& address);
// Room names: 2..32 letters, digits, '_', '.', '-'.
QString RoomNameProblem(const QString& name);

// A message's text is at most this many bytes of UTF-8.
inline constexpr int kMaxMessageBytes = 4096;
int MessageBytes(const QString& text);
// Only the length: the composer never sends text that is only white space.
QString MessageTextProblem(const QString& text);

}  // namespace natter::client
