#pragma once
/// The pieces of `bulwark risk report`: SVG charts drawn by our own code, and HTML escaping.
/// Pure: strings in, strings out.

#include <optional>
#include <string>
#include <vector>

namespace bulwark::cli::report {

/// Escapes &, <, >, " for HTML text and attributes.
std::string escape(const std::string& s);

/// One group of bars (one label, one value per series).
struct BarGroup {
  std::string label;
  std::vector<double> values;
};

/// A vertical bar chart: groups along x, one bar per series in each; an optional horizontal
/// reference line (e.g. the solvency target). Values are printed above the bars with `format`
/// ("pct": 100 x value as a percentage, "num": compact number).
std::string bar_chart(const std::string& title, const std::vector<std::string>& series,
                      const std::vector<BarGroup>& groups, const std::string& format,
                      std::optional<double> reference = std::nullopt,
                      const std::string& reference_label = "");

/// A histogram of annual losses on a log10 axis (years without loss are counted in the caption),
/// with the VaR and TVaR marked by vertical lines.
std::string loss_histogram(const std::string& title, const std::vector<double>& losses, double var,
                           double tvar);

}  // namespace bulwark::cli::report
