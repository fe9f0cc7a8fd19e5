#include "api_client.h"

#include <QCoreApplication>
#include <QFile>
#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>

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

namespace {

// What a failed call says, in a person's words (translated where shown).
constexpr const char* kUnreachable = QT_TRANSLATE_NOOP(
    "ApiClient", "The server cannot be reached. Check the address and your connection.");
constexpr const char* kLost =
    QT_TRANSLATE_NOOP("ApiClient", "The connection to the server was lost.");
constexpr const char* kSecureConnection =
    QT_TRANSLATE_NOOP("ApiClient",
                      "The server closed the connection. Check the address, and whether it needs "
                      "a secure connection (TLS) with a certificate this computer trusts.");
constexpr const char* kNotNow =
    QT_TRANSLATE_NOOP("ApiClient", "The server is not available just now. Try again in a moment.");
constexpr const char* kLate = QT_TRANSLATE_NOOP("ApiClient", "The server did not answer in time.");
constexpr const char* kCancelled = QT_TRANSLATE_NOOP("ApiClient", "The request was cancelled.");
constexpr const char* kServerFault =
    QT_TRANSLATE_NOOP("ApiClient", "Something went wrong on the server. Try again in a moment.");
constexpr const char* kUnsupported =
    QT_TRANSLATE_NOOP("ApiClient", "The server does not offer this (it may run an older version).");
constexpr const char* kTooLarge =
    QT_TRANSLATE_NOOP("ApiClient", "That is too large for the server.");

QString Words(const char* text) { return QCoreApplication::translate("ApiClient", text); }

// Whether `said` (lower case) has any of `words` in it.
bool Says(const std::string& said, std::initializer_list<std::string_view> words) {
  return std::any_of(words.begin(), words.end(),
                     [&](std::string_view w) { return said.find(w) != std::string::npos; });
}

std::string Lower(const std::string& text) {
  return QString::fromStdString(text).toLower().toStdString();
}

bool SaysTls(const std::string& said) {
  return Says(said, {"ssl", "tls", "handshake", "certificate", "tsi_"});
}

}  // namespace

QString ErrorText(const grpc::Status& status) {
  if (status.ok()) return {};
  const grpc::StatusCode code = status.error_code();
  const std::string said = Lower(status.error_message());
  // gRPC's own text about the connection ("failed to connect to all addresses; last error: ...",
  // "Socket closed", "Stream removed", an RST_STREAM) is for a log, not a person. It comes as
  // UNAVAILABLE mostly, but also as UNKNOWN, INTERNAL or CANCELLED.
  if (code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::UNKNOWN ||
      code == grpc::StatusCode::INTERNAL || code == grpc::StatusCode::CANCELLED) {
    if (SaysTls(said)) return Words(kSecureConnection);
    if (Says(said, {"failed to connect", "connection refused", "connect failed", "dns", "resolv",
                    "no route", "unreachable"})) {
      return Words(kUnreachable);
    }
    if (Says(said, {"socket closed", "connection reset", "broken pipe", "connection aborted",
                    "connection closed", "transport closed", "stream removed", "goaway",
                    "keepalive", "endpoint", "eof", "rst_stream", "timed out", "timeout"})) {
      return Words(kLost);
    }
  }
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
      // A gateway shutting down or full, or a service behind it away: it says so in its own
      // terms ("this gateway is full; ..."), which are not a person's either.
      return Words(kNotNow);
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return Words(kLate);
    case grpc::StatusCode::CANCELLED:
      return Words(kCancelled);
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::DATA_LOSS:
      return Words(kServerFault);
    case grpc::StatusCode::UNIMPLEMENTED:
      return Words(kUnsupported);
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      // gRPC's limit on a message's size; Natter's own limits say what was too much.
      if (Says(said, {"larger than max"})) return Words(kTooLarge);
      break;
    default:
      break;
  }
  // The server's answer to the request (e.g. "username taken"), written for the person who asked,
  // shown as it comes: it is not translated.
  QString message = QString::fromStdString(status.error_message());
  if (message.isEmpty()) return QCoreApplication::translate("ApiClient", "Something went wrong.");
  message[0] = message[0].toUpper();
  if (!message.endsWith('.')) message += '.';
  return message;
}

QString SignInErrorText(const grpc::Status& status) {
  // A server that closes a new connection at once most often wants TLS and was spoken to without
  // it (or the other way round): on the first call that is worth saying. Later, the same words
  // mean a connection that was lost.
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    const std::string said = Lower(status.error_message());
    if (SaysTls(said) || Says(said, {"socket closed", "connection reset"})) {
      return Words(kSecureConnection);
    }
  }
  return ErrorText(status);
}

}  // namespace natter::client
