// Child process for the payout crash test: pays the confirmed parametric incident of the given
// store one payout per store transaction and prints "paid <policy id>" after each has committed,
// then "done". It is killed with SIGKILL at random points; the parent then checks the store.

#include <cstdio>
#include <cstdlib>

#include "bulwark/cover/payouts.hpp"

int main(int argc, char** argv) {
  using namespace bulwark;
  if (argc != 3) {
    std::fprintf(stderr, "usage: claims_crash_child STORE_URL NOW\n");
    return 2;
  }
  auto st = store::open_store(argv[1]);
  if (!st) {
    std::fprintf(stderr, "claims_crash_child: %s\n", st.error().message.c_str());
    return 1;
  }
  FakeClock clock(std::strtoll(argv[2], nullptr, 10));
  cover::ClaimsConfig config;
  config.payout_batch = 1;
  cover::Payouts payouts(**st, clock, config);
  for (;;) {
    auto run = payouts.run_batch();
    if (!run) {
      std::fprintf(stderr, "claims_crash_child: %s\n", run.error().message.c_str());
      return 1;
    }
    for (const auto& p : run->payouts) std::printf("paid %lld\n", static_cast<long long>(p.policy_id));
    std::fflush(stdout);
    if (run->remaining == 0) break;
  }
  std::printf("done\n");
  std::fflush(stdout);
  return 0;
}
