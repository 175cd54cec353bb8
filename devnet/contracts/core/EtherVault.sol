// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Ether savings vault: deposit, withdraw part, or withdraw everything.
/// withdraw() updates the balance before paying (safe). withdrawAll() pays before it clears the balance
/// (deliberate flaw): a contract that re-enters withdrawAll() from its receive hook is paid again and again.
contract EtherVault {
    mapping(address => uint256) public balanceOf;

    event Deposited(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);

    function deposit() external payable {
        require(msg.value > 0, "EtherVault: nothing sent");
        balanceOf[msg.sender] += msg.value;
        emit Deposited(msg.sender, msg.value);
    }

    function withdraw(uint256 amount) external {
        require(balanceOf[msg.sender] >= amount, "EtherVault: balance too low");
        balanceOf[msg.sender] -= amount;
        (bool ok,) = payable(msg.sender).call{value: amount}("");
        require(ok, "EtherVault: payout failed");
        emit Withdrawn(msg.sender, amount);
    }

    function withdrawAll() external {
        uint256 amount = balanceOf[msg.sender];
        require(amount > 0, "EtherVault: nothing to withdraw");
        (bool ok,) = payable(msg.sender).call{value: amount}("");
        require(ok, "EtherVault: payout failed");
        balanceOf[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
    }
}
