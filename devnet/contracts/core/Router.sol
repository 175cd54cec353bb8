// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "./IERC20.sol";
import {Pair} from "./Pair.sol";
import {AmmMath} from "./AmmMath.sol";

/// @notice Convenience entry for accounts: pulls the input from the caller into the pair, then swaps.
contract Router {
    function quote(Pair pair, address tokenIn, uint256 amountIn) public view returns (uint256) {
        (uint112 r0, uint112 r1,) = pair.getReserves();
        return tokenIn == pair.token0() ? AmmMath.amountOut(amountIn, r0, r1) : AmmMath.amountOut(amountIn, r1, r0);
    }

    function swapExactIn(Pair pair, address tokenIn, uint256 amountIn, uint256 minOut, address to)
        external
        returns (uint256 out)
    {
        require(tokenIn == pair.token0() || tokenIn == pair.token1(), "Router: token not in pair");
        out = quote(pair, tokenIn, amountIn);
        require(out >= minOut, "Router: output below minimum");
        require(IERC20(tokenIn).transferFrom(msg.sender, address(pair), amountIn), "Router: transfer failed");
        if (tokenIn == pair.token0()) pair.swap(0, out, to, "");
        else pair.swap(out, 0, to, "");
    }

    /// @notice Adds liquidity in the caller's chosen amounts (the pair takes them at the current ratio's minimum).
    function addLiquidity(Pair pair, uint256 amount0, uint256 amount1, address to) external returns (uint256) {
        require(IERC20(pair.token0()).transferFrom(msg.sender, address(pair), amount0), "Router: transfer failed");
        require(IERC20(pair.token1()).transferFrom(msg.sender, address(pair), amount1), "Router: transfer failed");
        return pair.mint(to);
    }
}
