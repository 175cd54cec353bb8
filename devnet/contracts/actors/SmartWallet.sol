// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EtherVault} from "../core/EtherVault.sol";

/// @notice A contract account that keeps savings in the vault. When the vault pays it, receive() logs the
/// payment, puts `redepositBps` of it straight back into the vault (a call into the vault while the vault's
/// payout frame is still open, but one that adds funds) and forwards the rest to the owner.
contract SmartWallet {
    address public immutable owner;
    EtherVault public immutable vault;
    uint256 public immutable redepositBps;

    event Received(address indexed from, uint256 amount);

    constructor(EtherVault vault_, uint256 redepositBps_) {
        require(redepositBps_ <= 10_000, "SmartWallet: bad share");
        owner = msg.sender;
        vault = vault_;
        redepositBps = redepositBps_;
    }

    modifier onlyOwner() {
        require(msg.sender == owner, "SmartWallet: not owner");
        _;
    }

    function save() external payable onlyOwner {
        vault.deposit{value: msg.value}();
    }

    function withdraw(uint256 amount) external onlyOwner {
        vault.withdraw(amount);
    }

    function withdrawAll() external onlyOwner {
        vault.withdrawAll();
    }

    receive() external payable {
        emit Received(msg.sender, msg.value);
        if (msg.sender != address(vault)) return;
        uint256 back = (msg.value * redepositBps) / 10_000;
        if (back > 0) vault.deposit{value: back}();
        (bool ok,) = payable(owner).call{value: msg.value - back}("");
        require(ok, "SmartWallet: forward failed");
    }
}
