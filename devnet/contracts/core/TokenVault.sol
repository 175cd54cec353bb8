// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "./IERC20.sol";

/// @notice Single-asset custody vault: accounts deposit and withdraw their own tokens 1:1.
/// A guardian may move everything out in an emergency. Flaw (deliberate): setGuardian() has no access
/// check, so anyone can make themselves guardian and empty the vault.
contract TokenVault {
    IERC20 public immutable asset;
    address public immutable owner;
    address public guardian;
    uint256 public totalDeposits;
    mapping(address => uint256) public balanceOf;

    event Deposited(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);
    event GuardianChanged(address indexed guardian);
    event EmergencyWithdrawal(address indexed to, uint256 amount);

    constructor(IERC20 asset_) {
        asset = asset_;
        owner = msg.sender;
        guardian = msg.sender;
    }

    function deposit(uint256 amount) external {
        require(asset.transferFrom(msg.sender, address(this), amount), "TokenVault: transfer failed");
        balanceOf[msg.sender] += amount;
        totalDeposits += amount;
        emit Deposited(msg.sender, amount);
    }

    function withdraw(uint256 amount) external {
        require(balanceOf[msg.sender] >= amount, "TokenVault: balance too low");
        balanceOf[msg.sender] -= amount;
        totalDeposits -= amount;
        require(asset.transfer(msg.sender, amount), "TokenVault: transfer failed");
        emit Withdrawn(msg.sender, amount);
    }

    function setGuardian(address guardian_) external {
        guardian = guardian_;
        emit GuardianChanged(guardian_);
    }

    function emergencyWithdraw(address to) external {
        require(msg.sender == guardian, "TokenVault: caller is not the guardian");
        uint256 amount = asset.balanceOf(address(this));
        require(asset.transfer(to, amount), "TokenVault: transfer failed");
        emit EmergencyWithdrawal(to, amount);
    }
}
