// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "./IERC20.sol";
import {Pair} from "./Pair.sol";

/// @notice Over-collateralised lending of one debt asset against one collateral asset, without interest.
/// Lenders supply the debt asset; borrowers post collateral and borrow up to 75% of its value; a position
/// whose debt exceeds 80% of its collateral value may be liquidated by anyone, who repays debt and takes
/// collateral worth the repayment plus a 10% bonus.
/// Flaw (deliberate): collateral is valued at the pair's spot reserves, which one swap can move.
contract LendingMarket {
    uint256 public constant LTV_BPS = 7_500;
    uint256 public constant LIQUIDATION_THRESHOLD_BPS = 8_000;
    uint256 public constant LIQUIDATION_BONUS_BPS = 1_000;

    IERC20 public immutable collateralAsset;
    IERC20 public immutable debtAsset;
    Pair public immutable pair;
    bool private immutable collateralIsToken0_;

    mapping(address => uint256) public suppliedOf;
    mapping(address => uint256) public collateralOf;
    mapping(address => uint256) public debtOf;
    uint256 public totalDebt;

    event Supplied(address indexed lender, uint256 amount);
    event SupplyWithdrawn(address indexed lender, uint256 amount);
    event CollateralDeposited(address indexed account, uint256 amount);
    event CollateralWithdrawn(address indexed account, uint256 amount);
    event Borrowed(address indexed account, uint256 amount);
    event Repaid(address indexed payer, address indexed account, uint256 amount);
    event Liquidated(address indexed liquidator, address indexed account, uint256 repaid, uint256 seized);

    constructor(IERC20 collateral_, IERC20 debt_, Pair pair_) {
        require(
            (pair_.token0() == address(collateral_) && pair_.token1() == address(debt_))
                || (pair_.token1() == address(collateral_) && pair_.token0() == address(debt_)),
            "LendingMarket: pair does not match"
        );
        collateralAsset = collateral_;
        debtAsset = debt_;
        pair = pair_;
        collateralIsToken0_ = pair_.token0() == address(collateral_);
    }

    /// @notice Debt-asset units per collateral unit, scaled by 1e18, from the pair's current reserves.
    function price() public view returns (uint256) {
        (uint112 r0, uint112 r1,) = pair.getReserves();
        (uint256 rc, uint256 rd) = collateralIsToken0_ ? (uint256(r0), uint256(r1)) : (uint256(r1), uint256(r0));
        require(rc > 0, "LendingMarket: no price");
        return (rd * 1e18) / rc;
    }

    function collateralValue(address account) public view returns (uint256) {
        return (collateralOf[account] * price()) / 1e18;
    }

    function borrowLimit(address account) public view returns (uint256) {
        return (collateralValue(account) * LTV_BPS) / 10_000;
    }

    function liquidatable(address account) public view returns (bool) {
        return debtOf[account] * 10_000 > collateralValue(account) * LIQUIDATION_THRESHOLD_BPS;
    }

    function supply(uint256 amount) external {
        require(debtAsset.transferFrom(msg.sender, address(this), amount), "LendingMarket: transfer failed");
        suppliedOf[msg.sender] += amount;
        emit Supplied(msg.sender, amount);
    }

    function withdrawSupply(uint256 amount) external {
        require(suppliedOf[msg.sender] >= amount, "LendingMarket: supply too low");
        suppliedOf[msg.sender] -= amount;
        require(debtAsset.transfer(msg.sender, amount), "LendingMarket: transfer failed");
        emit SupplyWithdrawn(msg.sender, amount);
    }

    function depositCollateral(uint256 amount) external {
        require(collateralAsset.transferFrom(msg.sender, address(this), amount), "LendingMarket: transfer failed");
        collateralOf[msg.sender] += amount;
        emit CollateralDeposited(msg.sender, amount);
    }

    function withdrawCollateral(uint256 amount) external {
        require(collateralOf[msg.sender] >= amount, "LendingMarket: collateral too low");
        collateralOf[msg.sender] -= amount;
        require(debtOf[msg.sender] <= borrowLimit(msg.sender), "LendingMarket: position would be undercollateralised");
        require(collateralAsset.transfer(msg.sender, amount), "LendingMarket: transfer failed");
        emit CollateralWithdrawn(msg.sender, amount);
    }

    function borrow(uint256 amount) external {
        debtOf[msg.sender] += amount;
        totalDebt += amount;
        require(debtOf[msg.sender] <= borrowLimit(msg.sender), "LendingMarket: borrow limit exceeded");
        require(debtAsset.transfer(msg.sender, amount), "LendingMarket: transfer failed");
        emit Borrowed(msg.sender, amount);
    }

    function repay(address account, uint256 amount) external {
        require(debtOf[account] >= amount, "LendingMarket: repaying more than owed");
        debtOf[account] -= amount;
        totalDebt -= amount;
        require(debtAsset.transferFrom(msg.sender, address(this), amount), "LendingMarket: transfer failed");
        emit Repaid(msg.sender, account, amount);
    }

    function liquidate(address account, uint256 repayAmount) external returns (uint256 seized) {
        require(liquidatable(account), "LendingMarket: position is healthy");
        require(repayAmount > 0 && repayAmount <= debtOf[account], "LendingMarket: bad repay amount");
        seized = (repayAmount * (10_000 + LIQUIDATION_BONUS_BPS) * 1e18) / (10_000 * price());
        if (seized > collateralOf[account]) seized = collateralOf[account];
        debtOf[account] -= repayAmount;
        totalDebt -= repayAmount;
        collateralOf[account] -= seized;
        require(debtAsset.transferFrom(msg.sender, address(this), repayAmount), "LendingMarket: transfer failed");
        require(collateralAsset.transfer(msg.sender, seized), "LendingMarket: transfer failed");
        emit Liquidated(msg.sender, account, repayAmount, seized);
    }
}
