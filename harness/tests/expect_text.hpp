// Checks on the text a run produces (reports, verdict lines, JSON).
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

namespace pokebench::harness::testing {

// Every one of `parts` appears in `text`; a missing one is named, with the text.
inline void expect_all_in(const std::string& text, std::initializer_list<const char*> parts) {
  for (const char* part : parts) EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' in:\n" << text;
}

}  // namespace pokebench::harness::testing
