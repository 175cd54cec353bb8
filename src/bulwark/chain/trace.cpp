#include "bulwark/chain/trace.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstring>
#include <map>
#include <optional>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define BULWARK_TRACE_AVX2 1
#endif

#include "bulwark/core/hex.hpp"

namespace bulwark::chain {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

/// Hex digit values; 0xff for a non-digit.
constexpr std::array<std::uint8_t, 256> kHexTable = [] {
  std::array<std::uint8_t, 256> t{};
  t.fill(0xff);
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) t[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) t[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(c - 'A' + 10);
  return t;
}();

/// Decodes an even number of hex digits into `out`; false on a non-digit.
bool decode_hex(std::string_view s, std::uint8_t* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (std::size_t i = 0; i < s.size() / 2; ++i) {
    const std::uint8_t hi = kHexTable[p[2 * i]], lo = kHexTable[p[2 * i + 1]];
    if ((hi | lo) & 0xf0) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

/// True when every character of `s` is a hex digit, one at a time.
bool all_hex_scalar(std::string_view s) {
  unsigned bad = 0;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const unsigned lower = unsigned{c} | 0x20u;
    bad |= !((unsigned{c} - unsigned{'0'} < 10u) | (lower - unsigned{'a'} < 6u));
  }
  return bad == 0;
}

constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHighBits = 0x8080808080808080ULL;

/// The high bit of each byte of `x` set where m < byte < n, for bytes below 0x80 and m, n <= 128
/// (a carry-free SWAR range test: bytes never borrow from their neighbours).
constexpr std::uint64_t bytes_between(std::uint64_t x, std::uint64_t m, std::uint64_t n) {
  return (kOnes * (127 + n) - (x & kOnes * 127)) & ~x & ((x & kOnes * 127) + kOnes * (127 - m)) & kHighBits;
}

#if BULWARK_TRACE_AVX2
// The AVX2 and AVX-512BW kernels are chosen at run time (the build targets baseline x86-64). Only these
// functions are compiled for them, through the target attribute: they have internal linkage and call
// nothing but intrinsics, so no AVX-compiled copy of a shared inline or template function (which the
// linker could pick for the whole program) is made. The rest of the parser, simdjson On-Demand's walk
// included, stays portable: compiled for AVX2 (simdjson's haswell kernel) the walk measured no faster on
// the real traces (docs/detection.md), while simdjson's stage 1 (On-Demand's first pass) is dispatched
// to its widest kernel by the library itself.

/// True when the CPU and the OS support AVX2.
bool cpu_has_avx2() {
  __builtin_cpu_init();  // may run before libgcc's own constructor
  return __builtin_cpu_supports("avx2");
}
/// True when the CPU and the OS support AVX-512BW (byte compares into mask registers).
bool cpu_has_avx512bw() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512bw");
}
const Kernels kCpuKernels = !cpu_has_avx2()       ? Kernels::kPortable
                            : !cpu_has_avx512bw() ? Kernels::kAvx2
                                                  : Kernels::kAvx512;
std::atomic<Kernels> g_kernels{kCpuKernels};  // use_kernels() may narrow it

/// A bit per character of the 32 at `p`: set where it is a hex digit. (c - '0') <= 9 unsigned, or
/// ((c | 0x20) - 'a') <= 5; min_epu8(t, k) == t is the unsigned t <= k.
__attribute__((target("avx2"))) inline std::uint32_t hex_mask32(const char* p) {
  const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i d = _mm256_sub_epi8(x, _mm256_set1_epi8('0'));
  const __m256i l = _mm256_sub_epi8(_mm256_or_si256(x, _mm256_set1_epi8(0x20)), _mm256_set1_epi8('a'));
  const __m256i ok = _mm256_or_si256(_mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8(9)), d),
                                     _mm256_cmpeq_epi8(_mm256_min_epu8(l, _mm256_set1_epi8(5)), l));
  return static_cast<std::uint32_t>(_mm256_movemask_epi8(ok));
}

/// all_hex for n >= 32 characters: 64 and 32 at a time, the tail as one overlapping 32-character load.
__attribute__((target("avx2"))) bool all_hex_avx2(const char* p, std::size_t n) {
  std::size_t i = 0;
  for (; i + 64 <= n; i += 64)
    if ((hex_mask32(p + i) & hex_mask32(p + i + 32)) != 0xffffffffu) return false;
  if (i + 32 <= n) {
    if (hex_mask32(p + i) != 0xffffffffu) return false;
    i += 32;
  }
  return i == n || hex_mask32(p + n - 32) == 0xffffffffu;
}

/// A bit per character of the 64 at `p` under `mask` (a masked load reads no byte outside it): set where
/// it is no hex digit (the same unsigned range tests as hex_mask32).
__attribute__((target("avx512bw"))) inline std::uint64_t not_hex_mask64(const char* p, __mmask64 mask) {
  const __m512i x = _mm512_maskz_loadu_epi8(mask, p);
  const __mmask64 digit =
      _mm512_cmple_epu8_mask(_mm512_sub_epi8(x, _mm512_set1_epi8('0')), _mm512_set1_epi8(9));
  const __mmask64 letter = _mm512_cmple_epu8_mask(
      _mm512_sub_epi8(_mm512_or_si512(x, _mm512_set1_epi8(0x20)), _mm512_set1_epi8('a')),
      _mm512_set1_epi8(5));
  return ~(digit | letter) & mask;
}

/// all_hex with AVX-512BW, for n >= 1: 64 characters a compare, the tail as one masked load, so nothing
/// past the string is read.
__attribute__((target("avx512bw"))) bool all_hex_avx512(const char* p, std::size_t n) {
  std::size_t i = 0;
  std::uint64_t bad = 0;
  for (; i + 128 <= n; i += 128) bad |= not_hex_mask64(p + i, ~0ULL) | not_hex_mask64(p + i + 64, ~0ULL);
  if (i + 64 <= n) {
    bad |= not_hex_mask64(p + i, ~0ULL);
    i += 64;
  }
  if (i < n) bad |= not_hex_mask64(p + i, ~0ULL >> (64 - (n - i)));
  return bad == 0;
}

/// hex_run with AVX2 and AVX-512BW (see hex_run for what the text must hold).
__attribute__((target("avx2"))) std::size_t hex_run_avx2(const char* p) {
  for (std::size_t i = 0;; i += 32) {
    if (i % 64 == 0) _mm_prefetch(p + i + 1024, _MM_HINT_T0);  // as in hex_run_avx512
    if (const std::uint32_t bad = ~hex_mask32(p + i)) return i + static_cast<std::size_t>(__builtin_ctz(bad));
  }
}
__attribute__((target("avx512bw"))) std::size_t hex_run_avx512(const char* p) {
  for (std::size_t i = 0;; i += 64) {
    _mm_prefetch(p + i + 1024, _MM_HINT_T0);  // a long input is read from memory: a kilobyte ahead
    if (const std::uint64_t bad = not_hex_mask64(p + i, ~0ULL))
      return i + static_cast<std::size_t>(__builtin_ctzll(bad));
  }
}
#endif

/// The high bit of each of the eight bytes of `x` set where it is a hex digit (either case).
constexpr std::uint64_t hex_high_bits(std::uint64_t x) {
  const std::uint64_t folded = x | (kOnes * 0x20);  // 'A'..'F' -> 'a'..'f'
  return (bytes_between(x, 0x2f, 0x3a) | bytes_between(folded, 0x60, 0x67)) & ~x;
}

#if defined(__SSE2__)
/// Each of the 16 bytes at `p` all ones where it is a hex digit (signed compares: characters from 0x80 up
/// are negative and fall outside both ranges).
inline __m128i hex_ok16(const char* p) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i digit =
      _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(0x2f)), _mm_cmplt_epi8(x, _mm_set1_epi8(0x3a)));
  const __m128i folded = _mm_or_si128(x, _mm_set1_epi8(0x20));  // 'A'..'F' -> 'a'..'f'
  const __m128i letter =
      _mm_and_si128(_mm_cmpgt_epi8(folded, _mm_set1_epi8(0x60)), _mm_cmplt_epi8(folded, _mm_set1_epi8(0x67)));
  return _mm_or_si128(digit, letter);
}
#endif

/// True when every character is a hex digit: with AVX-512BW or AVX2 where the CPU has it and the string
/// is long enough, else 64, 32 and 16 at a time with SSE2 (the x86-64 baseline), then eight at a time (most
/// of a trace's bytes are hex).
bool all_hex(std::string_view s) {
#if BULWARK_TRACE_AVX2
  if (s.size() >= 32) switch (g_kernels.load(std::memory_order_relaxed)) {
      case Kernels::kAvx512: return all_hex_avx512(s.data(), s.size());
      case Kernels::kAvx2: return all_hex_avx2(s.data(), s.size());
      case Kernels::kPortable: break;
    }
#endif
  std::size_t i = 0;
#if defined(__SSE2__)
  {
    for (; i + 64 <= s.size(); i += 64) {
      const __m128i ok =
          _mm_and_si128(_mm_and_si128(hex_ok16(s.data() + i), hex_ok16(s.data() + i + 16)),
                        _mm_and_si128(hex_ok16(s.data() + i + 32), hex_ok16(s.data() + i + 48)));
      if (_mm_movemask_epi8(ok) != 0xffff) return false;
    }
    if (i + 32 <= s.size()) {
      if (_mm_movemask_epi8(_mm_and_si128(hex_ok16(s.data() + i), hex_ok16(s.data() + i + 16))) != 0xffff)
        return false;
      i += 32;
    }
    if (i + 16 <= s.size()) {
      if (_mm_movemask_epi8(hex_ok16(s.data() + i)) != 0xffff) return false;
      i += 16;
    }
  }
#endif
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, s.data() + i, 8);
    if (hex_high_bits(x) != kHighBits) return false;
  }
  return all_hex_scalar(s.substr(i));
}

/// JSON's whitespace.
constexpr bool is_blank(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

#if defined(__SSE2__)
/// A bit per character of the 16 at `p`: set where it is a hex digit.
inline std::uint32_t hex_bits16(const char* p) {
  return static_cast<std::uint32_t>(_mm_movemask_epi8(hex_ok16(p)));
}
/// A bit per character of the 16 at `p`: set where it is JSON whitespace.
inline std::uint32_t blank_bits16(const char* p) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i blank = _mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\n'))),
      _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\t'))));
  return static_cast<std::uint32_t>(_mm_movemask_epi8(blank));
}
#endif

