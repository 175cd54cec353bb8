// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "../core/IERC20.sol";
import {ShareVault, IShareVaultBorrower} from "../core/ShareVault.sol";

/// @notice A keeper that takes a flash loan from the share vault and, inside the callback, deposits its
/// own savings into the same vault (it holds them there between jobs), then repays the loan with its fee
/// by transfer: a deposit into the lender inside the loan, with the loan repaid in full besides.
contract VaultLoanKeeper is IShareVaultBorrower {
    ShareVault public immutable vault;
    IERC20 public immutable asset;
    address public immutable owner;
    uint256 public savings;

    constructor(ShareVault vault_) {
        vault = vault_;
        asset = vault_.asset();
        owner = msg.sender;
    }

    /// Borrows `amount` and deposits `save` of the keeper's own tokens while the loan is out.
    function run(uint256 amount, uint256 save) external {
        require(msg.sender == owner, "VaultLoanKeeper: not owner");
        savings = save;
        vault.flashLoan(this, amount, "");
    }

    function onShareVaultLoan(uint256 amount, uint256 fee, bytes calldata) external {
        require(msg.sender == address(vault), "VaultLoanKeeper: not the vault");
        asset.approve(address(vault), savings);
        vault.deposit(savings);
        require(asset.transfer(address(vault), amount + fee), "VaultLoanKeeper: repayment failed");
    }
}
