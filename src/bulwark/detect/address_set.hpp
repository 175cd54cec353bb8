#pragma once
/// A flat set of addresses for the detectors' per-transaction membership tests ("is this an actor, a
/// contract?"), asked many times per flow: no node per element and no byte-by-byte hash
/// (std::unordered_set<Address> allocates a node per element, hashes byte by byte and scans linearly
/// while small). Membership only: it promises no iteration order, so nothing that is reported may be
/// read out of it.

#include <chrono>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "bulwark/core/address.hpp"

namespace bulwark::detect {

/// The key of AddressSet's hash, drawn once when the program starts (a plain load to read, where a
/// function's static would be checked on each call).
inline const std::uint64_t kAddressSetKey = []() -> std::uint64_t {
  try {
    std::random_device rd;
    return std::uint64_t{rd()} << 32 | rd();
  } catch (...) {  // no entropy source: the clock, which the sender cannot know either
    return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) *
           0x9e3779b97f4a7c15ULL;
  }
}();

namespace detail {
/// An address as three machine words (bytes 0-7, 8-15, 16-19), the form the tables below compare.
struct AddressWords {
  std::uint64_t w0, w1;
  std::uint32_t w2;
  static AddressWords of(const Address& a) noexcept {
    AddressWords k;
    std::memcpy(&k.w0, a.bytes().data(), 8);
    std::memcpy(&k.w1, a.bytes().data() + 8, 8);
    std::memcpy(&k.w2, a.bytes().data() + 16, 4);
    return k;
  }
};

/// The keyed mix of an address's words (see KeyedAddressHash).
inline std::uint64_t keyed_mix(const AddressWords& k) noexcept {
  std::uint64_t h = (k.w0 ^ kAddressSetKey) * 0x9e3779b97f4a7c15ULL;
  h = (h ^ (h >> 32) ^ k.w1) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 29) ^ k.w2) * 0x94d049bb133111ebULL;
  return h ^ (h >> 32);
}
}  // namespace detail

/// A hash of an address for the tables a transaction fills: every byte reaches the low bits a table keeps
/// (addresses that differ only in their last bytes must not share a slot), and the mix is keyed with
/// kAddressSetKey: the addresses of a transaction are the sender's choice (CREATE2 lets it grind them,
/// and calldata words are whatever it writes), and a fixed hash would let it pick thousands that collide
/// and make every lookup a scan.
struct KeyedAddressHash {
  std::size_t operator()(const Address& a) const noexcept {
    return static_cast<std::size_t>(detail::keyed_mix(detail::AddressWords::of(a)));
  }
};

/// A set of addresses: insert and contains, amortised O(1). Up to kSmall addresses it is a short array
/// inside the object, scanned (most transactions touch few accounts, and a set is made per transaction:
/// the array is never cleared, only its first `count_` entries are read); beyond, an open-addressing
/// table with linear probing on the heap. Each entry holds the address as three words, and in the table
/// a tag from the hash's high bits (never zero; zero marks an empty slot), so that a probe that misses
/// is told apart by one compare. Not copyable; not thread-safe to mutate.
class AddressSet {
 public:
  /// An empty set with room for about `expected` addresses before it grows.
  explicit AddressSet(std::size_t expected = 0) {
    if (expected > kSmall) rehash(capacity_for(expected));
  }
  AddressSet(const AddressSet&) = delete;
  AddressSet& operator=(const AddressSet&) = delete;

  /// Adds `a`; true when it was not there yet.
  bool insert(const Address& a) {
    const auto k = detail::AddressWords::of(a);
    if (heap_.empty()) {
      for (std::size_t i = 0; i < count_; ++i)
        if (first_word_first(small_[i], k)) return false;
      if (count_ < kSmall) {
        small_[count_++] = Slot{k.w0, k.w1, k.w2, 1};
        return true;
      }
      rehash(4 * kSmall);
    }
    if (2 * (count_ + 1) > mask_ + 1) rehash(2 * (mask_ + 1));
    const std::uint64_t h = detail::keyed_mix(k);
    const std::uint32_t tag = tag_of(h);
    std::size_t i = h & mask_;
    for (; heap_[i].tag != 0; i = (i + 1) & mask_)
      if (heap_[i].tag == tag && same(heap_[i], k)) return false;
    heap_[i] = Slot{k.w0, k.w1, k.w2, tag};
    ++count_;
    return true;
  }

  /// True when `a` was inserted.
  bool contains(const Address& a) const {
    const auto k = detail::AddressWords::of(a);
    if (heap_.empty()) {
      for (std::size_t i = 0; i < count_; ++i)
        if (first_word_first(small_[i], k)) return true;
      return false;
    }
    const std::uint64_t h = detail::keyed_mix(k);
    const std::uint32_t tag = tag_of(h);
    for (std::size_t i = h & mask_; heap_[i].tag != 0; i = (i + 1) & mask_)
      if (heap_[i].tag == tag && same(heap_[i], k)) return true;
    return false;
  }

  /// The number of distinct addresses inserted.
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }

 private:
  static constexpr std::size_t kSmall = 8;

  struct Slot {
    std::uint64_t w0, w1;
    std::uint32_t w2;
    std::uint32_t tag;  // in the table: 0 for an empty slot
  };

  /// Equality without branches, for a slot whose tag already matched (most likely the address).
  static bool same(const Slot& s, const detail::AddressWords& k) {
    return ((s.w0 ^ k.w0) | (s.w1 ^ k.w1) | std::uint64_t{s.w2 ^ k.w2}) == 0;
  }
  /// Equality for the short array, where most entries differ in their first word: one compare each,
  /// the rest only on a match.
  static bool first_word_first(const Slot& s, const detail::AddressWords& k) {
    return s.w0 == k.w0 && s.w1 == k.w1 && s.w2 == k.w2;
  }
  static std::uint32_t tag_of(std::uint64_t h) { return static_cast<std::uint32_t>(h >> 32) | 1; }

  static std::size_t capacity_for(std::size_t n) {
    std::size_t c = 4 * kSmall;
    while (c < 2 * n) c *= 2;
    return c;
  }

  /// Moves every address (the short array's or the table's) into a table of `capacity` slots.
  void rehash(std::size_t capacity) {
    std::vector<Slot> old;
    if (heap_.empty())
      old.assign(small_, small_ + count_);
    else
      old.swap(heap_);
    heap_.assign(capacity, Slot{0, 0, 0, 0});
    mask_ = capacity - 1;
    count_ = 0;
    for (const Slot& s : old) {
      if (s.tag == 0) continue;
      const std::uint64_t h = detail::keyed_mix({s.w0, s.w1, s.w2});
      std::size_t i = h & mask_;
      while (heap_[i].tag != 0) i = (i + 1) & mask_;
      heap_[i] = Slot{s.w0, s.w1, s.w2, tag_of(h)};
      ++count_;
    }
  }

  Slot small_[kSmall];      // the first count_ entries, while heap_ is empty; never cleared
  std::vector<Slot> heap_;  // the table, once there is one
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
};

}  // namespace bulwark::detect