/// The first character at or after `p` that is not whitespace: 16 at a time while they lie before
/// `limit`, then one at a time, which the text must stop (a TraceText's padding ends in its string's
/// NUL). Pretty-printed traces are indented: a third of their bytes are blanks, in runs.
inline const char* skip_blank(const char* p, const char* limit) {
#if defined(__SSE2__)
  for (; p + 16 <= limit; p += 16)
    if (const std::uint32_t other = ~blank_bits16(p) & 0xffffu) return p + std::countr_zero(other);
#else
  (void)limit;
#endif
  while (is_blank(*p)) ++p;
  return p;
}

/// hex_run past the first 16 characters, which are hex digits.
std::size_t long_hex_run(const char* p) {
#if BULWARK_TRACE_AVX2
  switch (g_kernels.load(std::memory_order_relaxed)) {
    case Kernels::kAvx512: return 16 + hex_run_avx512(p + 16);
    case Kernels::kAvx2: return 16 + hex_run_avx2(p + 16);
    case Kernels::kPortable: break;
  }
#endif
  for (std::size_t i = 16;; i += 8) {
    std::uint64_t x;
    std::memcpy(&x, p + i, 8);
    if (const std::uint64_t bad = ~hex_high_bits(x) & kHighBits) {
      if constexpr (std::endian::native == std::endian::little)
        return i + static_cast<std::size_t>(std::countr_zero(bad)) / 8;
      else
        return i + static_cast<std::size_t>(std::countl_zero(bad)) / 8;
    }
  }
}

/// The number of hex digits `p` starts with. Reads ahead in blocks of up to 64 characters, none past the
/// block holding the first character that is no digit: the text must hold one within the 64 characters
/// after any digit it has (a TraceText's padding is spaces). Most runs are short (quantities, words):
/// the first 16 are looked at here, any further by the widest kernel.
inline std::size_t hex_run(const char* p) {
#if defined(__SSE2__)
  if (const std::uint32_t other = ~hex_bits16(p) & 0xffffu) return std::countr_zero(other);
#else
  for (std::size_t i = 0; i < 16; ++i)
    if (kHexTable[static_cast<unsigned char>(p[i])] > 0xf) return i;
#endif
  return long_hex_run(p);
}

/// The four bytes that eight validated hex digits at `p` spell, in order, as a little-endian host holds
/// them in a word (SWAR: each digit's value from its low nibble, plus 9 for a letter, then pairs packed).
inline std::uint32_t hex8_le(const char* p) {
  std::uint64_t x;
  std::memcpy(&x, p, 8);
  x = (x & (kOnes * 0x0f)) + ((x >> 6) & kOnes) * 9;
  x = ((x << 4) | (x >> 8)) & 0x00ff00ff00ff00ffULL;
  x = (x | (x >> 8)) & 0x0000ffff0000ffffULL;
  return static_cast<std::uint32_t>(x | (x >> 16));
}

/// The number eight validated hex digits at `p` spell (the first digit most significant).
inline std::uint32_t hex8_value(const char* p) {
  if constexpr (std::endian::native == std::endian::little) {
    return std::byteswap(hex8_le(p));
  } else {
    std::uint8_t b[4];
    decode_hex(std::string_view(p, 8), b);
    return std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
  }
}

/// Decodes 2 * n validated hex digits (n a multiple of 4) into `out`.
inline void decode_valid_hex(const char* p, std::size_t n, std::uint8_t* out) {
  if constexpr (std::endian::native == std::endian::little) {
    for (std::size_t k = 0; k < n; k += 4) {
      const std::uint32_t w = hex8_le(p + 2 * k);
      std::memcpy(out + k, &w, 4);
    }
  } else {
    decode_hex(std::string_view(p, 2 * n), out);
  }
}

/// Empties `t`, keeping the capacity of its buffers.
void recycle(Trace& t) {
  t.frames.clear();
  t.logs.clear();
  t.hex.clear();
  t.source.reset();
  t.has_logs = false;
}

/// Builds one Trace; every parser feeds it frames in pre-order.
class Builder {
 public:
  explicit Builder(const ParseLimits& limits) : limits_(limits) {}

  Trace trace;

  Status fail_at(std::string_view what) {
    std::string path = "root";
    for (std::uint32_t k : path_) {
      path += '.';
      path += std::to_string(k);
    }
    return fail(ErrorCode::kInvalidArgument, "trace frame " + path + ": " + std::string(what));
  }

  Status address(std::string_view s, Address& out, std::string_view field) {
    s = strip_hex_prefix(s);
    if (s.empty()) return {};  // absent (e.g. a failed CREATE): the zero address
    if (s.size() != 40) return fail_at(std::string(field) + " is not a 20-byte address");
    if (!all_hex(s)) return fail_at(std::string(field) + " has a non-hex character");
    std::array<std::uint8_t, 20> b;
    decode_valid_hex(s.data(), 20, b.data());
    out = Address::from_bytes(b);
    return {};
  }

  Status bytes(std::string_view s, std::uint32_t& offset, std::uint32_t& size, std::string_view field) {
    s = strip_hex_prefix(s);
    if (s.size() % 2 != 0) return fail_at(std::string(field) + " has an odd number of hex digits");
    if (!all_hex(s)) return fail_at(std::string(field) + " has a non-hex character");
    size = static_cast<std::uint32_t>(s.size() / 2);
    // In place: the digits already sit in the source text the trace keeps (calldata read as raw JSON).
    if (in_source(s)) {
      offset = static_cast<std::uint32_t>(s.data() - source_begin_);
      return {};
    }
    // Otherwise copied into the trace's arena.
    if (trace.hex.size() + s.size() >= Trace::kArenaBit) return fail_at("trace bytes exceed 2 GiB");
    offset = static_cast<std::uint32_t>(trace.hex.size()) | Trace::kArenaBit;
    trace.hex.append(s);
    return {};
  }

  /// The fast path of bytes(): true (and the digits taken in place) when `s` is an even number of hex
  /// digits lying in the source text; false, changing nothing, otherwise.
  bool bytes_in_place(std::string_view s, std::uint32_t& offset, std::uint32_t& size) {
    s = strip_hex_prefix(s);
    return all_hex(s) && hex_in_place(s, offset, size);
  }
  /// The same for digits known to be hex (no prefix): true when they are whole bytes in the source text.
  bool hex_in_place(std::string_view digits, std::uint32_t& offset, std::uint32_t& size) {
    if (digits.size() % 2 != 0 || !in_source(digits)) return false;
    size = static_cast<std::uint32_t>(digits.size() / 2);
    offset = static_cast<std::uint32_t>(digits.data() - source_begin_);
    return true;
  }

  /// Makes `text` the trace's source, shared, for in-place parsing; returns a padded view of it.
  /// Errors: kInvalidArgument when it is too large for hex offsets (2 GiB).
  Result<simdjson::padded_string_view> adopt_source(const TraceText& text) {
    static_assert(TraceText::kPadding >= simdjson::SIMDJSON_PADDING);
    if (text.size() >= Trace::kArenaBit) return fail(ErrorCode::kInvalidArgument, "trace exceeds 2 GiB");
    trace.source = text.buffer();
    source_begin_ = trace.source->data();
    source_end_ = source_begin_ + text.size();
    trace.frames.reserve(text.size() / 512 +
                         4);  // real traces: one frame per 0.5-2 kB of JSON (0.7 on average)
    return simdjson::padded_string_view(source_begin_, text.size(), text.size() + TraceText::kPadding);
  }

  /// A quantity given as a hex string, a decimal string or a JSON number.
  Status quantity(element e, U256& out, std::string_view field) {
    if (e.is_null()) return {};
    if (e.is_string()) {
      std::string_view s = e.get_string().value_unsafe();
      if (s.empty() || s == "0x") return {};
      auto v = U256::parse(s);
      if (!v) return fail_at(std::string(field) + ": " + v.error().message);
      out = *v;
      return {};
    }
    if (e.is_uint64()) {
      out = U256(e.get_uint64().value_unsafe());
      return {};
    }
    if (e.is_int64() && e.get_int64().value_unsafe() >= 0) {
      out = U256(static_cast<std::uint64_t>(e.get_int64().value_unsafe()));
      return {};
    }
    return fail_at(std::string(field) + " is not a non-negative quantity");
  }

  Status kind(std::string_view s, CallKind& out) {
    if (kind_of(s, out)) return {};
    return fail_at("unknown frame type \"" + printable_excerpt(s, 20) + "\"");
  }

  /// The CallKind that `s` names, in any case; false (and `out` unchanged) for another string.
  static bool kind_of(std::string_view s, CallKind& out) {
    static const std::array<std::pair<std::string_view, CallKind>, 8> kKinds{
        {{"CALL", CallKind::kCall},
         {"STATICCALL", CallKind::kStaticCall},
         {"DELEGATECALL", CallKind::kDelegateCall},
         {"CALLCODE", CallKind::kCallCode},
         {"CREATE", CallKind::kCreate},
         {"CREATE2", CallKind::kCreate2},
         {"SELFDESTRUCT", CallKind::kSelfDestruct},
         {"SUICIDE", CallKind::kSelfDestruct}}};
    for (const auto& [name, k] : kKinds)  // go-ethereum's own spelling first
      if (s == name) {
        out = k;
        return true;
      }
    for (const auto& [name, k] : kKinds)
      if (s.size() == name.size() && std::equal(s.begin(), s.end(), name.begin(), [](char a, char b) {
            return (a >= 'a' && a <= 'z' ? static_cast<char>(a - 32) : a) == b;
          })) {
        out = k;
        return true;
      }
    return false;
  }

