#include "api_client.h"

#include <QCoreApplication>
#include <QFile>

namespace natter::client {

ApiClient::ApiClient(const QString& address, std::shared_ptr<grpc::ChannelCredentials> credentials,
                     QObject* parent)
    : QObject(parent),
      address_(address),
      stub_(v1::Gateway::NewStub(grpc::CreateChannel(
          address.toStdString(),
          credentials ? std::move(credentials) : grpc::InsecureChannelCredentials()))) {}

ApiClient::ApiClient(std::unique_ptr<v1::Gateway::StubInterface> stub, QObject* parent)
    : QObject(parent), stub_(std::move(stub)) {}

std::shared_ptr<grpc::ChannelCredentials> MakeCredentials(bool tls, const QString& ca_file,
                                                          QString* error) {
  if (!tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  if (!ca_file.isEmpty()) {
    QFile file(ca_file);
    if (!file.open(QIODevice::ReadOnly)) {
      // Never fall back to plaintext: verify against the system's CAs instead, and say why.
      if (error) *error = QCoreApplication::translate("ApiClient", "Cannot read %1.").arg(ca_file);
      return grpc::SslCredentials(options);
    }
    options.pem_root_certs = file.readAll().toStdString();
  }
  return grpc::SslCredentials(options);
}

QString ErrorText(const grpc::Status& status) {
  if (status.ok()) return {};
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      if (const std::string& m = status.error_message();
          m.find("Socket closed") != std::string::npos ||
          m.find("Connection reset") != std::string::npos || m.find("SSL") != std::string::npos ||
          m.find("ssl") != std::string::npos) {
        return QCoreApplication::translate(
            "ApiClient",
            "The server closed the connection. Check the address, and whether it needs a secure "
            "connection (TLS) with a certificate this computer trusts.");
      }
      if (status.error_message().find("natter") == std::string::npos &&
          status.error_message().find("service") == std::string::npos) {
        return QCoreApplication::translate("ApiClient",
                                           "The server cannot be reached. Check the address and "
                                           "your connection.");
      }
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return QCoreApplication::translate("ApiClient", "The server did not answer in time.");
    default:
      break;
  }
  // The server's own message (e.g. "username taken"), shown as it comes: it is not translated.
  QString message = QString::fromStdString(status.error_message());
  if (message.isEmpty()) return QCoreApplication::translate("ApiClient", "Something went wrong.");
  message[0] = message[0].toUpper();
  if (!message.endsWith('.')) message += '.';
  return message;
}

}  // namespace natter::client
