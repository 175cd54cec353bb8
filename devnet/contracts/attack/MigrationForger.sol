// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "../core/IERC20.sol";
import {StakingPool, IOldStaking} from "../core/StakingPool.sol";

/// @notice Reads what the staking pool holds, names itself as the old staking contract in migrateStake()
/// with exactly that amount (its migrateWithdraw() does nothing), withdraws the credited stake and pays
/// its owner; one transaction. forgePart() does the same for an amount of the caller's choosing.
contract MigrationForger is IOldStaking {
    address public immutable owner;

    constructor() {
        owner = msg.sender;
    }

    function forge(StakingPool pool) external {
        require(msg.sender == owner, "MigrationForger: not owner");
        IERC20 token = pool.token();
        pool.migrateStake(this, token.balanceOf(address(pool)));
        pool.withdrawAll();
        require(token.transfer(owner, token.balanceOf(address(this))), "MigrationForger: payout failed");
    }

    /// Forges a migration of `amount` (a part of what the pool holds) and withdraws it.
    function forgePart(StakingPool pool, uint256 amount) external {
        require(msg.sender == owner, "MigrationForger: not owner");
        IERC20 token = pool.token();
        pool.migrateStake(this, amount);
        pool.withdrawAll();
        require(token.transfer(owner, token.balanceOf(address(this))), "MigrationForger: payout failed");
    }

    function migrateWithdraw(address, uint256) external pure {}
}
