// The gateway's unary calls (sign-in, friends, rooms, history, profiles, avatars...) for the GUI:
// each call runs asynchronously with a deadline, and its callback runs on the GUI thread. A
// callback whose ApiClient was destroyed never runs.
#pragma once

#include <grpcpp/grpcpp.h>

#include <QCoreApplication>
#include <QObject>
#include <QPointer>
#include <QString>
#include <chrono>
#include <functional>
#include <memory>

#include "natter/v1/gateway.grpc.pb.h"

namespace natter::client {

class ApiClient : public QObject {
  Q_OBJECT

 public:
  using Async = v1::Gateway::StubInterface::async_interface;
  template <class Request, class Response>
  using Method = void (Async::*)(grpc::ClientContext*, const Request*, Response*,
                                 std::function<void(grpc::Status)>);

  // `credentials` decide plaintext or TLS (null: plaintext).
  ApiClient(const QString& address, std::shared_ptr<grpc::ChannelCredentials> credentials,
            QObject* parent = nullptr);
  // A stub for tests, or for another transport.
  ApiClient(std::unique_ptr<v1::Gateway::StubInterface> stub, QObject* parent = nullptr);

  void SetToken(const QString& token) { token_ = token.toStdString(); }
  QString address() const { return address_; }
  // For calls that stream (files: FileTransfers), which Call does not make.
  v1::Gateway::StubInterface& stub() { return *stub_; }
  const std::string& token() const { return token_; }

  // Calls `method` with `request`; `done(status, response)` runs on the application's thread (the
  // one this object lives on), and never once this object is deleted.
  template <class Request, class Response>
  void Call(Method<Request, Response> method, Request request,
            std::function<void(const grpc::Status&, const Response&)> done,
            std::chrono::seconds timeout = std::chrono::seconds(15)) {
    struct Pending {
      grpc::ClientContext context;
      Request request;
      Response response;
    };
    auto pending = std::make_shared<Pending>();
    pending->request = std::move(request);
    pending->context.set_deadline(std::chrono::system_clock::now() + timeout);
    if (!token_.empty()) pending->context.AddMetadata("authorization", "Bearer " + token_);
    // The answer comes on a gRPC thread, and this object may be deleted on its own thread at any
    // moment: so the answer is posted to the application object, which outlives both, and whether
    // this object still exists is asked there, on the thread that deletes it. (Asking from the gRPC
    // thread and then posting to this object raced with its deletion.)
    QPointer<ApiClient> self(this);
    (stub_->async()->*method)(&pending->context, &pending->request, &pending->response,
                              [self, pending, done = std::move(done)](grpc::Status status) {
                                QMetaObject::invokeMethod(
                                    QCoreApplication::instance(),
                                    [self, pending, done, status] {
                                      if (self) done(status, pending->response);
                                    },
                                    Qt::QueuedConnection);
                              });
  }

 private:
  QString address_;
  std::unique_ptr<v1::Gateway::StubInterface> stub_;
  std::string token_;
};

// Channel credentials: plaintext, or TLS verified against the system's CAs or, when `ca_file` is
// given, against the certificates in that PEM file (if it cannot be read, `error` says so and the
// system's CAs are used; never plaintext).
std::shared_ptr<grpc::ChannelCredentials> MakeCredentials(bool tls, const QString& ca_file,
                                                          QString* error = nullptr);

// A failed call as a person should read it: a failure of the connection (refused, lost, timed out,
// TLS) or of the server in plain words, never gRPC's own text; the server's answer to the request
// (e.g. "username taken") as it comes.
QString ErrorText(const grpc::Status& status);
// The same for signing in, the first call to a server: a connection it closes at once is said to
// be most likely about TLS (needed and not used, or the other way round).
QString SignInErrorText(const grpc::Status& status);

}  // namespace natter::client
