// Spellings used on the command line, in reports and in result files.
#include <pokebench/patcher/patcher.hpp>

#include <array>
#include <utility>

namespace pokebench::patcher {
namespace {

template <class E, std::size_t N>
const char* name_of(const std::array<std::pair<E, const char*>, N>& table, E e) noexcept {
  for (const auto& [value, name] : table)
    if (value == e) return name;
  return "?";
}
template <class E, std::size_t N>
std::optional<E> parse(const std::array<std::pair<E, const char*>, N>& table, std::string_view s) noexcept {
  for (const auto& [value, name] : table)
    if (s == name) return value;
  return std::nullopt;
}

constexpr std::array kBackends{std::pair{Backend::mprotect, "mprotect"}, std::pair{Backend::procmem, "procmem"}};
constexpr std::array kPolicies{std::pair{Int3Policy::skip, "skip"}, std::pair{Int3Policy::emulate_new, "emulate-new"}};
constexpr std::array kModes{std::pair{ApplyMode::per_site, "per-site"}, std::pair{ApplyMode::batched, "batched"}};
constexpr std::array kOrders{std::pair{Order::table, "table"}, std::pair{Order::address, "address"},
                             std::pair{Order::reverse, "reverse"}, std::pair{Order::random, "random"},
                             std::pair{Order::custom, "custom"}};
constexpr std::array kPhases{std::pair{Phase::int3, "int3"}, std::pair{Phase::tail, "tail"},
                             std::pair{Phase::head, "head"}};
constexpr std::array kSteps{std::pair{Step::before_write, "before-write"}, std::pair{Step::after_write, "after-write"},
                            std::pair{Step::before_sync, "before-sync"}, std::pair{Step::after_sync, "after-sync"}};

} // namespace

const char* to_string(Backend e) noexcept { return name_of(kBackends, e); }
const char* to_string(Int3Policy e) noexcept { return name_of(kPolicies, e); }
const char* to_string(ApplyMode e) noexcept { return name_of(kModes, e); }
const char* to_string(Order e) noexcept { return name_of(kOrders, e); }
const char* to_string(Phase e) noexcept { return name_of(kPhases, e); }
const char* to_string(Step e) noexcept { return name_of(kSteps, e); }
std::optional<Backend> parse_backend(std::string_view s) noexcept { return parse(kBackends, s); }
std::optional<Int3Policy> parse_int3_policy(std::string_view s) noexcept { return parse(kPolicies, s); }
std::optional<ApplyMode> parse_apply_mode(std::string_view s) noexcept { return parse(kModes, s); }
std::optional<Order> parse_order(std::string_view s) noexcept { return parse(kOrders, s); }

} // namespace pokebench::patcher
