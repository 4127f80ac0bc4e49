// The canonical form of a state: its bytes, readers in a sorted order (the
// symmetry reduction of identical readers), so a state is its own hash key.
#include "state.hpp"

#include <algorithm>
#include <cstring>

namespace pokebench::explore::detail {

namespace {
constexpr std::size_t kReaderHead = 6;  // pc, fn, cookie, flags, d0, d1
std::size_t reader_size(const Model& m) { return kReaderHead + m.sites.size(); }
void put_reader(const Model& m, const Reader& r, std::string& out) {
  const std::uint8_t head[kReaderHead] = {r.pc, r.fn, r.cookie, r.flags, r.d0, r.d1};
  out.append(reinterpret_cast<const char*>(head), kReaderHead);
  out.append(reinterpret_cast<const char*>(r.view.data()), m.sites.size());
}
}  // namespace

std::string encode(const Model& m, const State& s, std::array<std::uint8_t, kMaxReaders>* perm) {
  std::string out;
  const std::uint8_t g[] = {s.seq,
                            s.data[0],
                            s.data[1],
                            static_cast<std::uint8_t>(s.count[0]),
                            static_cast<std::uint8_t>(s.count[1]),
                            static_cast<std::uint8_t>(s.mutex),
                            static_cast<std::uint8_t>(s.upd.key),
                            s.upd.enabling,
                            s.upd.chunk,
                            s.upd.phase,
                            s.upd.i,
                            s.upd.syncing,
                            s.w.pc,
                            s.w.left,
                            s.w.acked,
                            s.t[0].op,
                            s.t[0].kop,
                            s.t[0].step,
                            s.t[1].op,
                            s.t[1].kop,
                            s.t[1].step};
  out.append(reinterpret_cast<const char*>(g), sizeof g);
  out.append(reinterpret_cast<const char*>(s.mem.data()), m.sites.size());
  std::array<std::string, kMaxReaders> blocks;
  std::array<std::uint8_t, kMaxReaders> idx{};
  for (unsigned i = 0; i < m.cfg.readers; ++i) {
    put_reader(m, s.r[i], blocks[i]);
    idx[i] = static_cast<std::uint8_t>(i);
  }
  std::stable_sort(idx.begin(), idx.begin() + m.cfg.readers,
                   [&](std::uint8_t a, std::uint8_t b) { return blocks[a] < blocks[b]; });
  for (unsigned i = 0; i < m.cfg.readers; ++i) out += blocks[idx[i]];
  if (perm) *perm = idx;
  return out;
}

State decode(const Model& m, const std::string& b) {
  State s;
  const auto* p = reinterpret_cast<const std::uint8_t*>(b.data());
  s.seq = p[0];
  s.data = {p[1], p[2]};
  s.count = {static_cast<std::int8_t>(p[3]), static_cast<std::int8_t>(p[4])};
  s.mutex = static_cast<std::int8_t>(p[5]);
  s.upd = {static_cast<std::int8_t>(p[6]), p[7], p[8], p[9], p[10], p[11]};
  s.w = {p[12], p[13], p[14]};
  s.t[0] = {p[15], p[16], p[17]};
  s.t[1] = {p[18], p[19], p[20]};
  p += 21;
  std::memcpy(s.mem.data(), p, m.sites.size());
  p += m.sites.size();
  for (unsigned i = 0; i < m.cfg.readers; ++i, p += reader_size(m)) {
    Reader& r = s.r[i];
    r.pc = p[0], r.fn = p[1], r.cookie = p[2], r.flags = p[3], r.d0 = p[4], r.d1 = p[5];
    std::memcpy(r.view.data(), p + kReaderHead, m.sites.size());
  }
  return s;
}

}  // namespace pokebench::explore::detail
