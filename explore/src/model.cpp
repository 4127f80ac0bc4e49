// The strategies as data, the site layout and the patch order per key.
#include <pokebench/explore/model.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <random>

namespace pokebench::explore {

namespace pp = pokebench::patcher;

// Each row is one strategy's read_mems_allowed_begin/retry from
// harness/include/pokebench/harness/cpuset.hpp, written as control flow
// (explore/README.md, "The strategies as data", walks through each row).
const std::vector<StrategyModel>& strategies() {
  static const std::vector<StrategyModel> all{
      {"per-site",
       "v4.4..v4.12 cpuset.h: one key, both halves test it, patched site by site",
       {"cpusets_enabled_key"},
       0,
       BeginOn::wait_even,
       OffCookie::zero,
       RetryGuard::none,
       0,
       pp::ApplyMode::per_site,
       false},
      {"batched",
       "the same reader code, patched as v5.3 batches",
       {"cpusets_enabled_key"},
       0,
       BeginOn::wait_even,
       OffCookie::zero,
       RetryGuard::none,
       0,
       pp::ApplyMode::batched,
       false},
      {"ordered",
       "89affbf5d9eb: begin tests pre_enable, retry tests enabled; inc pre_enable first",
       {"cpusets_pre_enable_key", "cpusets_enabled_key"},
       0,
       BeginOn::wait_even,
       OffCookie::zero,
       RetryGuard::none,
       1,
       pp::ApplyMode::per_site,
       false},
      {"cached",
       "Zavin's RFC v2: begin caches the key in the cookie, retry tests the cookie (no retry site)",
       {"cpusets_enabled_key"},
       0,
       BeginOn::wait_even,
       OffCookie::zero,
       RetryGuard::cached_flag,
       -1,
       pp::ApplyMode::per_site,
       false},
      {"cookie",
       "Babka: begin returns -1 when disabled, retry returns false for -1 before its site",
       {"cpusets_enabled_key"},
       0,
       BeginOn::wait_even,
       OffCookie::disabled_marker,
       RetryGuard::disabled_marker,
       0,
       pp::ApplyMode::per_site,
       false},
      {"broken-seqcount",
       "negative control: begin does not wait for an even sequence",
       {"cpusets_enabled_key"},
       0,
       BeginOn::raw,
       OffCookie::zero,
       RetryGuard::none,
       0,
       pp::ApplyMode::per_site,
       true},
  };
  return all;
}

const StrategyModel* find_strategy(std::string_view name) {
  for (const StrategyModel& s : strategies())
    if (name == s.name) return &s;
  return nullptr;
}

std::string validate(const ModelConfig& c) {
  if (c.strategy == nullptr) return "no strategy; pass one of the names `pokebench explore --help` lists";
  if (c.readers < 1 || c.readers > kMaxReaders)
    return fmt::format("--readers {} is outside 1..{}; choose a count in that range", c.readers, kMaxReaders);
  const unsigned per_fn = c.strategy->retry_key >= 0 ? 2 : 1;
  if (c.layout.empty() && (c.functions < 1 || c.functions * per_fn > kMaxSites))
    return fmt::format("--sites {} is outside 1..{} for {} ({} site(s) per reader function); lower --sites",
                       c.functions, kMaxSites / per_fn, c.strategy->name, per_fn);
  if (c.layout.size() > kMaxSites)
    return fmt::format("a layout of {} sites is more than the model's {}", c.layout.size(), kMaxSites);
  if (c.initial_seq % 2 != 0 || c.initial_seq > 200)
    return fmt::format("initial sequence {} must be even and at most 200", c.initial_seq);
  if (c.writes > 3) return fmt::format("--writes {} is more than 3; lower it", c.writes);
  if (c.batch_size < 1) return "--batch-size must be at least 1";
  if (c.order == pp::Order::custom) return "order custom has no meaning in the model; pick another order";
  if (c.order == pp::Order::tag_first && c.first_tag != "begin" && c.first_tag != "retry")
    return fmt::format("order tag-first needs the tag begin or retry (got '{}'): use begin-first or retry-first",
                       c.first_tag);
  for (const SiteDecl& s : c.layout)
    if (s.key < 0 || static_cast<std::size_t>(s.key) >= c.strategy->keys.size() || s.fn >= c.functions)
      return "a layout site names a key or function the configuration does not have";
  return {};
}

namespace {

std::vector<SiteDecl> default_layout(const ModelConfig& c) {
  std::vector<SiteDecl> v;
  for (unsigned f = 0; f < c.functions; ++f) {
    v.push_back({c.strategy->begin_key, f, Role::begin, v.size()});
    if (c.strategy->retry_key >= 0) v.push_back({c.strategy->retry_key, f, Role::retry, v.size()});
  }
  return v;
}

// The patcher's patch_order() (patcher/src/text_poke_bp.cpp) over the key's
// sites in table order; Order::random shuffles exactly as it does.
std::vector<unsigned> order_of(const ModelConfig& c, const std::vector<SiteDecl>& sites, int key) {
  std::vector<unsigned> table;
  for (unsigned i = 0; i < sites.size(); ++i)
    if (sites[i].key == key) table.push_back(i);
  std::vector<std::size_t> order(table.size());
  std::iota(order.begin(), order.end(), 0);
  switch (c.order) {
    case pp::Order::table:
    case pp::Order::custom:
      break;
    case pp::Order::address:
      std::sort(order.begin(), order.end(),
                [&](std::size_t a, std::size_t b) { return sites[table[a]].address < sites[table[b]].address; });
      break;
    case pp::Order::reverse:
      std::reverse(order.begin(), order.end());
      break;
    case pp::Order::random: {
      std::mt19937_64 rng(c.seed);
      std::shuffle(order.begin(), order.end(), rng);
      break;
    }
    case pp::Order::tag_first:
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        auto first = [&](std::size_t i) { return c.first_tag == pp::name_of(kRoleNames, sites[table[i]].role); };
        return first(a) > first(b);
      });
      break;
  }
  std::vector<unsigned> out;
  for (std::size_t i : order) out.push_back(table[i]);
  return out;
}

}  // namespace