  /// The fast path of address(): true (and `out` set) when `s` is exactly 40 hex digits after an
  /// optional 0x; false, changing nothing, otherwise.
  static bool plain_address(std::string_view s, Address& out) {
    s = strip_hex_prefix(s);
    if (s.size() != 40 || !all_hex(s)) return false;
    out = valid_hex_address(s.data());
    return true;
  }
  /// The address that 40 validated hex digits at `p` spell.
  static Address valid_hex_address(const char* p) {
    std::array<std::uint8_t, 20> b;
    decode_valid_hex(p, 20, b.data());
    return Address::from_bytes(b);
  }

  /// Starts a frame under `parent` at `depth`; returns its index.
  Result<std::size_t> open(std::int32_t parent, std::uint32_t depth) {
    if (trace.frames.size() >= limits_.max_frames)
      return fail(ErrorCode::kInvalidArgument,
                  "trace has more than " + std::to_string(limits_.max_frames) + " frames");
    if (depth > limits_.max_depth)
      return fail(ErrorCode::kInvalidArgument,
                  "trace nests deeper than " + std::to_string(limits_.max_depth) + " calls");
    const bool failed = parent >= 0 && trace.frames[static_cast<std::size_t>(parent)].failed;
    // Built in place, as a copy of a blank frame: GCC zeroes a value-initialised Frame with `rep stos`,
    // whose start-up costs more than the sixteen-byte stores of a copy.
    static const Frame kBlank{};
    Frame& f = trace.frames.emplace_back(kBlank);
    f.parent = parent;
    f.depth = depth;
    f.failed = failed;
    return trace.frames.size() - 1;
  }

  void set_selector(std::size_t i) {
    Frame& f = trace.frames[i];
    if (f.input_size >= 4) f.selector = hex8_value(trace.at(f.input_offset));
  }

  void close(std::size_t i) { trace.frames[i].end = static_cast<std::uint32_t>(trace.frames.size()); }

  /// Back to an empty trace with no source, as constructed.
  void reset() {
    recycle(trace);
    path_.clear();
    source_begin_ = source_end_ = nullptr;
  }

  void mark_reverted(std::size_t i) {
    trace.frames[i].reverted = true;
    trace.frames[i].failed = true;
  }

  std::vector<std::uint32_t> path_;  ///< Child indices from the root to the frame being parsed.

 private:
  /// True when `s` lies inside the source text (and so can be kept as an offset into it).
  bool in_source(std::string_view s) const {
    return source_begin_ != nullptr && s.data() >= source_begin_ && s.data() + s.size() <= source_end_;
  }

  const char* source_begin_ = nullptr;
  const char* source_end_ = nullptr;
  ParseLimits limits_;
};

std::string_view str_or_empty(object o, std::string_view key) {
  std::string_view s;
  if (o[key].get(s) != simdjson::SUCCESS) return {};
  return s;
}

// ---- callTracer through simdjson On-Demand: one pass over each frame's fields, in document order ----

namespace od = simdjson::ondemand;

std::string_view json_error_name(simdjson::error_code e);

Status od_fail(Builder& b, simdjson::error_code e) {
  return b.fail_at(std::string("malformed JSON: ") + std::string(json_error_name(e)));
}

