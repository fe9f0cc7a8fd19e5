// The names people chose (display names), by user id, for everywhere the client names someone:
// the chat list, headers, senders, room changes, typing and notifications. Filled from the
// Welcome's friends, profile events and profiles fetched for others; a user whose display name is
// not known (or empty) is named by their username.
#pragma once

#include <QString>
#include <cstdint>
#include <map>

namespace natter::client {

class UserNames {
 public:
  // An empty name forgets it (the username shows again).
  void Set(uint64_t user_id, const QString& display_name) {
    if (display_name.trimmed().isEmpty()) {
      names_.erase(user_id);
    } else {
      names_[user_id] = display_name;
    }
    asked_[user_id] = true;
  }
  // The name to show for `user_id`, whose username is `username`.
  QString Of(uint64_t user_id, const QString& username) const {
    auto it = names_.find(user_id);
    return it == names_.end() ? username : it->second;
  }
  QString Of(uint64_t user_id, const std::string& username) const {
    return Of(user_id, QString::fromStdString(username));
  }
  // Whether this user's name is known or was asked for already (true the second time).
  bool Asked(uint64_t user_id) {
    auto [it, fresh] = asked_.try_emplace(user_id, true);
    return !fresh;
  }

 private:
  std::map<uint64_t, QString> names_;
  std::map<uint64_t, bool> asked_;
};

}  // namespace natter::client
