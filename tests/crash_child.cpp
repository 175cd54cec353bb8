// Child process for the crash test: buys cover on product 1 of the given store in a loop and
// prints "committed <policy id>" after each purchase has committed. It is killed with SIGKILL at
// random points; the parent then checks the store.

#include <cstdio>
#include <cstdlib>
#include <string>

#include "bulwark/cover/ledger.hpp"

int main(int argc, char** argv) {
  using namespace bulwark;
  if (argc != 3) {
    std::fprintf(stderr, "usage: crash_child STORE_URL ASSET_KEY\n");
    return 2;
  }
  auto st = store::open_store(argv[1]);
  if (!st) {
    std::fprintf(stderr, "crash_child: %s\n", st.error().message.c_str());
    return 1;
  }
  FakeClock clock(1'700'000'000);
  cover::Ledger ledger(**st, clock);
  const auto holder = *Address::parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  for (std::uint64_t i = 1;; ++i) {
    auto p = ledger.buy({holder, {1, U256(1'000 + i % 977), argv[2], 365}, U256::max()});
    if (!p) {
      std::fprintf(stderr, "crash_child: %s\n", p.error().message.c_str());
      return 1;
    }
    std::printf("committed %lld\n", static_cast<long long>(p->id));
    std::fflush(stdout);
  }
}