/// The text of a string value as it stands in the source, quotes removed, when it is a string
/// (otherwise empty and false). Escapes are not resolved: only for callers that check the text holds none.
bool od_raw_text(od::value& v, std::string_view& out) {
  std::string_view raw = v.raw_json_token();
  while (!raw.empty() &&
         (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t'))
    raw.remove_suffix(1);
  if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') return false;
  out = raw.substr(1, raw.size() - 2);
  return true;
}

/// An object member's key: read in place when it holds no escape (always, in practice), else unescaped.
simdjson::error_code od_key(od::field& field, std::string_view& key) {
  // Just after the opening quote; a key always ends in its closing quote, and the buffer is padded.
  const char* p = field.key().raw();
  std::size_t n = 0;
  while (p[n] != '"' && p[n] != '\\') ++n;
  if (p[n] == '"') {
    key = std::string_view(p, n);
    return simdjson::SUCCESS;
  }
  return field.unescaped_key().get(key);
}

Status od_quantity(Builder& b, od::value& v, U256& out, std::string_view field) {
  // The common case first: a hex string of at most 16 digits (gas, most values).
  if (std::string_view raw; od_raw_text(v, raw) && has_hex_prefix(raw) && raw.size() > 2 &&
                            raw.size() <= 18 && all_hex(raw.substr(2))) {
    std::uint64_t n = 0;
    for (const char c : raw.substr(2)) n = n << 4 | kHexTable[static_cast<unsigned char>(c)];
    out = U256(n);
    return {};
  }
  od::json_type t;
  if (auto e = v.type().get(t)) return od_fail(b, e);
  if (t == od::json_type::null) return {};
  if (t == od::json_type::string) {
    std::string_view s;
    if (auto e = v.get_string().get(s)) return od_fail(b, e);
    if (s.empty() || s == "0x") return {};
    auto q = U256::parse(s);
    if (!q) return b.fail_at(std::string(field) + ": " + q.error().message);
    out = *q;
    return {};
  }
  std::uint64_t n = 0;
  if (v.get_uint64().get(n) != simdjson::SUCCESS)
    return b.fail_at(std::string(field) + " is not a non-negative quantity");
  out = U256(n);
  return {};
}

/// A string value read in place, without unescaping, when it holds no escapes (calldata never does):
/// saves a copy of most of a trace's bytes. Falls back to od_string otherwise.
Status od_string(Builder& b, od::value& v, std::string_view& out, std::string_view field);
Status od_raw_string(Builder& b, od::value& v, std::string_view& out, std::string_view field) {
  if (od_raw_text(v, out) && out.find('\\') == std::string_view::npos) return {};
  return od_string(b, v, out, field);
}

/// An address member: read in place when its text is 40 hex digits (no escape can be among them), else
/// through od_raw_string and Builder::address, with their errors.
Status od_address(Builder& b, od::value& v, Address& out, std::string_view field) {
  std::string_view s;
  if (od_raw_text(v, s) && Builder::plain_address(s, out)) return {};
  BULWARK_CHECK(od_raw_string(b, v, s, field));
  return b.address(s, out, field);
}

/// The frame's type: read in place when its text names a kind (no escape can be in one), else as a string.
Status od_kind(Builder& b, od::value& v, CallKind& out) {
  std::string_view s;
  if (od_raw_text(v, s) && Builder::kind_of(s, out)) return {};
  BULWARK_CHECK(od_raw_string(b, v, s, "type"));
  return b.kind(s, out);
}

/// A hex byte string (input, output, log data) kept in place: when the source text is an even number of
/// hex digits it holds no escape and is the value itself, so it needs no scan for backslashes; anything
/// else takes the general path (od_raw_string, then Builder::bytes, with their errors).
Status od_hex_bytes(Builder& b, od::value& v, std::uint32_t& offset, std::uint32_t& size,
                    std::string_view field) {
  std::string_view s;
  if (od_raw_text(v, s) && b.bytes_in_place(s, offset, size)) return {};
  BULWARK_CHECK(od_raw_string(b, v, s, field));
  return b.bytes(s, offset, size, field);
}

Status od_string(Builder& b, od::value& v, std::string_view& out, std::string_view field) {
  if (v.get_string().get(out) != simdjson::SUCCESS) return b.fail_at(std::string(field) + " is not a string");
  return {};
}

/// The members of a callTracer frame and log that the parser reads.
enum class Key : std::uint8_t {
  kOther,
  kType,
  kFrom,
  kTo,
  kValue,
  kGasUsed,
  kInput,
  kOutput,
  kError,
  kLogs,
  kCalls,
  kAddress,
  kTopics,
  kData,
};

/// Which member `k` names: by length, then one fixed-size compare (keys come in any order, so a chain
/// of string compares mispredicts and calls memcmp for each).
Key classify_key(std::string_view k) {
  auto eq = [&](std::string_view name) { return std::memcmp(k.data(), name.data(), name.size()) == 0; };
  switch (k.size()) {
    case 2: return eq("to") ? Key::kTo : Key::kOther;
    case 4:
      switch (k[0]) {
        case 't': return eq("type") ? Key::kType : Key::kOther;
        case 'f': return eq("from") ? Key::kFrom : Key::kOther;
        case 'l': return eq("logs") ? Key::kLogs : Key::kOther;
        case 'd': return eq("data") ? Key::kData : Key::kOther;
        default: return Key::kOther;
      }
    case 5:
      switch (k[0]) {
        case 'v': return eq("value") ? Key::kValue : Key::kOther;
        case 'i': return eq("input") ? Key::kInput : Key::kOther;
        case 'e': return eq("error") ? Key::kError : Key::kOther;
        case 'c': return eq("calls") ? Key::kCalls : Key::kOther;
        default: return Key::kOther;
      }
    case 6:
      if (eq("output")) return Key::kOutput;
      return eq("topics") ? Key::kTopics : Key::kOther;
    case 7:
      if (eq("gasUsed")) return Key::kGasUsed;
      return eq("address") ? Key::kAddress : Key::kOther;
    default: return Key::kOther;
  }
}

/// The eight bytes at `p` as a number, the first byte lowest (little-endian hosts only).
inline std::uint64_t load8(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

/// `name` and its closing quote packed as load8 reads them, and the mask of those bytes; `name` holds at
/// most seven characters.
struct KeyTag {
  std::uint64_t bytes = 0, mask = 0;
  constexpr explicit KeyTag(std::string_view name) {
    for (std::size_t i = 0; i <= name.size(); ++i) {
      bytes |= std::uint64_t{static_cast<unsigned char>(i < name.size() ? name[i] : '"')} << (8 * i);
      mask |= std::uint64_t{0xff} << (8 * i);
    }
  }
  constexpr bool matches(std::uint64_t w) const { return (w & mask) == bytes; }
};

/// The members od_key_kind recognises in place, by their first three bytes (the closing quote included
/// for "to"): a perfect hash of those into 16 slots. "gas" shares its first three bytes with "gasUsed"
/// and is checked aside.
constexpr std::uint64_t kKeyHashMul = 0x8018079e19842e0dULL;
constexpr std::size_t key_slot(std::uint64_t w) {
  return static_cast<std::size_t>(((w & 0xffffff) * kKeyHashMul) >> 60);
}
struct KeySlot {
  KeyTag tag{""};
  Key key = Key::kOther;
  std::uint8_t length = 0;  ///< Of the name and its closing quote.
};
constexpr std::array<KeySlot, 16> kKeySlots = [] {
  const std::pair<std::string_view, Key> keys[] = {
      {"type", Key::kType},   {"to", Key::kTo},         {"topics", Key::kTopics},
      {"from", Key::kFrom},   {"value", Key::kValue},   {"gasUsed", Key::kGasUsed},
      {"input", Key::kInput}, {"output", Key::kOutput}, {"error", Key::kError},
      {"logs", Key::kLogs},   {"calls", Key::kCalls},   {"address", Key::kAddress},
      {"data", Key::kData}};
  std::array<KeySlot, 16> t{};
  for (const auto& [name, key] : keys) {
    const KeyTag tag(name);
    KeySlot& slot = t[key_slot(tag.bytes)];
    if (slot.key != Key::kOther) throw "two keys share a slot: choose another kKeyHashMul";
    slot = KeySlot{tag, key, static_cast<std::uint8_t>(name.size() + 1)};
  }
  return t;
}();

/// Which member a field's key names. The keys a frame or log has are recognised in place by one 8-byte
/// load and one table entry (the key's text and its closing quote: no escape can be among them), without
/// a branch per key; any other key is read as od_key does (unescaped when it holds an escape) and
/// classified.
simdjson::error_code od_key_kind(od::field& field, Key& out) {
  if constexpr (std::endian::native == std::endian::little) {
    // Just after the opening quote; the buffer is padded, so eight bytes can always be read.
    const std::uint64_t w = load8(field.key().raw());
    const KeySlot& slot = kKeySlots[key_slot(w)];
    static constexpr KeyTag kGas("gas");
    if (slot.key != Key::kOther && slot.tag.matches(w)) {
      out = slot.key;
      return simdjson::SUCCESS;
    }
    if (kGas.matches(w)) {
      out = Key::kOther;
      return simdjson::SUCCESS;
    }
  }
  std::string_view key;
  if (auto e = od_key(field, key)) return e;
  out = classify_key(key);
  return simdjson::SUCCESS;
}

Status od_logs(Builder& b, od::array logs) {
  for (auto le : logs) {
    od::object lo;
    if (le.get_object().get(lo) != simdjson::SUCCESS) return b.fail_at("a log is not an object");
    TraceLog log;
    for (auto fr : lo) {
      if (auto e = fr.error()) return od_fail(b, e);
      od::field& field = fr.value_unsafe();
      Key ck = Key::kOther;
      if (auto e = od_key_kind(field, ck)) return od_fail(b, e);
      if (ck == Key::kAddress) {
        BULWARK_CHECK(od_address(b, field.value(), log.address, "log address"));
      } else if (ck == Key::kTopics) {
        od::array topics;
        if (field.value().get_array().get(topics) != simdjson::SUCCESS)
          return b.fail_at("log topics is not an array");
        for (auto te : topics) {
          std::string_view ts;
          if (te.get_string().get(ts) != simdjson::SUCCESS) return b.fail_at("a log topic is not a string");
          auto h = Hash32::parse(ts);
          if (!h) return b.fail_at("log topic: " + h.error().message);
          log.topics.push_back(*h);
        }
      } else if (ck == Key::kData) {
        BULWARK_CHECK(od_hex_bytes(b, field.value(), log.data_offset, log.data_size, "log data"));
      }
    }
    b.trace.logs.push_back(std::move(log));
  }
  b.trace.has_logs = true;
  return {};
}

Status od_frame(Builder& b, od::object o, std::int32_t parent, std::uint32_t depth) {
  BULWARK_TRY(i, b.open(parent, depth));
  bool typed = false;
  for (auto fr : o) {
    // The field and its value are used where the iterator made them, not copied: a copy of
    // simdjson's value iterator just after it was stored stalls on store forwarding.
    if (auto e = fr.error()) return od_fail(b, e);
    od::field& field = fr.value_unsafe();
    Key ck = Key::kOther;
    if (auto e = od_key_kind(field, ck)) return od_fail(b, e);
    od::value& v = field.value();
    if (ck == Key::kType) {
      BULWARK_CHECK(od_kind(b, v, b.trace.frames[i].kind));
      typed = true;
    } else if (ck == Key::kFrom) {
      BULWARK_CHECK(od_address(b, v, b.trace.frames[i].from, "from"));
    } else if (ck == Key::kTo) {
      BULWARK_CHECK(od_address(b, v, b.trace.frames[i].to, "to"));
    } else if (ck == Key::kValue) {
      BULWARK_CHECK(od_quantity(b, v, b.trace.frames[i].value, "value"));
    } else if (ck == Key::kGasUsed) {
      U256 gas;
      BULWARK_CHECK(od_quantity(b, v, gas, "gasUsed"));
      b.trace.frames[i].gas_used = gas.low_u64();
    } else if (ck == Key::kInput) {
      std::uint32_t off = 0, size = 0;
      BULWARK_CHECK(od_hex_bytes(b, v, off, size, "input"));
      b.trace.frames[i].input_offset = off;
      b.trace.frames[i].input_size = size;
      b.set_selector(i);
    } else if (ck == Key::kOutput) {
      bool null = false;
      if (auto e = v.is_null().get(null)) return od_fail(b, e);
      if (null) continue;
      std::uint32_t off = 0, size = 0;
      BULWARK_CHECK(od_hex_bytes(b, v, off, size, "output"));
      b.trace.frames[i].output_offset = off;
      b.trace.frames[i].output_size = size;
      b.trace.frames[i].has_output = true;
    } else if (ck == Key::kError) {
      bool null = false;
      if (auto e = v.is_null().get(null)) return od_fail(b, e);
      if (!null) b.mark_reverted(i);
    } else if (ck == Key::kLogs) {
      od::array logs;
      if (v.get_array().get(logs) != simdjson::SUCCESS) return b.fail_at("\"logs\" is not an array");
      b.trace.frames[i].log_begin = static_cast<std::uint32_t>(b.trace.logs.size());
      BULWARK_CHECK(od_logs(b, logs));
      b.trace.frames[i].log_count =
          static_cast<std::uint32_t>(b.trace.logs.size()) - b.trace.frames[i].log_begin;
    } else if (ck == Key::kCalls) {
      bool null = false;
      if (auto e = v.is_null().get(null)) return od_fail(b, e);
      if (null) continue;
      od::array calls;
      if (v.get_array().get(calls) != simdjson::SUCCESS) return b.fail_at("\"calls\" is not an array");
      b.path_.push_back(0);
      for (auto c : calls) {
        od::object co;
        if (auto e = c.get_object().get(co)) {
          if (e == simdjson::INCORRECT_TYPE) return b.fail_at("not an object");
          return od_fail(b, e);
        }
        BULWARK_CHECK(od_frame(b, co, static_cast<std::int32_t>(i), depth + 1));
        ++b.path_.back();
      }
      b.path_.pop_back();
    }
  }
  if (!typed) return b.fail_at("missing \"type\"");
  b.close(i);
  return {};
}

/// Marks every frame under a reverted one failed (fields may come in any order, so after parsing).
void propagate_failure(Trace& t) {
  for (auto& f : t.frames)
    f.failed = f.reverted || (f.parent >= 0 && t.frames[static_cast<std::size_t>(f.parent)].failed);
}

/// The first key of a JSON object text, if it starts with one ("" otherwise).
std::string_view first_key(std::string_view json) {
  std::size_t i = 0;
  auto ws = [&] {
    while (i < json.size() && is_blank(json[i])) ++i;
  };
  ws();
  if (i >= json.size() || json[i] != '{') return {};
  ++i;
  ws();
  if (i >= json.size() || json[i] != '"') return {};
  const std::size_t start = ++i;
  while (i < json.size() && json[i] != '"' && json[i] != '\\') ++i;
  return json.substr(start, i - start);
}

/// True when `k`, the first key of `json` (first_key), is "error" and its value an object: a JSON-RPC
/// error response. A frame may start with "error" too, a string (or null).
bool opens_with_error_object(std::string_view json, std::string_view k) {
  if (k != "error") return false;
  std::size_t at = json.find(':', static_cast<std::size_t>(k.data() - json.data()) + k.size());
  while (at != std::string_view::npos && ++at < json.size() && is_blank(json[at])) {
  }
  return at != std::string_view::npos && at < json.size() && json[at] == '{';
}

std::string_view json_error_name(simdjson::error_code e) {
  switch (e) {
    case simdjson::DEPTH_ERROR: return "nested too deeply";
    case simdjson::CAPACITY: return "too large";
    default: return simdjson::error_message(e);
  }
}

/// Parses the document and unwraps a JSON-RPC envelope; `root` receives the payload.
Result<element> open_document(simdjson::dom::parser& parser, std::string_view json,
                              const ParseLimits& limits) {
  (void)limits;
  element doc;
  if (auto e = parser.parse(json.data(), json.size(), true).get(doc); e != simdjson::SUCCESS)
    return fail(ErrorCode::kInvalidArgument,
                std::string("trace is not valid JSON: ") + std::string(json_error_name(e)));
  object o;
  if (doc.get(o) == simdjson::SUCCESS) {
    element err;
    if (o["error"].get(err) == simdjson::SUCCESS && err.is_object()) {
      std::string_view msg;
      if (err["message"].get(msg) != simdjson::SUCCESS) msg = "(no message)";
      return fail(ErrorCode::kUnavailable, "node returned an error instead of a trace: " + std::string(msg));
    }
    element result;
    if (o["result"].get(result) == simdjson::SUCCESS &&
        (o["jsonrpc"].error() == simdjson::SUCCESS || o["id"].error() == simdjson::SUCCESS ||
         result.is_array()))
      return result;
  }
  return doc;
}

Status parse_parity(Builder& b, array entries) {
  // Each entry's traceAddress is its path from the root; entries arrive in pre-order in practice, but
  // sort by path to be safe.
  struct Entry {
    std::vector<std::uint32_t> path;
    object o;
  };
  std::vector<Entry> list;
  for (element e : entries) {
    Entry en;
    if (e.get(en.o) != simdjson::SUCCESS) return b.fail_at("a parity trace entry is not an object");
    array ta;
    if (en.o["traceAddress"].get(ta) != simdjson::SUCCESS) return b.fail_at("entry without traceAddress");
    for (element x : ta) {
      std::uint64_t k = 0;
      if (x.get(k) != simdjson::SUCCESS) return b.fail_at("traceAddress holds a non-integer");
      en.path.push_back(static_cast<std::uint32_t>(k));
    }
    list.push_back(std::move(en));
  }
  if (list.empty()) return b.fail_at("empty parity trace");
  std::stable_sort(list.begin(), list.end(), [](const Entry& x, const Entry& y) { return x.path < y.path; });
  if (!list[0].path.empty()) return b.fail_at("parity trace has no root entry");
  std::vector<std::size_t> stack;  // open frame indices by depth
  for (const Entry& en : list) {
    const std::size_t depth = en.path.size();
    if (depth > stack.size()) return b.fail_at("parity trace entry without its parent");
    while (stack.size() > depth) {
      b.close(stack.back());
      stack.pop_back();
    }
    const std::int32_t parent = stack.empty() ? -1 : static_cast<std::int32_t>(stack.back());
    BULWARK_TRY(i, b.open(parent, static_cast<std::uint32_t>(depth)));
    object action, result;
    if (en.o["action"].get(action) != simdjson::SUCCESS) return b.fail_at("entry without action");
    const bool has_result = en.o["result"].get(result) == simdjson::SUCCESS;
    std::string_view type = str_or_empty(en.o, "type");
    Frame& f = b.trace.frames[i];
    if (type == "call") {
      std::string_view ct = str_or_empty(action, "callType");
      BULWARK_CHECK(b.kind(ct.empty() ? "call" : ct, f.kind));
      BULWARK_CHECK(b.address(str_or_empty(action, "from"), f.from, "from"));
      BULWARK_CHECK(b.address(str_or_empty(action, "to"), f.to, "to"));
      BULWARK_CHECK(b.bytes(str_or_empty(action, "input"), f.input_offset, f.input_size, "input"));
      b.set_selector(i);
      if (has_result && result["output"].error() == simdjson::SUCCESS) {
        BULWARK_CHECK(b.bytes(str_or_empty(result, "output"), f.output_offset, f.output_size, "output"));
        b.trace.frames[i].has_output = true;
      }
    } else if (type == "create") {
      f.kind = str_or_empty(action, "creationMethod") == "create2" ? CallKind::kCreate2 : CallKind::kCreate;
      BULWARK_CHECK(b.address(str_or_empty(action, "from"), f.from, "from"));
      if (has_result) BULWARK_CHECK(b.address(str_or_empty(result, "address"), f.to, "address"));
      BULWARK_CHECK(b.bytes(str_or_empty(action, "init"), f.input_offset, f.input_size, "init"));
    } else if (type == "suicide" || type == "selfdestruct") {
      f.kind = CallKind::kSelfDestruct;
      BULWARK_CHECK(b.address(str_or_empty(action, "address"), f.from, "address"));
      BULWARK_CHECK(b.address(str_or_empty(action, "refundAddress"), f.to, "refundAddress"));
      element bal;
      if (action["balance"].get(bal) == simdjson::SUCCESS)
        BULWARK_CHECK(b.quantity(bal, b.trace.frames[i].value, "balance"));
    } else if (type == "reward") {
      return b.fail_at("a block reward entry is not a transaction trace");
    } else {
      return b.fail_at("unknown parity entry type \"" + printable_excerpt(type, 20) + "\"");
    }
    element v;
    if (action["value"].get(v) == simdjson::SUCCESS)
      BULWARK_CHECK(b.quantity(v, b.trace.frames[i].value, "value"));
    element err;
    if (en.o["error"].get(err) == simdjson::SUCCESS && !err.is_null()) b.mark_reverted(i);
    stack.push_back(i);
  }
  while (!stack.empty()) {
    b.close(stack.back());
    stack.pop_back();
  }
  return {};
}

}  // namespace

Kernels use_kernels(Kernels widest) {
#if BULWARK_TRACE_AVX2
  const Kernels k = std::min(widest, kCpuKernels);
  g_kernels.store(k, std::memory_order_relaxed);
  return k;
#else
  (void)widest;
  return Kernels::kPortable;
#endif
}

std::string_view to_string(CallKind kind) {
  switch (kind) {
    case CallKind::kCall: return "CALL";
    case CallKind::kStaticCall: return "STATICCALL";
    case CallKind::kDelegateCall: return "DELEGATECALL";
    case CallKind::kCallCode: return "CALLCODE";
    case CallKind::kCreate: return "CREATE";
    case CallKind::kCreate2: return "CREATE2";
    case CallKind::kSelfDestruct: return "SELFDESTRUCT";
  }
  return "CALL";
}

std::vector<std::uint8_t> Trace::decode(std::uint32_t offset, std::uint32_t size) const {
  std::vector<std::uint8_t> out(size);
  if (size > 0) decode_hex(std::string_view(at(offset), 2 * std::size_t{size}), out.data());
  return out;
}

bool Trace::hex_word(std::uint32_t offset, std::uint32_t size, std::size_t skip, std::size_t i,
                     U256& out) const {
  const std::size_t off = skip + 32 * i;
  if (size < off + 32) return false;
  const char* p = at(offset) + 2 * off;  // validated when parsed
#if defined(__SSE2__)
  // 32 digits at a time: each digit's value from its low nibble (plus 9 for a letter, which has bit 6
  // set), the pairs of a 16-bit lane joined into a byte, the bytes of both halves packed in order; each
  // eight of them are a limb, most significant byte first.
  auto limbs = [](const char* q, std::uint64_t& hi, std::uint64_t& lo) {
    const __m128i low_nibble = _mm_set1_epi8(0x0f), one = _mm_set1_epi8(1), low_byte = _mm_set1_epi16(0x00ff);
    auto pairs = [&](const char* r) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r));
      const __m128i letter = _mm_and_si128(_mm_srli_epi16(x, 6), one);
      const __m128i nib =
          _mm_add_epi8(_mm_and_si128(x, low_nibble), _mm_or_si128(_mm_slli_epi16(letter, 3), letter));
      return _mm_and_si128(_mm_or_si128(_mm_slli_epi16(nib, 4), _mm_srli_epi16(nib, 8)), low_byte);
    };
    const __m128i bytes = _mm_packus_epi16(pairs(q), pairs(q + 16));
    hi = std::byteswap(static_cast<std::uint64_t>(_mm_cvtsi128_si64(bytes)));
    lo = std::byteswap(static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(bytes, bytes))));
  };
  std::uint64_t l3, l2, l1, l0;
  limbs(p, l3, l2);
  limbs(p + 32, l1, l0);
  out = U256::from_limbs({l0, l1, l2, l3});
