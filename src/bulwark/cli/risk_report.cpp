#include "bulwark/cli/risk_report.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace bulwark::cli::report {
namespace {

constexpr int kWidth = 760, kHeight = 320, kLeft = 70, kRight = 20, kTop = 40, kBottom = 60;
const char* kColours[] = {"#3b6ea8", "#e08a2c", "#5aa05a", "#b0484f"};

std::string compact(double v) {
  const double a = std::abs(v);
  if (a >= 1e9) return fmt::format("{:.3g}G", v / 1e9);
  if (a >= 1e6) return fmt::format("{:.3g}M", v / 1e6);
  if (a >= 1e3) return fmt::format("{:.3g}k", v / 1e3);
  return fmt::format("{:.3g}", v);
}

std::string label(double v, const std::string& format) {
  if (!std::isfinite(v)) return "inf";
  return format == "pct" ? fmt::format("{:.0f}%", 100 * v) : compact(v);
}

std::string header(const std::string& title) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{3}</text>\n",
      kWidth, kHeight, kLeft, escape(title));
}

}  // namespace

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  return out;
}

std::string bar_chart(const std::string& title, const std::vector<std::string>& series,
                      const std::vector<BarGroup>& groups, const std::string& format,
                      std::optional<double> reference, const std::string& reference_label) {
  std::string svg = header(title);
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  double top = reference.value_or(0);
  for (const auto& g : groups)
    for (double v : g.values)
      if (std::isfinite(v)) top = std::max(top, v);
  top = top > 0 ? top * 1.15 : 1;
  auto y_of = [&](double v) { return kTop + plot_h * (1 - std::clamp(v, 0.0, top) / top); };
  // Axes and a few gridlines.
  for (int i = 0; i <= 4; ++i) {
    const double v = top * i / 4, y = y_of(v);
    svg += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>\n", kLeft, y,
                       kWidth - kRight, y);
    svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", kLeft - 6, y + 4,
                       escape(label(v, format)));
  }
  const double group_w = groups.empty() ? plot_w : plot_w / double(groups.size());
  const double bar_w = std::max(2.0, group_w * 0.8 / double(std::max<std::size_t>(1, series.size())));
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const double x0 = kLeft + group_w * double(g) + group_w * 0.1;
    for (std::size_t s = 0; s < groups[g].values.size() && s < series.size(); ++s) {
      const double v = groups[g].values[s];
      const double shown = std::isfinite(v) ? v : top;
      const double x = x0 + bar_w * double(s), y = y_of(shown);
      svg += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"><title>{}: "
          "{}</title></rect>\n",
          x, y, bar_w - 1, kTop + plot_h - y, kColours[s % 4], escape(groups[g].label + " " + series[s]),
          escape(label(v, format)));
      svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"9\">{}</text>\n",
                         x + bar_w / 2, y - 3, escape(label(v, format)));
    }
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x0 + group_w * 0.4,
                       kTop + plot_h + 16, escape(groups[g].label));
  }
  if (reference) {
    const double y = y_of(*reference);
    svg += fmt::format(
        "<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#b0484f\" stroke-dasharray=\"6 "
        "3\"/>\n"
        "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\" fill=\"#b0484f\">{}</text>\n",
        kLeft, y, kWidth - kRight, y, kWidth - kRight, y - 4, escape(reference_label));
  }
  // Legend.
  for (std::size_t s = 0; s < series.size(); ++s)
    svg += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>\n",
        kLeft + 180 * int(s), kHeight - 22, kColours[s % 4], kLeft + 180 * int(s) + 14, kHeight - 13,
        escape(series[s]));
  return svg + "</svg>\n";
}

std::string loss_histogram(const std::string& title, const std::vector<double>& losses, double var,
                           double tvar) {
  std::string svg = header(title);
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  std::vector<double> logs;
  for (double l : losses)
    if (l > 0) logs.push_back(std::log10(l));
  const std::size_t zero = losses.size() - logs.size();
  if (logs.empty()) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\">no losses in {} simulated years</text>\n", kLeft, kTop + 40,
                       losses.size());
    return svg + "</svg>\n";
  }
  double lo = std::floor(*std::min_element(logs.begin(), logs.end()));
  double hi = std::ceil(*std::max_element(logs.begin(), logs.end()));
  if (hi <= lo) hi = lo + 1;
  constexpr int kBins = 60;
  std::vector<std::size_t> count(kBins, 0);
  for (double l : logs) ++count[std::min<std::size_t>(kBins - 1, std::size_t((l - lo) / (hi - lo) * kBins))];
  const double most = double(*std::max_element(count.begin(), count.end()));
  auto x_of = [&](double log_value) { return kLeft + plot_w * (log_value - lo) / (hi - lo); };
  for (int b = 0; b < kBins; ++b) {
    const double h = plot_h * double(count[std::size_t(b)]) / most;
    svg +=
        fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#3b6ea8\"/>\n",
                    kLeft + plot_w * b / kBins, kTop + plot_h - h, plot_w / kBins - 0.5, h);
  }
  for (int d = int(lo); d <= int(hi); ++d)
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x_of(d),
                       kTop + plot_h + 16, escape(compact(std::pow(10.0, d))));
  svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>\n", kLeft,
                     kTop + plot_h, kWidth - kRight, kTop + plot_h);
  auto marker = [&](double v, const char* name, const char* colour, int dy) {
    if (!(v > 0)) return;
    const double x = x_of(std::clamp(std::log10(v), lo, hi));
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"{3}\" stroke-width=\"2\"/>\n"
        "<text x=\"{4:.1f}\" y=\"{5}\" fill=\"{3}\">{6} {7}</text>\n",
        x, kTop, kTop + plot_h, colour, x + 4, kTop + 12 + dy, name, escape(compact(v)));
  };
  marker(var, "VaR 99.5%", "#e08a2c", 0);
  marker(tvar, "TVaR 99.5%", "#b0484f", 14);
  svg += fmt::format(
      "<text x=\"{}\" y=\"{}\">annual loss (log scale); {} of {} simulated years had no loss</text>\n", kLeft,
      kHeight - 13, zero, losses.size());
  return svg + "</svg>\n";
}

}  // namespace bulwark::cli::report
