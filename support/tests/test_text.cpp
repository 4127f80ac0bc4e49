// The clock and hex helpers.
#include <pokebench/support/clock.hpp>
#include <pokebench/support/hex.hpp>

#include <gtest/gtest.h>

#include <regex>

namespace ps = pokebench::support;

TEST(Clock, Iso8601InUtc) {
  EXPECT_EQ(ps::utc_iso8601(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(ps::utc_iso8601(1795983300), "2026-11-29T20:15:00Z");
  EXPECT_TRUE(std::regex_match(ps::utc_now(), std::regex(R"(20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ)"))) << ps::utc_now();
}

TEST(Hex, BytesAsTheKernelPrintsThem) {
  const std::uint8_t nop5[] = {0x0f, 0x1f, 0x44, 0x00, 0x00};
  EXPECT_EQ(ps::hex_bytes(nop5, 5), "0f 1f 44 00 00");
  const std::uint8_t jmp[] = {0xe9, 0xab, 0xff};
  EXPECT_EQ(ps::hex_bytes(jmp, 3), "e9 ab ff");
  EXPECT_EQ(ps::hex_bytes(jmp, 0), "");
}