#else
  auto limb = [&](std::size_t k) {
    return std::uint64_t{hex8_value(p + 16 * k)} << 32 | hex8_value(p + 16 * k + 8);
  };
  out = U256::from_limbs({limb(3), limb(2), limb(1), limb(0)});
#endif
  return true;
}

bool Trace::word(const Frame& f, std::size_t i, U256& out) const {
  return hex_word(f.input_offset, f.input_size, 4, i, out);
}
bool Trace::output_word(const Frame& f, std::size_t i, U256& out) const {
  return hex_word(f.output_offset, f.output_size, 0, i, out);
}
bool Trace::data_word(const TraceLog& l, std::size_t i, U256& out) const {
  return hex_word(l.data_offset, l.data_size, 0, i, out);
}

namespace {

// ---- callTracer's common shape straight from the text: the fast path ----

/// The end of the JSON number that starts at `p` (before `e`), or null when none does.
const char* scan_number(const char* p, const char* e) {
  auto digits = [&] {
    const char* s = p;
    while (p < e && *p >= '0' && *p <= '9') ++p;
    return p > s;
  };
  if (p < e && *p == '-') ++p;
  if (p < e && *p == '0') {
    ++p;
  } else if (!digits()) {
    return nullptr;
  }
  if (p < e && *p == '.' && (++p, !digits())) return nullptr;
  if (p < e && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < e && (*p == '+' || *p == '-')) ++p;
    if (!digits()) return nullptr;
  }
  return p;
}

/// A quantity member's string (value, gasUsed; quotes removed, escapes not resolved): hex or decimal,
/// empty or "0x" for none (`out` unchanged). False when it is neither, or holds an escape.
bool read_quantity(std::string_view s, U256& out) {
  if (has_hex_prefix(s) && s.size() > 2 && s.size() <= 18) {
    // Read and checked in one pass: a non-digit's table entry (0xff) has high bits a digit's lacks.
    std::uint64_t n = 0;
    unsigned seen = 0;
    for (const char c : s.substr(2)) {
      const unsigned v = kHexTable[static_cast<unsigned char>(c)];
      seen |= v;
      n = n << 4 | (v & 0xfu);
    }
    if ((seen & 0xf0u) == 0) {
      out = U256(n);
      return true;
    }
  }
  if (s.find('\\') != std::string_view::npos) return false;
  if (s.empty() || s == "0x") return true;
  auto q = U256::parse(s);
  if (!q) return false;
  out = *q;
  return true;
}

/// An address member's string: 40 hex digits after an optional 0x, or nothing (the zero address).
bool read_address(std::string_view s, Address& out) {
  return Builder::plain_address(s, out) || strip_hex_prefix(s).empty();
}

constexpr std::uint32_t kMaxSkipDepth = 64;  // unknown members nested deeper: left to On-Demand

/// Characters a string may hold as they stand: printable ASCII and DEL, but for the quote and the
/// backslash. Any other character in a string (an escape, a control character, UTF-8) is left to the
/// On-Demand parse.
constexpr std::array<bool, 256> kPlainChar = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return t;
}();

