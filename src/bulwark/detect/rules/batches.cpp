// Batch transfers whose total overflows 256 bits. Declared in rules.hpp.

#include "bulwark/detect/rules.hpp"

#include <vector>

namespace bulwark::detect::rules {

std::vector<BatchOverflow> find_batch_overflows(const Facts& x) {
  std::vector<BatchOverflow> out;
  if (!x.batch_shaped) return out;
  const Trace& t = x.t;
  for (std::size_t i = 0; i < t.frames.size(); ++i) {
    const Frame& f = t.frames[i];
    if (f.failed || !batch_shaped_call(f)) continue;
    // The length word (the third) must count exactly the words after it: read it before the others.
    const std::uint64_t n = (f.input_size - 4) / 32 - 3;
    U256 w0, w1, w2;
    if (!t.word(f, 2, w2) || w2 != U256(n) || !t.word(f, 0, w0) || !t.word(f, 1, w1)) continue;
    const U256* amount = w0 == U256(0x40) ? &w1 : w1 == U256(0x40) ? &w0 : nullptr;
    if (amount == nullptr || amount->is_zero() || amount->checked_mul(U256(n))) continue;
    BatchOverflow b{i, *amount, {}};
    bool addresses = true;
    for (std::uint64_t k = 0; k < n && addresses; ++k) {
      U256 w;
      addresses = t.word(f, 3 + k, w) && is_address_word(w) && !w.is_zero();
      if (addresses) b.recipients.push_back(word_address(w));
    }
    if (addresses) out.push_back(std::move(b));
  }
  return out;
}

}  // namespace bulwark::detect::rules
