// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "./IERC20.sol";

/// @notice Borrower side of a flash loan; must return CALLBACK_SUCCESS and allow the lender to pull
/// amount + fee before the loan call ends.
interface IFlashBorrower {
    function onFlashLoan(address initiator, address token, uint256 amount, uint256 fee, bytes calldata data)
        external
        returns (bytes32);
}

/// @notice Flash-loan pool over any token it holds, in the shape of the common flash-loan standard
/// (ERC-3156): it sends the loan, calls the borrower back, then pulls principal plus a 0.09% fee.
contract FlashLender {
    bytes32 public constant CALLBACK_SUCCESS = keccak256("ERC3156FlashBorrower.onFlashLoan");
    uint256 public constant FEE_BPS = 9;
    bool private locked_;

    event FlashLoan(address indexed receiver, address indexed token, uint256 amount, uint256 fee);

    function maxFlashLoan(address token) external view returns (uint256) {
        return IERC20(token).balanceOf(address(this));
    }

    function flashFee(address, uint256 amount) public pure returns (uint256) {
        return (amount * FEE_BPS) / 10_000;
    }

    function flashLoan(IFlashBorrower receiver, address token, uint256 amount, bytes calldata data)
        external
        returns (bool)
    {
        require(!locked_, "FlashLender: nested loan");
        locked_ = true;
        uint256 fee = flashFee(token, amount);
        uint256 before = IERC20(token).balanceOf(address(this));
        require(amount > 0 && amount <= before, "FlashLender: amount unavailable");
        require(IERC20(token).transfer(address(receiver), amount), "FlashLender: transfer failed");
        require(
            receiver.onFlashLoan(msg.sender, token, amount, fee, data) == CALLBACK_SUCCESS,
            "FlashLender: callback refused"
        );
        require(
            IERC20(token).transferFrom(address(receiver), address(this), amount + fee), "FlashLender: repayment failed"
        );
        require(IERC20(token).balanceOf(address(this)) >= before + fee, "FlashLender: not repaid");
        locked_ = false;
        emit FlashLoan(address(receiver), token, amount, fee);
        return true;
    }
}
