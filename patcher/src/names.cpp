// Spellings used on the command line, in reports and in result files.
#include <pokebench/patcher/patcher.hpp>

#include <utility>

namespace pokebench::patcher {
namespace {

constexpr std::pair<Phase, const char*> kPhases[] = {
    {Phase::int3, "int3"}, {Phase::tail, "tail"}, {Phase::head, "head"}};
constexpr std::pair<Step, const char*> kSteps[] = {{Step::before_write, "before-write"},
                                                   {Step::after_write, "after-write"},
                                                   {Step::before_sync, "before-sync"},
                                                   {Step::after_sync, "after-sync"}};

}  // namespace

const char* to_string(Backend e) noexcept { return name_of(kBackendNames, e); }
const char* to_string(Int3Policy e) noexcept { return name_of(kInt3PolicyNames, e); }
const char* to_string(ApplyMode e) noexcept { return name_of(kApplyModeNames, e); }
const char* to_string(Order e) noexcept { return name_of(kOrderNames, e); }
const char* to_string(Phase e) noexcept { return name_of(kPhases, e); }
const char* to_string(Step e) noexcept { return name_of(kSteps, e); }
std::optional<Backend> parse_backend(std::string_view s) noexcept { return parse_name(kBackendNames, s); }
std::optional<Int3Policy> parse_int3_policy(std::string_view s) noexcept { return parse_name(kInt3PolicyNames, s); }
std::optional<ApplyMode> parse_apply_mode(std::string_view s) noexcept { return parse_name(kApplyModeNames, s); }
std::optional<Order> parse_order(std::string_view s) noexcept { return parse_name(kOrderNames, s); }

}  // namespace pokebench::patcher
