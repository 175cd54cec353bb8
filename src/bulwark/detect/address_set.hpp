#pragma once
/// A flat set of addresses for the detectors' per-transaction membership tests ("is this an actor, a
/// contract?"), asked many times per flow: open addressing with linear probing in one array, no node per
/// element and a hash of three word loads (std::unordered_set<Address> allocates a node per element,
/// hashes byte by byte and scans linearly while small). Membership only: it promises no iteration order,
/// so nothing that is reported may be read out of it.

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "bulwark/core/address.hpp"

namespace bulwark::detect {

/// A set of addresses: insert and contains, amortised O(1). Up to 8 addresses it lives inline (most
/// transactions touch few accounts), beyond on the heap. Not copyable (it points into itself); not
/// thread-safe to mutate.
class AddressSet {
 public:
  /// An empty set with room for about `expected` addresses before it grows.
  explicit AddressSet(std::size_t expected = 0) {
    if (capacity_for(expected) > kInline) rehash(capacity_for(expected));
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
    if (2 * (count_ + 1) > mask_ + 1) rehash(2 * (mask_ + 1));
    std::size_t i = index(a);
    while (!slots_[i].is_zero()) {
      if (slots_[i] == a) return false;
      i = (i + 1) & mask_;
    }
    slots_[i] = a;
    ++count_;
    return true;
  }

  /// True when `a` was inserted.
  bool contains(const Address& a) const {
    if (a.is_zero()) return has_zero_;
    for (std::size_t i = index(a);; i = (i + 1) & mask_) {
      if (slots_[i] == a) return true;
      if (slots_[i].is_zero()) return false;
    }
  }

  /// The number of distinct addresses inserted.
  std::size_t size() const { return count_ + (has_zero_ ? 1 : 0); }
  bool empty() const { return size() == 0; }

 private:
  // The zero address marks an empty slot; whether the set holds it is kept aside.
  static constexpr std::size_t kInline = 16;

  static std::size_t capacity_for(std::size_t n) {
    std::size_t c = kInline;
    while (c < 2 * n) c *= 2;
    return c;
  }

  std::size_t index(const Address& a) const {
    std::uint64_t x, y;
    std::uint32_t z;
    std::memcpy(&x, a.bytes().data(), 8);
    std::memcpy(&y, a.bytes().data() + 8, 8);
    std::memcpy(&z, a.bytes().data() + 16, 4);
    std::uint64_t h = (x ^ (y * 0x9e3779b97f4a7c15ULL) ^ (std::uint64_t{z} << 29)) * 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 31;
    return static_cast<std::size_t>(h) & mask_;
  }

  void rehash(std::size_t capacity) {
    std::vector<Address> old(slots_, slots_ + mask_ + 1);
    heap_.assign(capacity, Address{});
    slots_ = heap_.data();
    mask_ = capacity - 1;
    count_ = 0;
    for (const Address& a : old)
      if (!a.is_zero()) {
        std::size_t i = index(a);
        while (!slots_[i].is_zero()) i = (i + 1) & mask_;
        slots_[i] = a;
        ++count_;
      }
  }

  std::array<Address, kInline> inline_{};
  std::vector<Address> heap_;
  Address* slots_ = inline_.data();
  std::size_t mask_ = kInline - 1;
  std::size_t count_ = 0;
  bool has_zero_ = false;
};

}  // namespace bulwark::detect
