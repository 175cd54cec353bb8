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

/// A hash of an address for the tables a transaction fills: every byte reaches the low bits a table keeps
/// (addresses that differ only in their last bytes must not share a slot), and the mix is keyed with
/// kAddressSetKey: the addresses of a transaction are the sender's choice (CREATE2 lets it grind them,
/// and calldata words are whatever it writes), and a fixed hash would let it pick thousands that collide
/// and make every lookup a scan.
struct KeyedAddressHash {
  std::size_t operator()(const Address& a) const noexcept {
    std::uint64_t x, y;
    std::uint32_t z;
    std::memcpy(&x, a.bytes().data(), 8);
    std::memcpy(&y, a.bytes().data() + 8, 8);
    std::memcpy(&z, a.bytes().data() + 16, 4);
    std::uint64_t h = (x ^ kAddressSetKey) * 0x9e3779b97f4a7c15ULL;
    h = (h ^ (h >> 32) ^ y) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 29) ^ z) * 0x94d049bb133111ebULL;
    return static_cast<std::size_t>(h ^ (h >> 32));
  }
};

/// A set of addresses: insert and contains, amortised O(1). Up to kSmall addresses it is a short array
/// inside the object, scanned (most transactions touch few accounts, and a set is made per transaction:
/// the array is never cleared, only its first `count_` entries are read); beyond, an open-addressing
/// table with linear probing on the heap. Not copyable; not thread-safe to mutate.
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
    if (a.is_zero()) {
      const bool added = !has_zero_;
      has_zero_ = true;
      return added;
    }
    if (heap_.empty()) {
      for (std::size_t k = 0; k < count_; ++k)
        if (small(k) == a) return false;
      if (count_ < kSmall) {
        std::memcpy(small_ + kSize * count_++, a.bytes().data(), kSize);
        return true;
      }
      rehash(4 * kSmall);
    }
    if (2 * (count_ + 1) > mask_ + 1) rehash(2 * (mask_ + 1));
    std::size_t i = index(a);
    while (!heap_[i].is_zero()) {
      if (heap_[i] == a) return false;
      i = (i + 1) & mask_;
    }
    heap_[i] = a;
    ++count_;
    return true;
  }

  /// True when `a` was inserted.
  bool contains(const Address& a) const {
    if (a.is_zero()) return has_zero_;
    if (heap_.empty()) {
      for (std::size_t k = 0; k < count_; ++k)
        if (small(k) == a) return true;
      return false;
    }
    for (std::size_t i = index(a);; i = (i + 1) & mask_) {
      if (heap_[i] == a) return true;
      if (heap_[i].is_zero()) return false;
    }
  }

  /// The number of distinct addresses inserted.
  std::size_t size() const { return count_ + (has_zero_ ? 1 : 0); }
  bool empty() const { return size() == 0; }

 private:
  static constexpr std::size_t kSmall = 8;
  static constexpr std::size_t kSize = 20;  // bytes of an address

  static std::size_t capacity_for(std::size_t n) {
    std::size_t c = 4 * kSmall;
    while (c < 2 * n) c *= 2;
    return c;
  }

  Address small(std::size_t k) const {
    return Address::from_bytes(std::span<const std::uint8_t, kSize>(small_ + kSize * k, kSize));
  }

  std::size_t index(const Address& a) const { return KeyedAddressHash{}(a)&mask_; }

  /// Moves every address (the short array's or the table's) into a table of `capacity` slots. The zero
  /// address marks an empty slot there; whether the set holds it is kept aside.
  void rehash(std::size_t capacity) {
    std::vector<Address> old;
    if (heap_.empty()) {
      for (std::size_t k = 0; k < count_; ++k) old.push_back(small(k));
    } else {
      old.swap(heap_);
    }
    heap_.assign(capacity, Address{});
    mask_ = capacity - 1;
    count_ = 0;
    for (const Address& a : old)
      if (!a.is_zero()) {
        std::size_t i = index(a);
        while (!heap_[i].is_zero()) i = (i + 1) & mask_;
        heap_[i] = a;
        ++count_;
      }
  }

  std::uint8_t small_[kSmall * kSize];  // the first count_ entries, while heap_ is empty; never cleared
  std::vector<Address> heap_;           // the table, once there is one
  std::size_t mask_ = 0;
  std::size_t count_ = 0;  // addresses other than zero
  bool has_zero_ = false;
};

}  // namespace bulwark::detect
