#pragma once
/// The detection commands of `bulwark`: analyze-trace (offline trace files).

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace bulwark::cli {
struct Global;

/// Adds the detection subcommands to `app` (analyze-trace, analyze-tx, monitor). When one of them is
/// chosen on the command line, `run` is set to the function that carries it out and returns the process
/// exit status. `global` holds the global options (--db, --config), read when the command runs.
void add_detect_commands(CLI::App& app, std::function<int()>& run, const Global& global);

}  // namespace bulwark::cli
