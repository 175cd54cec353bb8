// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "../core/IERC20.sol";
import {StakingPool} from "../core/StakingPool.sol";

/// @notice A protocol treasury that owns the staking pool: collect() notes what the pool holds, sweeps the
/// excess to itself and forwards it to its owner; one transaction.
contract TreasuryCollector {
    address public immutable owner;
    uint256 public lastSeen;

    constructor() {
        owner = msg.sender;
    }

    function collect(StakingPool pool) external {
        require(msg.sender == owner, "TreasuryCollector: not owner");
        IERC20 token = pool.token();
        lastSeen = token.balanceOf(address(pool));
        pool.sweep(address(this));
        require(token.transfer(owner, token.balanceOf(address(this))), "TreasuryCollector: forward failed");
    }
}
