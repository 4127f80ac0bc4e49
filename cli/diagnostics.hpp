// Messages for users go through the one diagnostics sink (support/), with its
// prefixes: `pokebench: error:`, `pokebench: warning:`, `pokebench: note:`.
#pragma once

#include <pokebench/support/diagnostics.hpp>

namespace pokebench::cli {

using support::error;
using support::note;
using support::warning;

}  // namespace pokebench::cli
