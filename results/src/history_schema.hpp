// The history's schema, its version and its migrations, the same on both
// backends (history_schema.cpp).
#pragma once

#include "history_db.hpp"

#include <functional>
#include <memory>
#include <string>

namespace pokebench::results::detail {

inline constexpr int kHistorySchemaVersion = 5;

// The query behind History::list and summary: the runs whose ids `runs` (a
// SELECT of runs.id) yields, with their counts, oldest first. It reads each
// table once, grouped by run (history_cost_test.cpp checks that its work grows
// linearly with the history).
std::string run_summary_query(const std::string& runs);

// Opens `location` and makes it a current history: creates the schema in an
// empty database (when `create`), upgrades an older one in one transaction,
// refuses a foreign or newer one. `content_of` loads a stored run's content id
// (the upgrade to version 3 fills them in).
std::unique_ptr<Database> open_history(const std::string& location, bool create,
                                       const std::function<std::string(Database&, std::int64_t)>& content_of);

}  // namespace pokebench::results::detail
