#pragma once
/// The `bulwark` command line: parses options and calls the library. No business logic lives here.

#include <iosfwd>

#include "bulwark/core/clock.hpp"
#include "bulwark/cover/ledger.hpp"

namespace bulwark::cli {

/// Runs the command line; returns the process exit status (0 on success, the error's exit_code otherwise).
int run(int argc, char** argv);

/// The guided demo of `make run`: creates an asset, a pool, a product, buys a cover and prints the
/// books, narrating each step on `out`. Returns 0 on success.
int run_demo(cover::Ledger& ledger, std::ostream& out);

}  // namespace bulwark::cli
