// A ChatService on the hand-written fakes, with no limits: what the chat unit test fixtures build
// on (they derive from it and reach the fakes by name).
#pragma once

#include "chat_limits.h"
#include "chat_service.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_event_publisher.h"
#include "fakes/fake_friend_store.h"
#include "fakes/fake_message_store.h"
#include "fakes/fake_rate_limiter.h"
#include "fakes/fake_typing_limiter.h"
#include "fakes/fake_user_directory.h"

namespace natter::chat {

struct ChatServiceFakes {
  fakes::FakeMessageStore store_;
  fakes::FakeEventPublisher publisher_;
  fakes::FakeClock clock_;
  fakes::FakeUserDirectory users_;
  fakes::FakeFriendStore friends_;
  fakes::FakeTypingLimiter typing_{clock_};
  fakes::FakeRateLimiter limiter_{clock_};
  ChatService service_{
      store_, friends_, publisher_, users_, typing_, limiter_, ChatLimits::Unlimited(), clock_};
};

}  // namespace natter::chat