Model make_model(const ModelConfig& c) {
  Model m;
  m.cfg = c;
  m.sites = c.layout.empty() ? default_layout(c) : c.layout;
  for (std::size_t k = 0; k < c.strategy->keys.size(); ++k)
    m.patch_order[k] = order_of(c, m.sites, static_cast<int>(k));
  return m;
}

std::string describe(const ModelConfig& c) {
  const std::string order = to_string(OrderChoice{c.order, c.first_tag});
  std::string s = fmt::format("strategy={} readers={} sites={} direction={} order={} int3={} apply={}",
                              c.strategy ? c.strategy->name : "?", c.readers, c.functions,
                              c.enable ? "enable" : "disable", order, pp::to_string(c.int3), pp::to_string(c.apply));
  if (c.apply == pp::ApplyMode::batched) s += fmt::format(" batch-size={}", c.batch_size);
  s += fmt::format(" writes={} togglers={} views={}", c.writes, c.mixed_togglers ? 2 : 1,
                   pp::name_of(kViewsNames, c.views));
  if (c.mutations.sync_without_acks) s += " MUTATION=sync-without-acks";
  if (c.mutations.ack_with_irqs_off) s += " MUTATION=ack-with-irqs-off";
  return s;
}

std::vector<OrderChoice> matrix_orders() {
  return {{pp::Order::table, ""},          {pp::Order::address, ""},        {pp::Order::reverse, ""},
          {pp::Order::tag_first, "begin"}, {pp::Order::tag_first, "retry"}, {pp::Order::random, ""}};
}

std::string to_string(const OrderChoice& o) {
  return o.order == pp::Order::tag_first ? o.first_tag + "-first" : pp::to_string(o.order);
}

std::optional<OrderChoice> parse_order(std::string_view s) {
  for (const OrderChoice& o : matrix_orders())
    if (s == to_string(o)) return o;
  return std::nullopt;
}

std::vector<ModelConfig> matrix(const ModelConfig& base, const MatrixAxes& axes) {
  std::vector<ModelConfig> out;
  for (unsigned f : axes.functions)
    for (unsigned r : axes.readers)
      for (bool e : axes.enable)
        for (const OrderChoice& o : axes.orders)
          for (pp::Int3Policy p : axes.int3) {
            ModelConfig c = base;
            c.functions = f;
            c.readers = r;
            c.enable = e;
            c.order = o.order;
            c.first_tag = o.first_tag;
            c.int3 = p;
            out.push_back(c);
          }
  return out;
}

}  // namespace pokebench::explore
