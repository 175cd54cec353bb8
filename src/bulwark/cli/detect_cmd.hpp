#pragma once
/// The detection commands of `bulwark`: analyze-trace (offline trace files).

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace bulwark::cli {

/// Adds the detection subcommands to `app` (analyze-trace, analyze-tx, monitor). When one of them is
/// chosen on the command line, `run` is set to the function that carries it out and returns the process
/// exit status. `db` is the store URL the global --db option fills (read when the command runs).
void add_detect_commands(CLI::App& app, std::function<int()>& run, const std::string& db);

}  // namespace bulwark::cli
