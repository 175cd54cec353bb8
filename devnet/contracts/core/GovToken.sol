// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Token} from "./Token.sol";

/// @notice Governance token: an ERC-20 whose balances are checkpointed per block, so a governor can ask for
/// the votes an account held at a given block. A balance counts as votes without delegation.
/// Asking for the current block returns the balance right now, including tokens borrowed in this very
/// transaction -- which is what makes a governor that snapshots at the current block flash-loanable.
contract GovToken is Token {
    struct Checkpoint {
        uint64 fromBlock;
        uint192 votes;
    }

    mapping(address => Checkpoint[]) private history_;

    constructor(string memory name_, string memory symbol_) Token(name_, symbol_, 18) {}

    function getVotes(address account) external view returns (uint256) {
        return balanceOf[account];
    }

    /// @notice Votes of `account` at the end of block `blockNumber` (or now, for the current block).
    function getVotesAt(address account, uint256 blockNumber) public view returns (uint256) {
        require(blockNumber <= block.number, "GovToken: future block");
        Checkpoint[] storage cps = history_[account];
        uint256 lo = 0;
        uint256 hi = cps.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (cps[mid].fromBlock > blockNumber) hi = mid;
            else lo = mid + 1;
        }
        return lo == 0 ? 0 : cps[lo - 1].votes;
    }

    function _afterMove(address from, address to) internal override {
        if (from != address(0)) _record(from);
        if (to != address(0)) _record(to);
    }

    function _record(address account) private {
        Checkpoint[] storage cps = history_[account];
        uint192 votes = uint192(balanceOf[account]);
        uint256 n = cps.length;
        if (n > 0 && cps[n - 1].fromBlock == block.number) {
            cps[n - 1].votes = votes;
        } else {
            cps.push(Checkpoint(uint64(block.number), votes));
        }
    }
}
