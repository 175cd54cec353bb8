// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "./IERC20.sol";

/// @notice Receiver of a flash swap: the pair pays out first, calls this, then checks it was paid back.
interface IFlashSwapReceiver {
    function onFlashSwap(address sender, uint256 amount0Out, uint256 amount1Out, bytes calldata data) external;
}

/// @notice Constant-product pair of two tokens with a 0.3% fee on inputs.
/// swap() sends the requested outputs first; when `data` is not empty it calls the receiver back
/// (a flash swap), and at the end it requires fee-adjusted reserves to keep x*y from falling.
/// Liquidity is added by sending both tokens to the pair and calling mint().
/// Swap and Sync events have the widely used v2 layout so that generic tools can read them.
contract Pair {
    address public immutable token0;
    address public immutable token1;
    uint256 private reserve0_;
    uint256 private reserve1_;
    uint32 private lastUpdate_;
    uint256 public totalShares;
    mapping(address => uint256) public sharesOf;
    bool private locked_;

    event Mint(address indexed sender, uint256 amount0, uint256 amount1, uint256 shares);
    event Burn(address indexed sender, uint256 amount0, uint256 amount1, address indexed to);
    event Swap(
        address indexed sender, uint256 amount0In, uint256 amount1In, uint256 amount0Out, uint256 amount1Out,
        address indexed to
    );
    event Sync(uint112 reserve0, uint112 reserve1);

    modifier nonReentrant() {
        require(!locked_, "Pair: locked");
        locked_ = true;
        _;
        locked_ = false;
    }

    constructor(address tokenA, address tokenB) {
        require(tokenA != tokenB, "Pair: identical tokens");
        (token0, token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
    }

    function getReserves() external view returns (uint112, uint112, uint32) {
        return (uint112(reserve0_), uint112(reserve1_), lastUpdate_);
    }

    function mint(address to) external nonReentrant returns (uint256 shares) {
        uint256 b0 = IERC20(token0).balanceOf(address(this));
        uint256 b1 = IERC20(token1).balanceOf(address(this));
        uint256 a0 = b0 - reserve0_;
        uint256 a1 = b1 - reserve1_;
        if (totalShares == 0) {
            shares = _sqrt(a0 * a1);
        } else {
            uint256 s0 = (a0 * totalShares) / reserve0_;
            uint256 s1 = (a1 * totalShares) / reserve1_;
            shares = s0 < s1 ? s0 : s1;
        }
        require(shares > 0, "Pair: no liquidity added");
        totalShares += shares;
        sharesOf[to] += shares;
        _update(b0, b1);
        emit Mint(msg.sender, a0, a1, shares);
    }

    function burn(address to, uint256 shares) external nonReentrant returns (uint256 a0, uint256 a1) {
        require(sharesOf[msg.sender] >= shares && shares > 0, "Pair: bad share amount");
        a0 = (shares * reserve0_) / totalShares;
        a1 = (shares * reserve1_) / totalShares;
        sharesOf[msg.sender] -= shares;
        totalShares -= shares;
        require(IERC20(token0).transfer(to, a0) && IERC20(token1).transfer(to, a1), "Pair: transfer failed");
        _update(IERC20(token0).balanceOf(address(this)), IERC20(token1).balanceOf(address(this)));
        emit Burn(msg.sender, a0, a1, to);
    }

    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external nonReentrant {
        require(amount0Out > 0 || amount1Out > 0, "Pair: nothing out");
        require(amount0Out < reserve0_ && amount1Out < reserve1_, "Pair: not enough liquidity");
        require(to != token0 && to != token1, "Pair: bad receiver");
        if (amount0Out > 0) require(IERC20(token0).transfer(to, amount0Out), "Pair: transfer failed");
        if (amount1Out > 0) require(IERC20(token1).transfer(to, amount1Out), "Pair: transfer failed");
        if (data.length > 0) IFlashSwapReceiver(to).onFlashSwap(msg.sender, amount0Out, amount1Out, data);
        (uint256 in0, uint256 in1) = _settle(amount0Out, amount1Out);
        emit Swap(msg.sender, in0, in1, amount0Out, amount1Out, to);
    }

    /// @dev Reads what was paid in, checks the fee-adjusted invariant against the old reserves, updates them.
    function _settle(uint256 amount0Out, uint256 amount1Out) private returns (uint256 in0, uint256 in1) {
        uint256 r0 = reserve0_;
        uint256 r1 = reserve1_;
        uint256 b0 = IERC20(token0).balanceOf(address(this));
        uint256 b1 = IERC20(token1).balanceOf(address(this));
        in0 = b0 > r0 - amount0Out ? b0 - (r0 - amount0Out) : 0;
        in1 = b1 > r1 - amount1Out ? b1 - (r1 - amount1Out) : 0;
        require(in0 > 0 || in1 > 0, "Pair: nothing in");
        require((b0 * 1000 - in0 * 3) * (b1 * 1000 - in1 * 3) >= r0 * r1 * 1_000_000, "Pair: invariant");
        _update(b0, b1);
    }

    function _update(uint256 b0, uint256 b1) private {
        require(b0 <= type(uint112).max && b1 <= type(uint112).max, "Pair: overflow");
        reserve0_ = b0;
        reserve1_ = b1;
        lastUpdate_ = uint32(block.timestamp);
        emit Sync(uint112(b0), uint112(b1));
    }

    function _sqrt(uint256 y) private pure returns (uint256 z) {
        if (y == 0) return 0;
        z = y;
        uint256 x = y / 2 + 1;
        while (x < z) {
            z = x;
            x = (y / x + x) / 2;
        }
    }
}
