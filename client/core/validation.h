// What the sign-in window checks before asking the server: the same rules the server applies
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

}  // namespace natter::client
