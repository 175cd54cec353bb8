#pragma once
/// The claims commands of `bulwark`: incident open|report|verify|show|list|resolve|vote, assessor
/// register|list, claim submit|show|list, payout run|list|show|settle|retry.

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace bulwark::cli {
struct Global;

/// Adds the claims subcommands to `app`. `global` holds the global options, read when the command
/// runs. When one of the commands is chosen, `run` is set to the function that carries it
/// out and returns the process exit status.
void add_claims_commands(CLI::App& app, const Global& global, std::function<int()>& run);

}  // namespace bulwark::cli
