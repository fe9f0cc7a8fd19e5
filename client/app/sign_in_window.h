// The first window: server address (remembered, or found on the network), sign in or create an
// account, with each problem shown under its field rather than in a message box.
#pragma once

#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QWidget>
#include <memory>

#include "api_client.h"
#include "discovery.h"

namespace natter::client {

struct SignedIn {
  QString address;
  QString token;
  uint64_t user_id = 0;
  QString username;
  QString session_id;
  bool remember = false;
  bool tls = false;
  QString ca_file;  // TLS: trust this CA instead of the system's
};

class SignInWindow : public QWidget {
  Q_OBJECT

 public:
  explicit SignInWindow(QWidget* parent = nullptr);

  void SetAddress(const QString& address);
  void SetUsername(const QString& username);
  // Shows why the user is here again (e.g. "session ended (revoked)").
  void SetNotice(const QString& notice);
  void SetTls(bool tls, const QString& ca_file);

 signals:
  void signedIn(const natter::client::SignedIn& session);

 private:
  void SetRegisterMode(bool on);
  // Checks every field; shows each problem under its field. True when all are fine.
  bool Validate();
  void Submit();
  void Login();
  void SetBusy(bool busy, const QString& status = {});
  ApiClient& Api();

  bool register_mode_ = false;
  QLineEdit* address_;
  QLabel* address_error_;
  QPushButton* discover_;
  QLineEdit* username_;
  QLabel* username_error_;
  QLineEdit* display_name_;
  QLabel* display_name_label_;
  QLabel* display_name_error_;
  QLineEdit* password_;
  QLabel* password_error_;
  QCheckBox* remember_;
  QCheckBox* tls_;
  QString ca_file_;
  QPushButton* submit_;
  QPushButton* switch_mode_;
  QLabel* status_;
  QLabel* title_;
  std::unique_ptr<ApiClient> api_;
  QString api_key_;  // the address and security setting api_ was made for
  ServerDiscovery discovery_;
};

}  // namespace natter::client

Q_DECLARE_METATYPE(natter::client::SignedIn)
