#include "sign_in_window.h"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QHostInfo>
#include <QMenu>
#include <QTimer>
#include <QVBoxLayout>

#include "password_toggle.h"
#include "validation.h"

namespace natter::client {
namespace {

// A word-wrapped label that asks for the height of all its lines at the width it is given: in a
// form layout it was given the height of fewer lines than it had, and the last ones were cut off.
class WrappedLabel : public QLabel {
 public:
  using QLabel::QLabel;

 protected:
  void resizeEvent(QResizeEvent* event) override {
    QLabel::resizeEvent(event);
    const int needed = heightForWidth(width());
    if (needed > 0 && needed != minimumHeight()) setMinimumHeight(needed);
  }
};

QLabel* ErrorLabel(QWidget* parent) {
  auto* label = new WrappedLabel(parent);
  label->setObjectName(QStringLiteral("fieldError"));
  label->setStyleSheet(QStringLiteral("color: #c62828;"));
  label->setWordWrap(true);
  label->hide();
  return label;
}

// A window does not grow by itself when a label in it gets more lines: grow it to the height its
// layout needs.
void GrowToFit(QWidget* window) {
  QLayout* layout = window->layout();
  if (!layout) return;
  layout->activate();
  const int needed = layout->totalMinimumSize().height();
  if (window->height() < needed) window->resize(window->width(), needed);
}

void ShowError(QLabel* label, const QString& problem) {
  label->setText(problem);
  label->setVisible(!problem.isEmpty());
  // Once the layout has placed the label (now shown) at its width, and it has asked for its height.
  if (!problem.isEmpty()) {
    QTimer::singleShot(0, label, [label] { GrowToFit(label->window()); });
  }
}

}  // namespace

SignInWindow::SignInWindow(QWidget* parent) : QWidget(parent) {
  setWindowTitle(tr("Sign in"));  // the platform adds " — Natter"
  setMinimumWidth(380);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(32, 24, 32, 24);
  title_ = new QLabel(this);
  QFont title_font = title_->font();
  title_font.setPointSizeF(title_font.pointSizeF() * 1.6);
  title_font.setBold(true);
  title_->setFont(title_font);
  layout->addWidget(title_);

  auto* form = new QFormLayout;
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  address_ = new QLineEdit(this);
  address_->setObjectName(QStringLiteral("address"));
  address_->setPlaceholderText(QStringLiteral("127.0.0.1:2019"));
  discover_ = new QPushButton(tr("Find servers on this network"), this);
  discover_->setObjectName(QStringLiteral("discover"));
  // Under the address rather than beside it: side by side, both were cut at the minimum width.
  form->addRow(tr("Server"), address_);
  form->addRow(discover_);
  address_error_ = ErrorLabel(this);
  form->addRow(QString(), address_error_);

  username_ = new QLineEdit(this);
  username_->setObjectName(QStringLiteral("username"));
  form->addRow(tr("Username"), username_);
  username_error_ = ErrorLabel(this);
  form->addRow(QString(), username_error_);

  display_name_ = new QLineEdit(this);
  display_name_->setObjectName(QStringLiteral("displayName"));
  display_name_->setPlaceholderText(tr("optional; shown to your friends"));
  display_name_label_ = new QLabel(tr("Display name"), this);
  form->addRow(display_name_label_, display_name_);
  display_name_error_ = ErrorLabel(this);
  form->addRow(QString(), display_name_error_);

  password_ = new QLineEdit(this);
  password_->setObjectName(QStringLiteral("password"));
  password_->setEchoMode(QLineEdit::Password);
  AddShowPasswordToggle(password_);
  form->addRow(tr("Password"), password_);
  password_error_ = ErrorLabel(this);
  form->addRow(QString(), password_error_);
  layout->addLayout(form);

  tls_ = new QCheckBox(tr("Secure connection (TLS)"), this);
  tls_->setObjectName(QStringLiteral("tls"));
  layout->addWidget(tls_);
  remember_ = new QCheckBox(tr("Remember me on this computer"), this);
  remember_->setObjectName(QStringLiteral("remember"));
  remember_->setChecked(true);
  layout->addWidget(remember_);

  submit_ = new QPushButton(this);
  submit_->setObjectName(QStringLiteral("submit"));
  submit_->setDefault(true);
  layout->addWidget(submit_);
  switch_mode_ = new QPushButton(this);
  switch_mode_->setObjectName(QStringLiteral("switchMode"));
  switch_mode_->setFlat(true);
  layout->addWidget(switch_mode_);
  status_ = new QLabel(this);
  status_->setObjectName(QStringLiteral("status"));
  status_->setWordWrap(true);
  layout->addWidget(status_);
  layout->addStretch();

  connect(submit_, &QPushButton::clicked, this, &SignInWindow::Submit);
  connect(password_, &QLineEdit::returnPressed, this, &SignInWindow::Submit);
  connect(switch_mode_, &QPushButton::clicked, this, [this] { SetRegisterMode(!register_mode_); });
  // Problems disappear as soon as the field is fixed.
  connect(username_, &QLineEdit::textEdited, this, [this] { ShowError(username_error_, {}); });
  connect(password_, &QLineEdit::textEdited, this, [this] { ShowError(password_error_, {}); });
  connect(address_, &QLineEdit::textEdited, this, [this] { ShowError(address_error_, {}); });
  connect(discover_, &QPushButton::clicked, this, [this] {
    discover_->setEnabled(false);
    status_->setText(tr("Looking for servers…"));
    discovery_.Start();
  });
  connect(&discovery_, &ServerDiscovery::found, this,
          [this](const QString& address, const QString& gateway_id) {
            if (address_->text().isEmpty() || status_->text() == tr("Looking for servers…")) {
              address_->setText(address);
            }
            status_->setText(tr("Found %1 (%2).").arg(address, gateway_id));
          });
  connect(&discovery_, &ServerDiscovery::finished, this, [this](int count) {
    discover_->setEnabled(true);
    if (count == 0) status_->setText(tr("No server answered on this network."));
  });
  SetRegisterMode(false);
}

void SignInWindow::SetAddress(const QString& address) { address_->setText(address); }
void SignInWindow::SetUsername(const QString& username) { username_->setText(username); }
void SignInWindow::SetNotice(const QString& notice) { status_->setText(notice); }

void SignInWindow::SetTls(bool tls, const QString& ca_file) {
  tls_->setChecked(tls);
  ca_file_ = ca_file;
}

void SignInWindow::SetRegisterMode(bool on) {
  register_mode_ = on;
  title_->setText(on ? tr("Create your account") : tr("Sign in to Natter"));
  submit_->setText(on ? tr("Create account") : tr("Sign in"));
  switch_mode_->setText(on ? tr("I have an account: sign in") : tr("New here? Create an account"));
  display_name_->setVisible(on);
  display_name_label_->setVisible(on);
  ShowError(display_name_error_, {});
}

bool SignInWindow::Validate() {
  QString address = ServerAddressProblem(address_->text());
  QString username = UsernameProblem(username_->text());
  QString password = register_mode_
                         ? PasswordProblem(password_->text(), username_->text())
                         : (password_->text().isEmpty() ? tr("Enter your password.") : QString());
  QString display;
  if (register_mode_ && !display_name_->text().isEmpty()) {
    display = DisplayNameProblem(display_name_->text());
  }
  ShowError(address_error_, address);
  ShowError(username_error_, username);
  ShowError(password_error_, password);
  ShowError(display_name_error_, display);
  return address.isEmpty() && username.isEmpty() && password.isEmpty() && display.isEmpty();
}

ApiClient& SignInWindow::Api() {
  QString address = address_->text().trimmed();
  // A new client for a new address or security setting.
  QString key = address + (tls_->isChecked() ? QStringLiteral(" tls ") + ca_file_ : QString());
  if (!api_ || api_key_ != key) {
    api_ = std::make_unique<ApiClient>(address, MakeCredentials(tls_->isChecked(), ca_file_));
    api_key_ = key;
  }
  return *api_;
}

void SignInWindow::SetBusy(bool busy, const QString& status) {
  submit_->setEnabled(!busy);
  switch_mode_->setEnabled(!busy);
  status_->setText(status);
}

void SignInWindow::Submit() {
  if (!Validate()) return;
  if (!register_mode_) {
    Login();
    return;
  }
  SetBusy(true, tr("Creating your account…"));
  v1::RegisterRequest request;
  request.set_username(username_->text().toStdString());
  request.set_password(password_->text().toStdString());
  request.set_display_name(display_name_->text().trimmed().toStdString());
  Api().Call(&ApiClient::Async::Register, request,
             std::function<void(const grpc::Status&, const v1::RegisterResponse&)>(
                 [this](const grpc::Status& status, const v1::RegisterResponse&) {
                   if (!status.ok()) {
                     SetBusy(false);
                     // Put the server's answer where it belongs.
                     QString text = SignInErrorText(status);
                     if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS ||
                         status.error_message().rfind("username", 0) == 0) {
                       ShowError(username_error_, text);
                     } else if (status.error_message().rfind("password", 0) == 0) {
                       ShowError(password_error_, text);
                     } else if (status.error_message().rfind("display name", 0) == 0) {
                       ShowError(display_name_error_, text);
                     } else {
                       status_->setText(text);
                     }
                     return;
                   }
                   Login();
                 }));
}

void SignInWindow::Login() {
  SetBusy(true, tr("Signing in…"));
  v1::LoginRequest request;
  request.set_username(username_->text().toStdString());
  request.set_password(password_->text().toStdString());
  request.set_device(tr("Natter desktop on %1").arg(QHostInfo::localHostName()).toStdString());
  QString address = address_->text().trimmed();
  Api().Call(&ApiClient::Async::Login, request,
             std::function<void(const grpc::Status&, const v1::LoginResponse&)>(
                 [this, address](const grpc::Status& status, const v1::LoginResponse& response) {
                   SetBusy(false);
                   if (!status.ok()) {
                     if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
                       ShowError(password_error_, ErrorText(status));
                     } else {
                       status_->setText(SignInErrorText(status));
                     }
                     return;
                   }
                   password_->clear();
                   SignedIn session;
                   session.address = address;
                   session.token = QString::fromStdString(response.token());
                   session.user_id = response.user_id();
                   session.username = QString::fromStdString(response.username());
                   session.session_id = QString::fromStdString(response.session_id());
                   session.remember = remember_->isChecked();
                   session.tls = tls_->isChecked();
                   session.ca_file = ca_file_;
                   emit signedIn(session);
                 }));
}

}  // namespace natter::client
