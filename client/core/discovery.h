// "Find servers on this network": sends the discovery probe (docs/PROTOCOL.md) by UDP broadcast and
// to this machine, and reports each gateway that answers. The idea of the seed's "REQUEST FOR IP
// ADDRESS AND SERVERPORT", as a small documented request and answer.
#pragma once

#include <QObject>
#include <QSet>
#include <QTimer>
#include <QUdpSocket>

namespace natter::client {

inline constexpr char kDiscoveryProbe[] = "NATTER-DISCOVER 1\n";
inline constexpr quint16 kDiscoveryPort = 2019;

// "NATTER-GATEWAY 1 host:port gateway-id" -> host:port; empty if the answer is not one.
QString ParseDiscoveryAnswer(const QByteArray& datagram);

class ServerDiscovery : public QObject {
  Q_OBJECT

 public:
  explicit ServerDiscovery(QObject* parent = nullptr);
  // Probes for `timeout_ms`; found() for each new gateway, finished() at the end.
  void Start(int timeout_ms = 2000, quint16 port = kDiscoveryPort);

 signals:
  void found(const QString& address, const QString& gateway_id);
  void finished(int count);

 private:
  void Read();

  QUdpSocket socket_;
  QTimer timer_;
  QSet<QString> seen_;
};

}  // namespace natter::client
