#pragma once
/// The detection commands of `bulwark`: analyze-trace (offline trace files).

#include <functional>

namespace CLI {
class App;
}

namespace bulwark::cli {

/// Adds the detection subcommands to `app`. When one of them is chosen on the command line, `run` is set
/// to the function that carries it out and returns the process exit status.
void add_detect_commands(CLI::App& app, std::function<int()>& run);

}  // namespace bulwark::cli
