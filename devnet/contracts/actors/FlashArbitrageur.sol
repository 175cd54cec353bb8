// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "../core/IERC20.sol";
import {Pair} from "../core/Pair.sol";
import {AmmMath} from "../core/AmmMath.sol";
import {FlashLender, IFlashBorrower} from "../core/FlashLender.sol";

/// @notice Closes a price gap between two pairs of the same tokens with borrowed money: flash-borrow the
/// quote token, buy the base token where it is cheap, sell it where it is dear, repay, keep the spread.
/// Reverts unless the round trip is profitable.
contract FlashArbitrageur is IFlashBorrower {
    address public immutable owner;
    FlashLender public immutable lender;

    constructor(FlashLender lender_) {
        owner = msg.sender;
        lender = lender_;
    }

    function run(Pair cheap, Pair dear, address quote, uint256 amount) external {
        require(msg.sender == owner, "FlashArbitrageur: not owner");
        lender.flashLoan(this, quote, amount, abi.encode(cheap, dear));
        require(IERC20(quote).transfer(owner, IERC20(quote).balanceOf(address(this))), "FlashArbitrageur: payout");
    }

    function onFlashLoan(address initiator, address token, uint256 amount, uint256 fee, bytes calldata data)
        external
        returns (bytes32)
    {
        require(msg.sender == address(lender) && initiator == address(this), "FlashArbitrageur: unexpected loan");
        (Pair cheap, Pair dear) = abi.decode(data, (Pair, Pair));
        address base = cheap.token0() == token ? cheap.token1() : cheap.token0();
        uint256 bought = _swap(cheap, token, amount);
        _swap(dear, base, bought);
        require(IERC20(token).balanceOf(address(this)) > amount + fee, "FlashArbitrageur: no profit");
        IERC20(token).approve(address(lender), amount + fee);
        return lender.CALLBACK_SUCCESS();
    }

    function _swap(Pair pair, address tokenIn, uint256 amountIn) private returns (uint256 out) {
        (uint112 r0, uint112 r1,) = pair.getReserves();
        bool zeroIn = tokenIn == pair.token0();
        out = zeroIn ? AmmMath.amountOut(amountIn, r0, r1) : AmmMath.amountOut(amountIn, r1, r0);
        require(IERC20(tokenIn).transfer(address(pair), amountIn), "FlashArbitrageur: transfer failed");
        if (zeroIn) pair.swap(0, out, address(this), "");
        else pair.swap(out, 0, address(this), "");
    }
}
