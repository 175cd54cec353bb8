#pragma once
/// The claims commands of `bulwark`: incident open|report|verify|show|list|resolve|vote, assessor
/// register|list, claim submit|show|list, payout run|list.

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace bulwark::cli {

/// Adds the claims subcommands to `app`. `db` and `json_out` are the global options, read when the
/// command runs. When one of the commands is chosen, `run` is set to the function that carries it
/// out and returns the process exit status.
void add_claims_commands(CLI::App& app, const std::string& db, const bool& json_out,
                         std::function<int()>& run);

}  // namespace bulwark::cli
