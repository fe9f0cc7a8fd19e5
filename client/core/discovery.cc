#include "discovery.h"

#include <QNetworkDatagram>
#include <QNetworkInterface>

namespace natter::client {

QString ParseDiscoveryAnswer(const QByteArray& datagram) {
  if (datagram.size() > 256) return {};
  const QList<QByteArray> parts = datagram.trimmed().split(' ');
  if (parts.size() < 3 || parts[0] != "NATTER-GATEWAY" || parts[1] != "1") return {};
  const QString address = QString::fromLatin1(parts[2]);
  if (!address.contains(QLatin1Char(':'))) return {};
  return address;
}

ServerDiscovery::ServerDiscovery(QObject* parent) : QObject(parent) {
  timer_.setSingleShot(true);
  connect(&timer_, &QTimer::timeout, this, [this] {
    socket_.close();
    emit finished(seen_.size());
  });
  connect(&socket_, &QUdpSocket::readyRead, this, &ServerDiscovery::Read);
}

void ServerDiscovery::Start(int timeout_ms, quint16 port) {
  seen_.clear();
  socket_.close();
  socket_.bind(QHostAddress(QHostAddress::AnyIPv4), 0);
  const QByteArray probe(kDiscoveryProbe);
  socket_.writeDatagram(probe, QHostAddress::LocalHost, port);
  socket_.writeDatagram(probe, QHostAddress::Broadcast, port);
  // Directed broadcasts too: some systems do not route 255.255.255.255 on every interface.
  for (const QNetworkInterface& iface : QNetworkInterface::allInterfaces()) {
    if (!(iface.flags() & QNetworkInterface::CanBroadcast)) continue;
    for (const QNetworkAddressEntry& entry : iface.addressEntries()) {
      if (!entry.broadcast().isNull()) socket_.writeDatagram(probe, entry.broadcast(), port);
    }
  }
  timer_.start(timeout_ms);
}

void ServerDiscovery::Read() {
  while (socket_.hasPendingDatagrams()) {
    QNetworkDatagram datagram = socket_.receiveDatagram(512);
    QString address = ParseDiscoveryAnswer(datagram.data());
    if (address.isEmpty() || seen_.contains(address)) continue;
    seen_.insert(address);
    const QList<QByteArray> parts = datagram.data().trimmed().split(' ');
    emit found(address, parts.size() > 3 ? QString::fromUtf8(parts[3]) : QString());
  }
}

}  // namespace natter::client
