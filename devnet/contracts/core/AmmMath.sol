// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Constant-product quotes with a 0.3% input fee (the pair keeps 3/1000 of every input).
library AmmMath {
    function amountOut(uint256 amountIn_, uint256 reserveIn, uint256 reserveOut) internal pure returns (uint256) {
        require(amountIn_ > 0 && reserveIn > 0 && reserveOut > 0, "AmmMath: bad quote");
        uint256 inAfterFee = amountIn_ * 997;
        return (inAfterFee * reserveOut) / (reserveIn * 1000 + inAfterFee);
    }

    function amountIn(uint256 amountOut_, uint256 reserveIn, uint256 reserveOut) internal pure returns (uint256) {
        require(amountOut_ > 0 && amountOut_ < reserveOut && reserveIn > 0, "AmmMath: bad quote");
        return (reserveIn * amountOut_ * 1000) / ((reserveOut - amountOut_) * 997) + 1;
    }
}
