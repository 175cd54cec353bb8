// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "./IERC20.sol";

interface IDecimals {
    function decimals() external view returns (uint8);
}

/// @notice Two-coin StableSwap pool. Balances are normalised to 18 decimals and the invariant is
///   4A(x + y) + D = 4AD + D^3 / (4xy)
/// (the stable-swap invariant for n = 2, with A the amplification). D is found by Newton's method from
/// the balances and y from D and x; a 0.04% fee is kept in the pool. price() reads the marginal rate.
contract StablePool {
    uint256 public constant FEE_BPS = 4;
    uint256 public immutable A;
    IERC20 public immutable coin0;
    IERC20 public immutable coin1;
    uint256 private immutable rate0_;
    uint256 private immutable rate1_;
    uint256[2] public balances;
    uint256 public totalShares;
    mapping(address => uint256) public sharesOf;

    event TokenExchange(address indexed buyer, int128 sold_id, uint256 tokens_sold, int128 bought_id, uint256 tokens_bought);
    event AddLiquidity(address indexed provider, uint256[2] amounts, uint256 shares);

    constructor(IERC20 coin0_, IERC20 coin1_, uint256 amplification) {
        require(amplification > 0, "StablePool: A must be positive");
        coin0 = coin0_;
        coin1 = coin1_;
        A = amplification;
        rate0_ = 10 ** (18 - IDecimals(address(coin0_)).decimals());
        rate1_ = 10 ** (18 - IDecimals(address(coin1_)).decimals());
    }

    function coins(uint256 i) public view returns (IERC20) {
        return i == 0 ? coin0 : coin1;
    }

    function addLiquidity(uint256[2] calldata amounts) external returns (uint256 minted) {
        uint256 d0 = _invariant(_normalised(balances[0], balances[1]));
        for (uint256 i = 0; i < 2; ++i) {
            if (amounts[i] > 0) {
                require(coins(i).transferFrom(msg.sender, address(this), amounts[i]), "StablePool: transfer failed");
                balances[i] += amounts[i];
            }
        }
        uint256 d1 = _invariant(_normalised(balances[0], balances[1]));
        require(d1 > d0, "StablePool: nothing added");
        minted = totalShares == 0 ? d1 : (totalShares * (d1 - d0)) / d0;
        totalShares += minted;
        sharesOf[msg.sender] += minted;
        emit AddLiquidity(msg.sender, amounts, minted);
    }

    /// @notice Output of selling `dx` of coin i for coin j, after the fee.
    function getDy(uint256 i, uint256 j, uint256 dx) public view returns (uint256) {
        (uint256 dyNorm,) = _quote(i, j, dx);
        return dyNorm / _rate(j);
    }

    function exchange(uint256 i, uint256 j, uint256 dx, uint256 minDy) external returns (uint256 dy) {
        require(i < 2 && j < 2 && i != j, "StablePool: bad coin index");
        (uint256 dyNorm,) = _quote(i, j, dx);
        dy = dyNorm / _rate(j);
        require(dy >= minDy, "StablePool: output below minimum");
        require(coins(i).transferFrom(msg.sender, address(this), dx), "StablePool: transfer failed");
        balances[i] += dx;
        balances[j] -= dy;
        require(coins(j).transfer(msg.sender, dy), "StablePool: transfer failed");
        emit TokenExchange(msg.sender, int128(int256(i)), dx, int128(int256(j)), dy);
    }

    /// @notice Marginal price of coin i in units of the other coin, scaled by 1e18, fee excluded.
    function priceOf(uint256 i) public view returns (uint256) {
        require(i < 2, "StablePool: bad coin index");
        uint256 j = 1 - i;
        uint256[2] memory xp = _normalised(balances[0], balances[1]);
        uint256 step = xp[i] / 1_000_000; // a millionth of the pool's side: small enough to be marginal
        uint256 y = _otherBalance(xp[i] + step, _invariant(xp));
        return ((xp[j] - y) * 1e18) / step;
    }

    /// @notice Marginal price of coin0 in coin1.
    function price() external view returns (uint256) {
        return priceOf(0);
    }

    function _quote(uint256 i, uint256 j, uint256 dx) private view returns (uint256 dyNorm, uint256 feeNorm) {
        require(i < 2 && j < 2 && i != j, "StablePool: bad coin index");
        uint256[2] memory xp = _normalised(balances[0], balances[1]);
        uint256 y = _otherBalance(xp[i] + dx * _rate(i), _invariant(xp));
        uint256 gross = xp[j] - y - 1;
        feeNorm = (gross * FEE_BPS) / 10_000;
        dyNorm = gross - feeNorm;
    }

    function _rate(uint256 i) private view returns (uint256) {
        return i == 0 ? rate0_ : rate1_;
    }

    function _normalised(uint256 b0, uint256 b1) private view returns (uint256[2] memory xp) {
        xp[0] = b0 * rate0_;
        xp[1] = b1 * rate1_;
    }

    /// @dev D from the balances: iterate D <- (Ann*S + 2*Dp) * D / ((Ann - 1) * D + 3*Dp), Dp = D^3 / (4xy).
    function _invariant(uint256[2] memory xp) private view returns (uint256) {
        uint256 s = xp[0] + xp[1];
        if (s == 0) return 0;
        uint256 ann = A * 2;
        uint256 d = s;
        for (uint256 k = 0; k < 255; ++k) {
            uint256 dp = (((d * d) / (xp[0] * 2)) * d) / (xp[1] * 2);
            uint256 previous = d;
            d = ((ann * s + dp * 2) * d) / ((ann - 1) * d + 3 * dp);
            if (d > previous ? d - previous <= 1 : previous - d <= 1) return d;
        }
        revert("StablePool: invariant did not converge");
    }

    /// @dev The other coin's balance y for one coin at x and invariant d: y <- (y^2 + c) / (2y + b - d),
    /// with c = d^3 / (4 * x * Ann * 2) and b = x + d / Ann.
    function _otherBalance(uint256 x, uint256 d) private view returns (uint256) {
        uint256 ann = A * 2;
        uint256 c = (((d * d) / (x * 2)) * d) / (ann * 2);
        uint256 b = x + d / ann;
        uint256 y = d;
        for (uint256 k = 0; k < 255; ++k) {
            uint256 previous = y;
            y = (y * y + c) / (2 * y + b - d);
            if (y > previous ? y - previous <= 1 : previous - y <= 1) return y;
        }
        revert("StablePool: balance did not converge");
    }
}
