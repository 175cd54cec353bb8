// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "./IERC20.sol";

/// @notice Borrower side of a ShareVault flash loan.
interface IShareVaultBorrower {
    function onShareVaultLoan(uint256 amount, uint256 fee, bytes calldata data) external;
}

/// @notice A yield vault over one token: deposits mint shares (an ERC-20, `Transfer` events from and to
/// the zero address) at the vault's accounted assets per share, withdrawals burn them. It also lends the
/// token it holds in flash loans for a 0.05% fee. Flaw (deliberate): the loan is judged repaid by the
/// vault's token balance alone, so a borrower that deposits the borrowed tokens back inside the callback
/// both repays the loan and is issued shares for the vault's own money.
contract ShareVault {
    IERC20 public immutable asset;
    string public name;
    string public symbol;
    uint8 public constant decimals = 18;
    uint256 public constant FEE_BPS = 5;
    uint256 public totalSupply;
    uint256 public totalAssets; // what depositors are owed, in the token
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 amount);
    event Approval(address indexed owner, address indexed spender, uint256 amount);
    event VaultLoan(address indexed receiver, uint256 amount, uint256 fee);

    constructor(IERC20 asset_, string memory name_, string memory symbol_) {
        asset = asset_;
        name = name_;
        symbol = symbol_;
    }

    function deposit(uint256 amount) external returns (uint256 shares) {
        shares = totalSupply == 0 ? amount : (amount * totalSupply) / totalAssets;
        require(shares > 0, "ShareVault: nothing to mint");
        require(asset.transferFrom(msg.sender, address(this), amount), "ShareVault: transfer failed");
        totalAssets += amount;
        totalSupply += shares;
        balanceOf[msg.sender] += shares;
        emit Transfer(address(0), msg.sender, shares);
    }

    function withdraw(uint256 shares) external returns (uint256 amount) {
        require(balanceOf[msg.sender] >= shares, "ShareVault: shares too low");
        amount = (shares * totalAssets) / totalSupply;
        balanceOf[msg.sender] -= shares;
        totalSupply -= shares;
        totalAssets -= amount;
        emit Transfer(msg.sender, address(0), shares);
        require(asset.transfer(msg.sender, amount), "ShareVault: transfer failed");
    }

    function flashLoan(IShareVaultBorrower receiver, uint256 amount, bytes calldata data) external {
        uint256 before = asset.balanceOf(address(this));
        require(amount > 0 && amount <= before, "ShareVault: amount unavailable");
        uint256 fee = (amount * FEE_BPS) / 10_000;
        require(asset.transfer(address(receiver), amount), "ShareVault: transfer failed");
        receiver.onShareVaultLoan(amount, fee, data);
        require(asset.balanceOf(address(this)) >= before + fee, "ShareVault: not repaid");
        totalAssets += fee;
        emit VaultLoan(address(receiver), amount, fee);
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        return move(msg.sender, to, amount);
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= amount, "ShareVault: allowance too low");
            allowance[from][msg.sender] = allowed - amount;
        }
        return move(from, to, amount);
    }

    function move(address from, address to, uint256 amount) private returns (bool) {
        require(balanceOf[from] >= amount, "ShareVault: balance too low");
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
        return true;
    }
}