/// Reads a callTracer frame, bare or as a JSON-RPC response's result, straight from the text in one
/// pass, without simdjson's stage 1 or any index of the tokens: each token is found as the walk reaches
/// it, the end of a hex string by the same vector kernels that check its digits (one pass over most of a
/// trace's bytes), whitespace 16 characters a compare (pretty-printed traces are a third blanks), and
/// an address where its 42 characters end. It reads only the common shape: keys and strings of printable
/// ASCII without escapes, addresses of 40 hex digits, quantities as strings, byte strings of whole hex
/// bytes in place, and unknown members of any (checked) JSON. On anything else, malformed or merely
/// unusual, it gives up and the caller parses the text again through On-Demand, which gives the same tree
/// or the error: what the walk accepts, the On-Demand parse reads the same way (same Builder calls, in the
/// same order), and it is stricter about what it skips.
///
/// It reads the padded text of a TraceText and relies on its padding (spaces, then the string's
/// terminating NUL): whitespace is the only token the padding can supply, so no token that closes a
/// value or the document can be read from it, and every scan stops by the NUL. A peek of a fixed size
/// (a literal, an address) is made only where it ends within the text, or starts at a character that
/// only the text can hold (a quote); a hex block reads at most 63 characters past the first that is no
/// hex digit.
class DirectWalk {
 public:
  DirectWalk(Builder& b, std::string_view text)
      : b_(b), p_(text.data()), end_(text.data() + text.size()), limit_(end_ + TraceText::kPadding) {}

  /// True when the whole text is one frame object read into the builder; false to give up.
  bool root() {
    ws();
    return frame(-1, 0) && rest_blank();
  }

  /// True when the whole text is a JSON-RPC response whose first `result` member is a frame object, read
  /// into the builder; false to give up (an error member that is not null, a result of another kind).
  bool envelope() {
    ws();
    if (*p_++ != '{') return false;
    ws();
    if (*p_ == '}') return false;
    bool read = false;
    for (;;) {
      std::string_view key;
      if (!string(key) || !colon()) return false;
      if (key == "result" && !read) {
        if (!frame(-1, 0)) return false;
        read = true;
      } else if (key == "error" && !starts("null")) {
        return false;
      } else if (!skip(0)) {
        return false;
      }
      if (const Next n = next('}'); n != kMore) {
        if (n == kBad) return false;
        break;
      }
    }
    ++p_;
    return read && rest_blank();
  }

 private:
  __attribute__((always_inline)) void ws() {
    if (!is_blank(*p_)) return;
    if (!is_blank(p_[1])) {  // one blank, as after a colon or a comma
      ++p_;
      return;
    }
    p_ = skip_blank(p_ + 2, limit_);
  }
  /// Nothing but whitespace from here to the end of the text.
  bool rest_blank() {
    if (p_ > end_) return false;
    ws();
    return p_ >= end_;
  }
  /// The text has `lit` here (not its padding: a peek past the text's end could leave the buffer).
  bool starts(std::string_view lit) const {
    return end_ - p_ >= static_cast<std::ptrdiff_t>(lit.size()) &&
           std::memcmp(p_, lit.data(), lit.size()) == 0;
  }
  /// Reads `lit` (true, false, null) when the text has it here.
  bool literal(std::string_view lit) {
    if (!starts(lit)) return false;
    p_ += lit.size();
    return true;
  }
  /// After a member or an element: past a comma and the whitespace after it (kMore), at `close` (kEnd,
  /// left for the caller), or at anything else (kBad).
  enum Next { kBad, kEnd, kMore };
  Next next(char close) {
    ws();
    if (*p_ == close) return kEnd;
    if (*p_ != ',') return kBad;
    ++p_;
    ws();
    return kMore;
  }

  /// Past the colon after a key, and the whitespace around it.
  __attribute__((always_inline)) bool colon() {
    ws();
    if (*p_++ != ':') return false;
    ws();
    return true;
  }
  /// The array here, each element read by `element` (true to go on); past its closing bracket.
  template <class Element>
  __attribute__((always_inline)) bool elements(Element&& element) {
    if (*p_++ != '[') return false;
    ws();
    if (*p_ != ']')
      for (Next n = kMore; n == kMore;)
        if (!element() || (n = next(']')) == kBad) return false;
    ++p_;
    return true;
  }

  /// A string of plain characters, quotes removed.
  bool string(std::string_view& out) {
    if (*p_ != '"') return false;
    const char* s = p_ + 1;
    const char* e = s;
    while (kPlainChar[static_cast<unsigned char>(*e)]) ++e;
    if (*e != '"') return false;
    out = std::string_view(s, static_cast<std::size_t>(e - s));
    p_ = e + 1;
    return true;
  }
  /// A string whose text is not read (a skipped member's), which may also hold JSON's escapes.
  bool skip_string() {
    if (*p_ != '"') return false;
    const char* e = p_ + 1;
    for (;;) {
      while (kPlainChar[static_cast<unsigned char>(*e)]) ++e;
      if (*e == '"') break;
      if (*e++ != '\\') return false;
      if (*e == 'u') {
        for (int k = 1; k <= 4; ++k)
          if (kHexTable[static_cast<unsigned char>(e[k])] > 0xf) return false;
        e += 5;
      } else if (std::strchr("\"\\/bfnrt", *e) != nullptr && *e != '\0') {
        ++e;
      } else {
        return false;
      }
    }
    p_ = e + 1;
    return true;
  }
  /// A string, quotes removed: "0x" and hex digits found by the hex kernels, any other by string().
  bool hex_string(std::string_view& out) {
    if (end_ - p_ >= 3 && p_[0] == '"' && p_[1] == '0' && p_[2] == 'x') {
      const std::size_t n = hex_run(p_ + 3);
      if (p_[3 + n] == '"') {
        out = std::string_view(p_ + 1, n + 2);
        p_ += n + 4;
        return true;
      }
    }
    return string(out);
  }

  /// The kind of the key here, as od_key_kind reads it; the key passed, with the colon and the whitespace
  /// around it. The keys a frame or log has are told by one 8-byte load and one table entry.
  bool key(Key& out) {
    if (*p_ != '"') return false;
    // The text is read once, front to back, mostly from memory (a trace held in a buffer has left the
    // caches): a few hundred bytes ahead is asked for at each member.
    __builtin_prefetch(p_ + 640);
    bool known = false;
    if constexpr (std::endian::native == std::endian::little) {
      const std::uint64_t w = load8(p_ + 1);
      const KeySlot& slot = kKeySlots[key_slot(w)];
      if (slot.key != Key::kOther && slot.tag.matches(w)) {
        out = slot.key;
        p_ += 1 + slot.length;
        known = true;
      }
    }
    if (!known) {
      std::string_view k;
      if (!string(k)) return false;
      out = classify_key(k);
    }
    return colon();
  }

  bool address(Address& out) {
    // The common case: "0x" and 40 hex digits.
    if (end_ - p_ >= 44 && p_[0] == '"' && p_[1] == '0' && p_[2] == 'x' && p_[43] == '"' &&
        hex_run(p_ + 3) == 40) {
      out = Builder::valid_hex_address(p_ + 3);
      p_ += 44;
      return true;
    }
    std::string_view s;
    return string(s) && read_address(s, out);
  }

  bool quantity(U256& out) {
    if (literal("null")) return true;
    std::string_view s;
    return hex_string(s) && read_quantity(s, out);
  }

  /// A byte string: whole hex bytes after an optional 0x, kept in place.
  bool hex_bytes(std::uint32_t& offset, std::uint32_t& size) {
    if (*p_ != '"') return false;
    const char* digits = p_ + 1;
    if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) digits += 2;
    const std::size_t n = hex_run(digits);
    if (digits[n] != '"' || !b_.hex_in_place(std::string_view(digits, n), offset, size)) return false;
    p_ = digits + n + 1;
    return true;
  }

  /// Skips the value here (any JSON, checked).
  bool skip(std::uint32_t depth) {
    std::string_view s;
    switch (*p_) {
      case '"': return skip_string();
      case '{':
        if (depth >= kMaxSkipDepth) return false;
        ++p_;
        ws();
        if (*p_ != '}')
          for (Next n = kMore; n == kMore;)
            if (!string(s) || !colon() || !skip(depth + 1) || (n = next('}')) == kBad) return false;
        ++p_;
        return true;
      case '[': return depth < kMaxSkipDepth && elements([&] { return skip(depth + 1); });
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: {
        const char* e = scan_number(p_, end_);
        if (e == nullptr) return false;
        p_ = e;
        return true;
      }
    }
  }

  /// The logs array here, each log's address, topics and data.
  bool logs() {
    const bool read = elements([&] {
      if (*p_++ != '{') return false;
      TraceLog log;
      ws();
      if (*p_ != '}')
        for (Next n = kMore; n == kMore;) {
          Key k = Key::kOther;
          if (!key(k)) return false;
          if (k == Key::kAddress) {
            if (!address(log.address)) return false;
          } else if (k == Key::kTopics) {
            const bool topics = elements([&] {
              std::string_view ts;
              if (!hex_string(ts)) return false;
              auto h = Hash32::parse(ts);
              if (!h) return false;
              log.topics.push_back(*h);
              return true;
            });
            if (!topics) return false;
          } else if (k == Key::kData) {
            if (!hex_bytes(log.data_offset, log.data_size)) return false;
          } else if (!skip(0)) {
            return false;
          }
          if ((n = next('}')) == kBad) return false;
        }
      ++p_;
      b_.trace.logs.push_back(std::move(log));
      return true;
    });
    if (read) b_.trace.has_logs = true;
    return read;
  }

  /// The frame object here and its calls.
  bool frame(std::int32_t parent, std::uint32_t depth) {
    if (*p_++ != '{') return false;
    auto opened = b_.open(parent, depth);
    if (!opened) return false;
    const std::size_t f = *opened;
    bool typed = false;
    ws();
    if (*p_ == '}') return false;  // no type
    for (Next n = kMore; n == kMore;) {
      Key k = Key::kOther;
      if (!key(k)) return false;
      Frame& fr = b_.trace.frames[f];
      switch (k) {
        case Key::kType: {
          std::string_view s;
          if (!string(s) || !Builder::kind_of(s, fr.kind)) return false;
          typed = true;
          break;
        }
        case Key::kFrom:
          if (!address(fr.from)) return false;
          break;
        case Key::kTo:
          if (!address(fr.to)) return false;
          break;
        case Key::kValue:
          if (!quantity(fr.value)) return false;
          break;
        case Key::kGasUsed: {
          U256 gas;
          if (!quantity(gas)) return false;
          fr.gas_used = gas.low_u64();
          break;
        }
        case Key::kInput:
          if (!hex_bytes(fr.input_offset, fr.input_size)) return false;
          b_.set_selector(f);
          break;
        case Key::kOutput:
          if (literal("null")) break;
          if (!hex_bytes(fr.output_offset, fr.output_size)) return false;
          fr.has_output = true;
          break;
        case Key::kError:
          if (literal("null")) break;
          if (*p_ != '"' && *p_ != '{' && *p_ != '[') return false;
          b_.mark_reverted(f);
          if (!skip(0)) return false;
          break;
        case Key::kLogs: {
          const auto begin = static_cast<std::uint32_t>(b_.trace.logs.size());
          if (!logs()) return false;
          b_.trace.frames[f].log_begin = begin;
          b_.trace.frames[f].log_count = static_cast<std::uint32_t>(b_.trace.logs.size()) - begin;
          break;
        }
        case Key::kCalls:
          if (literal("null")) break;
          if (!elements([&] { return frame(static_cast<std::int32_t>(f), depth + 1); })) return false;
          break;
        default:
          if (!skip(0)) return false;
      }
      if ((n = next('}')) == kBad) return false;
    }
    ++p_;
    if (!typed) return false;
    b_.close(f);
    return true;
  }

  Builder& b_;
  const char* p_;
  const char* end_;    // of the text
  const char* limit_;  // of its padding
};

