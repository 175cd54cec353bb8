#include "bulwark/cover/response.hpp"

#include "bulwark/cover/claims_view.hpp"

namespace bulwark::cover {

IncidentResponder::IncidentResponder(store::Store& store, const Clock& clock, ClaimsConfig config)
    : store_(store), clock_(clock), config_(std::move(config)), view_(std::make_shared<ClaimsView>()) {}

void IncidentResponder::add_chain(std::uint64_t chain_id, TraceSource& evidence, Settler* settler) {
  chains_[chain_id] = ChainParts{&evidence, settler};
}

Result<std::vector<Incident>> IncidentResponder::on_finding(const FindingEvent& event) {
  auto it = chains_.find(event.chain_id);
  if (it == chains_.end())
    return fail(ErrorCode::kInvalidArgument,
                "no evidence source for chain " + std::to_string(event.chain_id) + ": add the chain first");
  Incidents incidents(store_, clock_, config_, view_);
  BULWARK_TRY(opened, incidents.open_from_finding(event));
  for (auto& inc : opened) {
    if (inc.status != IncidentStatus::kOpen) continue;
    BULWARK_TRY(verified, incidents.verify(inc.id, *it->second.evidence));
    inc = std::move(verified);
  }
  return opened;
}

Result<std::vector<Incident>> IncidentResponder::on_watch(const WatchEvent& event) {
  Incidents incidents(store_, clock_, config_, view_);
  return incidents.open_from_watch(event);
}

Result<ResponseTick> IncidentResponder::tick(const std::function<bool(std::uint64_t)>& settles) {
  ResponseTick out;
  Payouts payouts(store_, clock_, config_, view_);
  BULWARK_TRY(run, payouts.run());
  out.paid = std::move(run.payouts);
  for (auto& [chain, parts] : chains_) {
    if (parts.settler == nullptr || (settles && !settles(chain))) continue;
    BULWARK_TRY(pass, parts.settler->run_once());
    out.settled[chain] = std::move(pass);
  }
  return out;
}

}  // namespace bulwark::cover
