// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "../core/IERC20.sol";
import {Pair} from "../core/Pair.sol";
import {AmmMath} from "../core/AmmMath.sol";
import {FlashLender, IFlashBorrower} from "../core/FlashLender.sol";
import {LendingMarket} from "../core/LendingMarket.sol";

/// @notice Liquidates an unhealthy position with borrowed money: flash-borrow the debt asset, repay part of
/// the position's debt, sell the seized collateral on the pair, repay the loan, keep the bonus.
contract FlashLiquidator is IFlashBorrower {
    address public immutable owner;
    FlashLender public immutable lender;
    LendingMarket public immutable market;

    constructor(FlashLender lender_, LendingMarket market_) {
        owner = msg.sender;
        lender = lender_;
        market = market_;
    }

    function liquidate(address account, uint256 repayAmount) external {
        require(msg.sender == owner, "FlashLiquidator: not owner");
        IERC20 debt = market.debtAsset();
        lender.flashLoan(this, address(debt), repayAmount, abi.encode(account));
        require(debt.transfer(owner, debt.balanceOf(address(this))), "FlashLiquidator: payout failed");
    }

    function onFlashLoan(address initiator, address token, uint256 amount, uint256 fee, bytes calldata data)
        external
        returns (bytes32)
    {
        require(msg.sender == address(lender) && initiator == address(this), "FlashLiquidator: unexpected loan");
        address account = abi.decode(data, (address));
        IERC20(token).approve(address(market), amount);
        _sellCollateral(market.liquidate(account, amount));

        require(IERC20(token).balanceOf(address(this)) > amount + fee, "FlashLiquidator: unprofitable");
        IERC20(token).approve(address(lender), amount + fee);
        return lender.CALLBACK_SUCCESS();
    }

    function _sellCollateral(uint256 seized) private {
        Pair pair = market.pair();
        IERC20 collateral = market.collateralAsset();
        (uint112 r0, uint112 r1,) = pair.getReserves();
        bool zeroIn = address(collateral) == pair.token0();
        uint256 out = zeroIn ? AmmMath.amountOut(seized, r0, r1) : AmmMath.amountOut(seized, r1, r0);
        require(collateral.transfer(address(pair), seized), "FlashLiquidator: transfer failed");
        if (zeroIn) pair.swap(0, out, address(this), "");
        else pair.swap(out, 0, address(this), "");
    }
}
