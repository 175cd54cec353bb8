// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "./IERC20.sol";
import {CallbackPool, ISwapCallback} from "./CallbackPool.sol";

/// @notice A trading contract that holds its owner's float and swaps it on callback pools, paying each pool
/// from that float in the swap callback. Flaw (deliberate): the callback does not check that its caller is
/// a pool the bot called, so anyone may call it, claim an amount owed, and be paid from the float.
contract SwapBot is ISwapCallback {
    address public immutable owner;

    constructor() {
        owner = msg.sender;
    }

    function trade(CallbackPool pool, bool zeroForOne, uint256 amountIn) external returns (uint256) {
        require(msg.sender == owner, "SwapBot: not owner");
        IERC20 tokenIn = zeroForOne ? pool.token0() : pool.token1();
        return pool.swap(address(this), zeroForOne, amountIn, abi.encode(tokenIn));
    }

    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external {
        IERC20 token = abi.decode(data, (IERC20));
        uint256 owed = uint256(amount0Delta > 0 ? amount0Delta : amount1Delta);
        require(token.transfer(msg.sender, owed), "SwapBot: payment failed");
    }
}
