// The LAN discovery datagrams: the probe the gateway answers (from anyone on the network) and the
// answer the desktop client reads (from anyone on the network). Anything else is ignored; an
// answer the gateway makes is read back as the address it named.
#include <QByteArray>
#include <QString>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/discovery.h"
#include "discovery.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  natter::gateway::IsDiscoveryProbe(input);
  QString address = natter::client::ParseDiscoveryAnswer(
      QByteArray(reinterpret_cast<const char*>(data), static_cast<int>(size)));
  if (address.size() > static_cast<int>(size)) std::abort();

  // Round trip: an address and an id taken from the input, as a gateway would advertise them.
  size_t split = input.find(' ');
  if (split != std::string_view::npos) {
    std::string made = natter::gateway::DiscoveryAnswer(input.substr(0, split), "gw-1");
    natter::client::ParseDiscoveryAnswer(QByteArray(made.data(), static_cast<int>(made.size())));
  }
  return 0;
}