std::atomic<bool> g_direct_walk{true};          // use_direct_walk() may turn it off
thread_local std::uint64_t t_direct_reads = 0;  // direct_walk_reads()

/// Parses a callTracer frame, bare or as a JSON-RPC response's result, through DirectWalk; false (and
/// `b` as it was given, with no source) when the text is not of the shape it reads, for the On-Demand
/// parse to take over. The root's first key tells the two apart as parse_root_ondemand does; a root that
/// starts with an "error" object (an error response) is left to On-Demand.
bool parse_root_fast(Builder& b, const TraceText& text) {
  if (!g_direct_walk.load(std::memory_order_relaxed)) return false;
  const std::string_view json = text.view();
  const std::string_view k = first_key(json);
  if (k.empty() || opens_with_error_object(json, k)) return false;
  const bool envelope = k == "jsonrpc" || k == "id" || k == "result";
  if (!b.adopt_source(text)) return false;
  DirectWalk walk(b, json);
  if (envelope ? walk.envelope() : walk.root()) {
    ++t_direct_reads;
    return true;
  }
  b.reset();
  return false;
}

/// What the On-Demand pass found at the root.
enum class RootShape { kFrame, kParity };

/// Parses a callTracer frame, bare or as a JSON-RPC envelope's result, in one On-Demand pass. Returns
/// kParity (and leaves `b` empty) when the envelope holds an array: a parity-style trace.
Result<RootShape> parse_root_ondemand(Builder& b, const TraceText& text) {
  thread_local od::parser parser;
  BULWARK_TRY(padded, b.adopt_source(text));
  const std::string_view json = text.view();
  od::document doc;
  auto invalid = [](simdjson::error_code e) {
    return fail(ErrorCode::kInvalidArgument,
                std::string("trace is not valid JSON: ") + std::string(json_error_name(e)));
  };
  if (auto e = parser.iterate(padded).get(doc)) return invalid(e);
  od::object o;
  if (auto e = doc.get_object().get(o)) {
    if (e == simdjson::INCORRECT_TYPE)
      return fail(ErrorCode::kInvalidArgument, "a callTracer trace must be a JSON object (its root frame)");
    return invalid(e);
  }
  const std::string_view k = first_key(json);
  const bool error_object = opens_with_error_object(json, k);
  if (k != "jsonrpc" && k != "id" && k != "result" && !error_object) {
    BULWARK_CHECK(od_frame(b, o, -1, 0));
    return RootShape::kFrame;
  }
  for (auto fr : o) {
    od::field field;
    if (auto e = std::move(fr).get(field)) return invalid(e);
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return invalid(e);
    od::value v = field.value();
    if (key == "error") {
      od::object err;
      if (v.get_object().get(err) != simdjson::SUCCESS) continue;
      std::string_view msg = "(no message)";
      for (auto ef : err) {
        od::field f2;
        if (std::move(ef).get(f2) != simdjson::SUCCESS) break;
        std::string_view k2;
        if (f2.unescaped_key().get(k2) == simdjson::SUCCESS && k2 == "message" &&
            f2.value().get_string().get(msg) != simdjson::SUCCESS)
          msg = "(no message)";
      }
      return fail(ErrorCode::kUnavailable, "node returned an error instead of a trace: " + std::string(msg));
    }
    if (key != "result") continue;
    od::json_type t;
    if (auto e = v.type().get(t)) return invalid(e);
    if (t == od::json_type::array) return RootShape::kParity;
    od::object frame;
    if (v.get_object().get(frame) != simdjson::SUCCESS)
      return fail(ErrorCode::kInvalidArgument, "a callTracer trace must be a JSON object (its root frame)");
    BULWARK_CHECK(od_frame(b, frame, -1, 0));
    return RootShape::kFrame;
  }
  return fail(ErrorCode::kInvalidArgument, "the JSON-RPC response holds no result");
}

}  // namespace

bool use_direct_walk(bool on) {
  return g_direct_walk.exchange(on, std::memory_order_relaxed);
}

std::uint64_t direct_walk_reads() {
  return t_direct_reads;
}

TraceText::TraceText(std::string text) : size_(text.size()) {
  text.append(kPadding, ' ');  // in place when the capacity allows
  buf_ = std::make_shared<const std::string>(std::move(text));
}

TraceText TraceText::copy_of(std::string_view text) {
  std::string s;
  s.reserve(text.size() + kPadding);
  s.assign(text);
  return TraceText(std::move(s));
}

Result<Trace> parse_call_trace(std::string_view json, const ParseLimits& limits) {
  return parse_call_trace(TraceText::copy_of(json), limits);
}

Result<Trace> parse_call_trace(const TraceText& json, const ParseLimits& limits) {
  Builder b(limits);
  if (parse_root_fast(b, json)) {
    propagate_failure(b.trace);
    return std::move(b.trace);
  }
  BULWARK_TRY(shape, parse_root_ondemand(b, json));
  if (shape == RootShape::kParity)
    return fail(ErrorCode::kInvalidArgument,
                "the result is an array: a parity-style trace, not a callTracer frame");
  propagate_failure(b.trace);
  return std::move(b.trace);
}

Result<Trace> parse_parity_trace(std::string_view json, const ParseLimits& limits) {
  thread_local simdjson::dom::parser parser;
  BULWARK_TRY(root, open_document(parser, json, limits));
  array a;
  if (root.get(a) != simdjson::SUCCESS)
    return fail(ErrorCode::kInvalidArgument, "a parity trace must be a JSON array of trace entries");
  Builder b(limits);
  BULWARK_CHECK(parse_parity(b, a));
  propagate_failure(b.trace);
  return std::move(b.trace);
}

namespace {

/// One step of the struct-log tracer, as much of it as the call tree needs.
struct Step {
  std::string_view op;
  std::uint64_t depth = 0;
  array stack;
  array memory;
  bool has_memory = false;
};

/// The stack word `back` places below the top (0 = the top). False when the stack is shorter.
bool stack_word(const Step& st, std::size_t back, U256& out) {
  const std::size_t n = st.stack.size();
  if (back >= n) return false;
  element e = st.stack.at(n - 1 - back).value_unsafe();
  std::string_view s;
  if (e.get(s) != simdjson::SUCCESS) return false;
  auto v = U256::from_hex(s);
  if (!v) return false;
  out = *v;
  return true;
}

/// `size` bytes of memory from `offset` (zero beyond what was recorded), as hex appended to `hex`.
Status memory_hex(Builder& b, const Step& st, const U256& offset, const U256& size, std::uint32_t& out_off,
                  std::uint32_t& out_size) {
  out_off = static_cast<std::uint32_t>(b.trace.hex.size()) | Trace::kArenaBit;
  out_size = 0;
  if (!st.has_memory || size.is_zero()) return {};
  if (!offset.fits_u64() || !size.fits_u64() || size.low_u64() > (1u << 24))
    return b.fail_at("a call or log reads more memory than a transaction can hold");
  const std::uint64_t off = offset.low_u64(), len = size.low_u64();
  std::string out;
  out.reserve(2 * len);
  for (std::uint64_t k = off; k < off + len; ++k) {
    const std::uint64_t w = k / 32, in = k % 32;
    std::string_view word;
    if (w < st.memory.size() && st.memory.at(w).get(word) == simdjson::SUCCESS) {
      word = strip_hex_prefix(word);
      if (word.size() == 64) {
        out.append(word.substr(2 * in, 2));
        continue;
      }
    }
    out.append("00");
  }
  BULWARK_CHECK(b.bytes(out, out_off, out_size, "memory"));
  return {};
}

}  // namespace

