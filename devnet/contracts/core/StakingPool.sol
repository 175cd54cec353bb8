// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "./IERC20.sol";

/// @notice The staking contract a stake migrates from: it releases the staker's position to the new pool.
interface IOldStaking {
    function migrateWithdraw(address staker, uint256 amount) external;
}

/// @notice Token staking with a migration path from an earlier staking contract. Flaw (deliberate):
/// migrateStake() trusts whatever contract the caller names as the old one and credits the amount the
/// caller asks for, so anyone can credit themselves the pool's whole balance and withdraw it. The owner
/// may sweep tokens sent to the pool by mistake (those beyond what stakers are owed).
contract StakingPool {
    IERC20 public immutable token;
    address public immutable owner;
    uint256 public totalStaked;
    mapping(address => uint256) public stakeOf;

    event Staked(address indexed account, uint256 amount);
    event Migrated(address indexed account, address indexed from, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);

    constructor(IERC20 token_, address owner_) {
        token = token_;
        owner = owner_;
    }

    function stake(uint256 amount) external {
        require(token.transferFrom(msg.sender, address(this), amount), "StakingPool: transfer failed");
        stakeOf[msg.sender] += amount;
        totalStaked += amount;
        emit Staked(msg.sender, amount);
    }

    function migrateStake(IOldStaking oldStaking, uint256 amount) external {
        oldStaking.migrateWithdraw(msg.sender, amount);
        stakeOf[msg.sender] += amount;
        totalStaked += amount;
        emit Migrated(msg.sender, address(oldStaking), amount);
    }

    function withdrawAll() external {
        uint256 amount = stakeOf[msg.sender];
        require(amount > 0, "StakingPool: nothing staked");
        stakeOf[msg.sender] = 0;
        totalStaked = totalStaked > amount ? totalStaked - amount : 0;
        require(token.transfer(msg.sender, amount), "StakingPool: transfer failed");
        emit Withdrawn(msg.sender, amount);
    }

    /// Sends what the pool holds beyond its stakers' due to `to` (the owner only).
    function sweep(address to) external {
        require(msg.sender == owner, "StakingPool: not owner");
        uint256 held = token.balanceOf(address(this));
        require(held > totalStaked, "StakingPool: nothing to sweep");
        require(token.transfer(to, held - totalStaked), "StakingPool: transfer failed");
    }
}
