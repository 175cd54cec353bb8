// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {GovToken} from "./GovToken.sol";

/// @notice Token-weighted governor that owns a treasury (ether and any tokens sent to it).
/// A proposal is a list of calls. Votes are weighed at the proposal's snapshot block, which is the block
/// the proposal is created in. It passes after `votingPeriod` blocks with more for than against and at least
/// `quorumBps` of the supply for; with `supermajorityBps` of the supply for, it may be executed at once.
/// Flaw (deliberate): the snapshot is the current block, so votes borrowed within one transaction count.
contract Governor {
    struct Proposal {
        address proposer;
        uint64 snapshot;
        uint64 deadline;
        bool executed;
        uint256 forVotes;
        uint256 againstVotes;
        address[] targets;
        uint256[] values;
        bytes[] calldatas;
    }

    GovToken public immutable token;
    uint256 public immutable votingPeriod;
    uint256 public immutable quorumBps;
    uint256 public immutable supermajorityBps;
    uint256 public immutable proposalThresholdBps;
    uint256 public proposalCount;

    mapping(uint256 => Proposal) private proposals_;
    mapping(uint256 => mapping(address => bool)) public hasVoted;

    event ProposalCreated(
        uint256 indexed id, address indexed proposer, address[] targets, uint256[] values, bytes[] calldatas,
        uint256 snapshot, uint256 deadline, string description
    );
    event VoteCast(address indexed voter, uint256 indexed id, bool support, uint256 weight);
    event ProposalExecuted(uint256 indexed id);

    constructor(
        GovToken token_,
        uint256 votingPeriod_,
        uint256 quorumBps_,
        uint256 supermajorityBps_,
        uint256 proposalThresholdBps_
    ) {
        token = token_;
        votingPeriod = votingPeriod_;
        quorumBps = quorumBps_;
        supermajorityBps = supermajorityBps_;
        proposalThresholdBps = proposalThresholdBps_;
    }

    receive() external payable {}

    function propose(
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata calldatas,
        string calldata description
    ) external returns (uint256 id) {
        require(targets.length > 0, "Governor: empty proposal");
        require(targets.length == values.length && targets.length == calldatas.length, "Governor: length mismatch");
        uint256 supply = token.totalSupply();
        require(
            token.getVotesAt(msg.sender, block.number) * 10_000 >= supply * proposalThresholdBps,
            "Governor: below proposal threshold"
        );
        id = ++proposalCount;
        Proposal storage p = proposals_[id];
        p.proposer = msg.sender;
        p.snapshot = uint64(block.number);
        p.deadline = uint64(block.number + votingPeriod);
        p.targets = targets;
        p.values = values;
        for (uint256 i = 0; i < calldatas.length; ++i) p.calldatas.push(calldatas[i]);
        emit ProposalCreated(id, msg.sender, targets, values, calldatas, p.snapshot, p.deadline, description);
    }

    function castVote(uint256 id, bool support) external returns (uint256 weight) {
        Proposal storage p = proposals_[id];
        require(p.proposer != address(0), "Governor: unknown proposal");
        require(block.number <= p.deadline, "Governor: voting closed");
        require(!hasVoted[id][msg.sender], "Governor: already voted");
        weight = token.getVotesAt(msg.sender, p.snapshot);
        require(weight > 0, "Governor: no votes");
        hasVoted[id][msg.sender] = true;
        if (support) p.forVotes += weight;
        else p.againstVotes += weight;
        emit VoteCast(msg.sender, id, support, weight);
    }

    function executable(uint256 id) public view returns (bool) {
        Proposal storage p = proposals_[id];
        if (p.proposer == address(0) || p.executed) return false;
        uint256 supply = token.totalSupply();
        if (p.forVotes * 10_000 >= supply * supermajorityBps) return true;
        return block.number > p.deadline && p.forVotes > p.againstVotes && p.forVotes * 10_000 >= supply * quorumBps;
    }

    function execute(uint256 id) external {
        require(executable(id), "Governor: not executable");
        Proposal storage p = proposals_[id];
        p.executed = true;
        for (uint256 i = 0; i < p.targets.length; ++i) {
            (bool ok,) = p.targets[i].call{value: p.values[i]}(p.calldatas[i]);
            require(ok, "Governor: action failed");
        }
        emit ProposalExecuted(id);
    }

    function votes(uint256 id) external view returns (uint256 forVotes, uint256 againstVotes, uint256 snapshot, uint256 deadline) {
        Proposal storage p = proposals_[id];
        return (p.forVotes, p.againstVotes, p.snapshot, p.deadline);
    }
}
