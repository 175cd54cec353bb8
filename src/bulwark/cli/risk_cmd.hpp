#pragma once
/// `bulwark risk ...`: risk factors and live signals of products, scores, the capital model on the
/// current book, historical stress years and the report (risk_cmd.cpp).

#include <CLI/CLI.hpp>

#include "bulwark/cli/context.hpp"

namespace bulwark::cli {

/// Adds the `risk` command group to `app`. A parsed subcommand sets `command` (and clears
/// `needs_store` when it works on files alone).
void add_risk_commands(CLI::App& app, Command& command, bool& needs_store);

/// How a quote's premium was reached (`bulwark quote` prints it): the floor's parts, the market
/// price's parts, which one binds, the capital model's figures and the risk factors.
Output breakdown_output(const cover::PriceBreakdown& b, const Asset& a);
/// A risk score with its factors.
Output score_output(const risk::RiskScore& s);

}  // namespace bulwark::cli