Result<Trace> parse_struct_logs(std::string_view json, const TxCall& tx, const ParseLimits& limits) {
  thread_local simdjson::dom::parser parser;
  BULWARK_TRY(root, open_document(parser, json, limits));
  object top;
  array logs;
  if (root.get(top) != simdjson::SUCCESS || top["structLogs"].get(logs) != simdjson::SUCCESS)
    return fail(ErrorCode::kInvalidArgument, "a struct-log trace must be an object with a structLogs array");
  Builder b(limits);
  auto bad = [&](const std::string& m) { return std::unexpected(b.fail_at(m).error()); };
  BULWARK_TRY(r, b.open(-1, 0));
  {
    Frame& f = b.trace.frames[r];
    f.kind = tx.create ? CallKind::kCreate : CallKind::kCall;
    f.from = tx.from;
    f.to = tx.to;
    f.value = tx.value;
  }
  BULWARK_CHECK(b.bytes(tx.input_hex, b.trace.frames[r].input_offset, b.trace.frames[r].input_size, "input"));
  b.set_selector(r);
  bool failed = false;
  if (top["failed"].get(failed) == simdjson::SUCCESS && failed) b.mark_reverted(r);

  auto context = [&](std::size_t i) -> const Address& {
    const Frame& f = b.trace.frames[i];
    return f.kind == CallKind::kDelegateCall || f.kind == CallKind::kCallCode ? f.from : f.to;
  };
  std::vector<std::size_t> open{r};    // frames executing, outermost first (struct-log depth = index + 1)
  std::optional<std::size_t> pending;  // a call just made, not yet known to run code
  std::uint64_t pending_depth = 0;
  bool steps_have_memory = false;

  // After a call returns to its caller (or ran no code), the caller's next step has the result on top
  // of its stack: the success flag of a call, the new address of a create (0 on failure).
  std::map<std::size_t, std::pair<U256, U256>> ret_area;  // call frame -> (retOffset, retLength)
  auto settle = [&](std::size_t child, const Step& st) -> Status {
    // The return data lands in the caller's memory at retOffset: the output as the caller saw it.
    if (auto it = ret_area.find(child);
        it != ret_area.end() && st.has_memory && !it->second.second.is_zero()) {
      std::uint32_t oo = 0, os = 0;
      BULWARK_CHECK(memory_hex(b, st, it->second.first, it->second.second, oo, os));
      b.trace.frames[child].output_offset = oo;
      b.trace.frames[child].output_size = os;
      b.trace.frames[child].has_output = true;
    }
    Frame& f = b.trace.frames[child];
    U256 top_word;
    const bool known = stack_word(st, 0, top_word);
    if (f.kind == CallKind::kCreate || f.kind == CallKind::kCreate2) {
      if (known && !top_word.is_zero()) {
        const auto bytes = top_word.to_be_bytes();
        f.to = Address::from_bytes(std::span<const std::uint8_t, 20>(bytes.data() + 12, 20));
      } else {
        b.mark_reverted(child);
      }
    } else if (f.kind != CallKind::kSelfDestruct && known && top_word.is_zero()) {
      b.mark_reverted(child);
    }
    return {};
  };

  std::size_t k = 0;
  for (element le : logs) {
    ++k;
    object lo;
    if (le.get(lo) != simdjson::SUCCESS) return bad("struct log " + std::to_string(k) + " is not an object");
    Step st;
    if (lo["op"].get(st.op) != simdjson::SUCCESS)
      return bad("struct log " + std::to_string(k) + " has no op");
    element d;
    U256 depth;
    if (lo["depth"].get(d) != simdjson::SUCCESS)
      return bad("struct log " + std::to_string(k) + " has no depth");
    BULWARK_CHECK(b.quantity(d, depth, "depth"));
    st.depth = depth.low_u64();
    if (st.depth == 0 || st.depth > limits.max_depth + 1) return bad("struct log depth out of range");
    if (lo["stack"].get(st.stack) != simdjson::SUCCESS) st.stack = array();
    st.has_memory = lo["memory"].get(st.memory) == simdjson::SUCCESS;
    steps_have_memory = steps_have_memory || st.has_memory;

    if (pending) {
      if (st.depth == pending_depth + 1) {
        open.push_back(*pending);  // the callee runs code
      } else {
        b.close(*pending);  // no code ran (an account without code, a precompile)
        BULWARK_CHECK(settle(*pending, st));
      }
      pending.reset();
    }
    while (open.size() > st.depth) {
      const std::size_t child = open.back();
      open.pop_back();
      b.close(child);
      if (open.size() == st.depth) BULWARK_CHECK(settle(child, st));
    }
    if (open.size() < st.depth) return bad("struct log " + std::to_string(k) + " jumps in depth");
    const std::size_t cur = open.back();
    const std::string_view op = st.op;
    const bool call = op == "CALL" || op == "CALLCODE" || op == "DELEGATECALL" || op == "STATICCALL";
    const bool create = op == "CREATE" || op == "CREATE2";
    if (call || create) {
      BULWARK_TRY(c, b.open(static_cast<std::int32_t>(cur), static_cast<std::uint32_t>(open.size())));
      Frame& f = b.trace.frames[c];
      f.from = context(cur);
      U256 addr, value, off, len;
      if (call) {
        f.kind = op == "CALL"           ? CallKind::kCall
                 : op == "CALLCODE"     ? CallKind::kCallCode
                 : op == "DELEGATECALL" ? CallKind::kDelegateCall
                                        : CallKind::kStaticCall;
        const bool has_value = f.kind == CallKind::kCall || f.kind == CallKind::kCallCode;
        if (!stack_word(st, 1, addr) || (has_value && !stack_word(st, 2, value)) ||
            !stack_word(st, has_value ? 3 : 2, off) || !stack_word(st, has_value ? 4 : 3, len))
          return bad("struct log " + std::to_string(k) + ": " + std::string(op) + " with a short stack");
        const auto bytes = addr.to_be_bytes();
        b.trace.frames[c].to = Address::from_bytes(std::span<const std::uint8_t, 20>(bytes.data() + 12, 20));
        U256 ret_off, ret_len;
        if (stack_word(st, has_value ? 5 : 4, ret_off) && stack_word(st, has_value ? 6 : 5, ret_len))
          ret_area[c] = {ret_off, ret_len};
        b.trace.frames[c].value = has_value ? value
                                  : b.trace.frames[c].kind == CallKind::kDelegateCall
                                      ? b.trace.frames[cur].value
                                      : U256{};
      } else {
        f.kind = op == "CREATE" ? CallKind::kCreate : CallKind::kCreate2;
        if (!stack_word(st, 0, value) || !stack_word(st, 1, off) || !stack_word(st, 2, len))
          return bad("struct log " + std::to_string(k) + ": " + std::string(op) + " with a short stack");
        b.trace.frames[c].value = value;
      }
      std::uint32_t io = 0, is = 0;
      BULWARK_CHECK(memory_hex(b, st, off, len, io, is));
      b.trace.frames[c].input_offset = io;
      b.trace.frames[c].input_size = is;
      b.set_selector(c);
      pending = c;
      pending_depth = st.depth;
    } else if (op == "SELFDESTRUCT" || op == "SUICIDE") {
      BULWARK_TRY(c, b.open(static_cast<std::int32_t>(cur), static_cast<std::uint32_t>(open.size())));
      U256 to;
      stack_word(st, 0, to);
      const auto bytes = to.to_be_bytes();
      b.trace.frames[c].kind = CallKind::kSelfDestruct;
      b.trace.frames[c].from = context(cur);
      b.trace.frames[c].to = Address::from_bytes(std::span<const std::uint8_t, 20>(bytes.data() + 12, 20));
      b.close(c);
    } else if (op.size() == 4 && op.substr(0, 3) == "LOG" && op[3] >= '0' && op[3] <= '4' && st.has_memory) {
      const std::size_t n = static_cast<std::size_t>(op[3] - '0');
      U256 off, len;
      if (!stack_word(st, 0, off) || !stack_word(st, 1, len))
        return bad("struct log " + std::to_string(k) + ": " + std::string(op) + " with a short stack");
      TraceLog log;
      log.address = context(cur);
      for (std::size_t t = 0; t < n; ++t) {
        U256 topic;
        if (!stack_word(st, 2 + t, topic))
          return bad("struct log " + std::to_string(k) + ": " + std::string(op) + " with a short stack");
        log.topics.push_back(Hash32{topic.to_be_bytes()});
      }
      BULWARK_CHECK(memory_hex(b, st, off, len, log.data_offset, log.data_size));
      // Logs are grouped by frame: this frame's logs must be contiguous, so only the latest frame logs
      // in place; an outer frame logging after a call is appended the same way (its range grows).
      Frame& f = b.trace.frames[cur];
      if (f.log_count == 0) f.log_begin = static_cast<std::uint32_t>(b.trace.logs.size());
      if (f.log_begin + f.log_count != b.trace.logs.size()) {
        // Not contiguous (a child logged in between): move this frame's earlier logs to the end.
        std::vector<TraceLog> mine(b.trace.logs.begin() + f.log_begin,
                                   b.trace.logs.begin() + f.log_begin + f.log_count);
        for (auto& l : mine) b.trace.logs.push_back(l);
        f.log_begin = static_cast<std::uint32_t>(b.trace.logs.size() - mine.size());
      }
      b.trace.logs.push_back(std::move(log));
      ++f.log_count;
    }
  }
  if (pending) b.close(*pending);
  while (!open.empty()) {
    b.close(open.back());
    open.pop_back();
  }
  b.trace.has_logs = steps_have_memory;
  propagate_failure(b.trace);
  return std::move(b.trace);
}

namespace {

/// True when the first non-blank character of `json` opens an array (a bare parity-style trace).
bool starts_array(std::string_view json) {
  std::size_t i = 0;
  while (i < json.size() && is_blank(json[i])) ++i;
  return i < json.size() && json[i] == '[';
}

}  // namespace

Result<Trace> parse_any_trace(std::string_view json, const ParseLimits& limits) {
  if (starts_array(json)) return parse_parity_trace(json, limits);
  return parse_any_trace(TraceText::copy_of(json), limits);
}

Result<Trace> parse_any_trace(const TraceText& json, const ParseLimits& limits) {
  Trace t;
  BULWARK_CHECK(parse_any_trace_into(json, t, limits));
  return t;
}

Status parse_any_trace_into(const TraceText& json, Trace& out, const ParseLimits& limits) {
  auto parity = [&]() -> Status {  // a parity-style trace: parsed anew (`out` left empty on an error)
    recycle(out);
    BULWARK_TRY(t, parse_parity_trace(json.view(), limits));
    out = std::move(t);
    return {};
  };
  if (starts_array(json.view())) return parity();
  Builder b(limits);
  b.trace = std::move(out);  // its buffers, emptied
  b.reset();
  auto give_back = [&] {  // `out` gets the buffers back, holding this trace or (after an error) nothing
    out = std::move(b.trace);
  };
  if (parse_root_fast(b, json)) {
    propagate_failure(b.trace);
    give_back();
    return {};
  }
  auto shape = parse_root_ondemand(b, json);
  if (!shape || *shape == RootShape::kParity) {
    b.reset();
    give_back();
    if (!shape) return std::unexpected(std::move(shape.error()));
    return parity();
  }
  propagate_failure(b.trace);
  give_back();
  return {};
}

}  // namespace bulwark::chain
