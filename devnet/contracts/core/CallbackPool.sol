// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "./IERC20.sol";

/// @notice What a pool calls back on the contract that asked it for a swap: pay what is owed (the positive
/// delta) before the swap call returns. The shape and selector of Uniswap v3's swap callback.
interface ISwapCallback {
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external;
}

/// @notice A constant-product pool (0.3% fee) that pays out first and then has the caller pay through the
/// swap callback, as concentrated-liquidity pools do: it checks its balance of the input afterwards.
contract CallbackPool {
    IERC20 public immutable token0;
    IERC20 public immutable token1;
    uint256 public reserve0;
    uint256 public reserve1;

    event Swap(address indexed sender, address indexed recipient, int256 amount0, int256 amount1);

    constructor(IERC20 token0_, IERC20 token1_) {
        token0 = token0_;
        token1 = token1_;
    }

    /// Adds the tokens already sent to the pool to its reserves.
    function sync() external {
        reserve0 = token0.balanceOf(address(this));
        reserve1 = token1.balanceOf(address(this));
    }

    function swap(address recipient, bool zeroForOne, uint256 amountIn, bytes calldata data)
        external
        returns (uint256 amountOut)
    {
        (IERC20 tokenIn, IERC20 tokenOut, uint256 rIn, uint256 rOut) =
            zeroForOne ? (token0, token1, reserve0, reserve1) : (token1, token0, reserve1, reserve0);
        uint256 withFee = amountIn * 997;
        amountOut = (withFee * rOut) / (rIn * 1000 + withFee);
        require(amountOut > 0 && amountOut < rOut, "CallbackPool: bad amount");
        require(tokenOut.transfer(recipient, amountOut), "CallbackPool: transfer failed");
        uint256 before = tokenIn.balanceOf(address(this));
        (int256 d0, int256 d1) = zeroForOne
            ? (int256(amountIn), -int256(amountOut))
            : (-int256(amountOut), int256(amountIn));
        ISwapCallback(msg.sender).uniswapV3SwapCallback(d0, d1, data);
        require(tokenIn.balanceOf(address(this)) >= before + amountIn, "CallbackPool: not paid");
        reserve0 = token0.balanceOf(address(this));
        reserve1 = token1.balanceOf(address(this));
        emit Swap(msg.sender, recipient, d0, d1);
    }
}
