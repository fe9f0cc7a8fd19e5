// natter-auth's database schema: migrations/*.sql, compiled in by natter_embed_migrations
// (CMakeLists.txt).
#pragma once

#include <vector>

#include "common/migrations.h"

namespace natter::auth {

const std::vector<natter::Migration>& Migrations();

}  // namespace natter::auth
