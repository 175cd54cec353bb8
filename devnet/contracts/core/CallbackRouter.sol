// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "./IERC20.sol";
import {CallbackPool, ISwapCallback} from "./CallbackPool.sol";

/// @notice Swaps through callback pools for accounts that approved it: the pool pays the account, then
/// calls the router back, which pulls the input from the account. Flaw (deliberate): the callback does
/// not check that its caller is a pool the router called, so anyone may call it with a payer and an amount
/// of their choosing and have the router pull the payer's tokens to them.
contract CallbackRouter is ISwapCallback {
    function swap(CallbackPool pool, bool zeroForOne, uint256 amountIn, uint256 minOut)
        external
        returns (uint256 amountOut)
    {
        IERC20 tokenIn = zeroForOne ? pool.token0() : pool.token1();
        amountOut = pool.swap(msg.sender, zeroForOne, amountIn, abi.encode(msg.sender, tokenIn));
        require(amountOut >= minOut, "CallbackRouter: too little received");
    }

    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external {
        (address payer, IERC20 token) = abi.decode(data, (address, IERC20));
        uint256 owed = uint256(amount0Delta > 0 ? amount0Delta : amount1Delta);
        require(token.transferFrom(payer, msg.sender, owed), "CallbackRouter: pull failed");
    }
}
