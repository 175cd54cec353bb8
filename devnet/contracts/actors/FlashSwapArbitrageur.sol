// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "../core/IERC20.sol";
import {Pair, IFlashSwapReceiver} from "../core/Pair.sol";
import {AmmMath} from "../core/AmmMath.sol";

/// @notice Arbitrage with a flash swap and no capital: take the base token out of the pair where it is
/// cheap, sell it on the pair where it is dear, pay the first pair back in the quote token from the
/// proceeds, keep the rest. Reverts unless profitable.
contract FlashSwapArbitrageur is IFlashSwapReceiver {
    address public immutable owner;

    constructor() {
        owner = msg.sender;
    }

    function run(Pair cheap, Pair dear, address base, uint256 baseAmount) external {
        require(msg.sender == owner, "FlashSwapArbitrageur: not owner");
        address quote = cheap.token0() == base ? cheap.token1() : cheap.token0();
        bytes memory data = abi.encode(dear, base, quote);
        if (cheap.token0() == base) cheap.swap(baseAmount, 0, address(this), data);
        else cheap.swap(0, baseAmount, address(this), data);
        require(IERC20(quote).transfer(owner, IERC20(quote).balanceOf(address(this))), "FlashSwapArbitrageur: payout");
    }

    function onFlashSwap(address sender, uint256 amount0Out, uint256 amount1Out, bytes calldata data) external {
        require(sender == address(this), "FlashSwapArbitrageur: not mine");
        (Pair dear, address base, address quote) = abi.decode(data, (Pair, address, address));
        Pair cheap = Pair(msg.sender);
        uint256 baseAmount = amount0Out > 0 ? amount0Out : amount1Out;

        (uint112 r0, uint112 r1,) = cheap.getReserves();
        (uint256 rBase, uint256 rQuote) = cheap.token0() == base ? (uint256(r0), uint256(r1)) : (uint256(r1), uint256(r0));
        uint256 owed = AmmMath.amountIn(baseAmount, rQuote, rBase);

        (uint112 d0, uint112 d1,) = dear.getReserves();
        bool baseIsToken0 = dear.token0() == base;
        uint256 proceeds = baseIsToken0 ? AmmMath.amountOut(baseAmount, d0, d1) : AmmMath.amountOut(baseAmount, d1, d0);
        require(proceeds > owed, "FlashSwapArbitrageur: no profit");
        require(IERC20(base).transfer(address(dear), baseAmount), "FlashSwapArbitrageur: transfer failed");
        if (baseIsToken0) dear.swap(0, proceeds, address(this), "");
        else dear.swap(proceeds, 0, address(this), "");
        require(IERC20(quote).transfer(msg.sender, owed), "FlashSwapArbitrageur: repay failed");
    }
}
