// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IPricedPool {
    function priceOf(uint256 i) external view returns (uint256);
}

/// @notice Price feed for one coin of a stable pool, in the round-based shape price consumers expect
/// (8 decimals, latestRoundData, an AnswerUpdated event per round). Anyone may poke() it to publish
/// the pool's current marginal price as a new round.
contract PriceFeed {
    uint8 public constant decimals = 8;
    IPricedPool public immutable pool;
    uint256 public immutable coinIndex;
    string public description;
    int256 public latestAnswer;
    uint256 public latestRound;
    uint256 public latestTimestamp;

    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    constructor(IPricedPool pool_, uint256 coinIndex_, string memory description_) {
        pool = pool_;
        coinIndex = coinIndex_;
        description = description_;
    }

    function poke() external returns (int256 answer) {
        answer = int256(pool.priceOf(coinIndex) / 1e10);
        latestAnswer = answer;
        latestRound += 1;
        latestTimestamp = block.timestamp;
        emit AnswerUpdated(answer, latestRound, block.timestamp);
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (uint80(latestRound), latestAnswer, latestTimestamp, latestTimestamp, uint80(latestRound));
    }
}
