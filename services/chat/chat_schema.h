// natter-chat's database schema: migrations/*.sql, compiled in by natter_embed_migrations
// (CMakeLists.txt).
#pragma once

#include <vector>

#include "common/migrations.h"

namespace natter::chat {

const std::vector<natter::Migration>& Migrations();

}  // namespace natter::chat
