'use strict';
// The shared deployment (tokens, flash-loan pool, router, governance token) and the scenarios.
// Each scenario deploys its own protocol contracts, funds them in setup transactions, then runs its
// actions inside s.act(); every number it relies on is checked against the chain as it goes.

const { ethers } = require('ethers');

const NATIVE = 'native';
const MAX = ethers.MaxUint256;
const eth = (x) => ethers.parseEther(String(x));
const units = (x, decimals) => ethers.parseUnits(String(x), decimals);

const ROLES = [
  'deployer', 'alice', 'bob', 'carol', 'dave', 'whale', 'trader', 'keeper', 'arbitrageur', 'liquidator',
  'borrower', 'grantee', 'attacker_reentrancy', 'attacker_price', 'attacker_governance', 'attacker_drain',
  'dumper', 'lp', 'attacker_vault',
];

// Constant-product quotes, the same integer formulas as contracts/core/AmmMath.sol.
function amountOut(amountIn, reserveIn, reserveOut) {
  const f = amountIn * 997n;
  return (f * reserveOut) / (reserveIn * 1000n + f);
}
function amountIn(out, reserveIn, reserveOut) {
  return (reserveIn * out * 1000n) / ((reserveOut - out) * 997n) + 1n;
}

/// The integer in [lo, hi] where a unimodal f is largest (ternary search).
function argmax(f, lo, hi) {
  while (hi - lo > 2n) {
    const m1 = lo + (hi - lo) / 3n;
    const m2 = hi - (hi - lo) / 3n;
    if (f(m1) < f(m2)) lo = m1;
    else hi = m2;
  }
  let best = lo;
  for (let x = lo + 1n; x <= hi; x++) if (f(x) > f(best)) best = x;
  return best;
}

function bps(a, b) {
  // |a - b| / b in basis points, as a number
  const d = a > b ? a - b : b - a;
  return Number((d * 1_000_000n) / b) / 100;
}

async function setupShared(play) {
  const chain = play.chain;
  const list = await chain.rpc('eth_accounts');
  if (list.length < ROLES.length) throw new Error(`the node has ${list.length} unlocked accounts, ${ROLES.length} needed`);
  const acc = {};
  ROLES.forEach((r, i) => { acc[r] = ethers.getAddress(list[i]); });
  play.accounts = acc;
  const D = acc.deployer;

  const usdx = await chain.deploy('Token', ['Example Dollar X', 'USDX', 6], D);
  const usdy = await chain.deploy('Token', ['Example Dollar Y', 'USDY', 18], D);
  const alt = await chain.deploy('Token', ['Alt Token', 'ALT', 18], D);
  const gov = await chain.deploy('GovToken', ['Governance Token', 'GOV'], D);
  const weth = await chain.deploy('WrappedEther', [], D);
  const lender = await chain.deploy('FlashLender', [], D);
  const router = await chain.deploy('Router', [], D);
  Object.assign(play.contracts, {
    USDX: usdx.address, USDY: usdy.address, ALT: alt.address, GOV: gov.address, WETH: weth.address,
    FlashLender: lender.address, Router: router.address,
  });
  play.tokens.push(
    { address: usdx.address, symbol: 'USDX', decimals: 6 },
    { address: usdy.address, symbol: 'USDY', decimals: 18 },
    { address: alt.address, symbol: 'ALT', decimals: 18 },
    { address: gov.address, symbol: 'GOV', decimals: 18 },
    { address: weth.address, symbol: 'WETH', decimals: 18 },
  );
  play.addFlashProvider(lender.address);
  play.stablecoins.push(
    { address: usdx.address, symbol: 'USDX', decimals: 6, peg: 'USD', pools: [], feeds: [] },
    { address: usdy.address, symbol: 'USDY', decimals: 18, peg: 'USD', pools: [], feeds: [] },
  );

  const sh = { play, chain, acc, usdx, usdy, alt, gov, weth, lender, router };
  sh.mint = (token, to, amount) => token.send(D, 'mint', [to, amount]);
  sh.approve = (token, owner, spender) => token.send(owner, 'approve', [spender, MAX]);
  sh.balance = (token, who) => (token === NATIVE ? chain.balance(who) : token.read('balanceOf', who));

  // Flash-loan liquidity, and the governance token's holders (1,000,000 GOV in all).
  await sh.mint(usdx, lender.address, units(5_000_000, 6));
  await sh.mint(usdy, lender.address, units(2_000_000, 18));
  await sh.mint(alt, lender.address, units(2_000_000, 18));
  const govHolders = [
    [lender.address, 700_000], [acc.alice, 100_000], [acc.bob, 100_000], [acc.carol, 50_000],
    [acc.dave, 30_000], [acc.attacker_governance, 1_000], [D, 19_000],
  ];
  for (const [who, n] of govHolders) await sh.mint(gov, who, eth(n));
  return sh;
}

/// A pair of two shared tokens with liquidity from the `lp` account.
async function newPair(s, sh, role, tokenA, amountA, tokenB, amountB) {
  const pair = await s.deploy(role, 'Pair', [tokenA.address, tokenB.address], sh.acc.deployer);
  sh.play.addFlashProvider(pair.address);
  const lp = sh.acc.lp;
  await sh.mint(tokenA, lp, amountA);
  await sh.mint(tokenB, lp, amountB);
  await sh.approve(tokenA, lp, sh.router.address);
  await sh.approve(tokenB, lp, sh.router.address);
  const aIs0 = (await pair.read('token0')) === tokenA.address;
  await sh.router.send(lp, 'addLiquidity', [pair.address, aIs0 ? amountA : amountB, aIs0 ? amountB : amountA, lp]);
  return pair;
}

/// A callback pool ALT/USDX (1,000,000 of each, from `lp`) and the router that swaps through it.
async function newCallbackPool(s, sh) {
  const pool = await s.deploy('pool', 'CallbackPool', [sh.alt.address, sh.usdx.address], sh.acc.deployer);
  const router = await s.deploy('router', 'CallbackRouter', [], sh.acc.deployer);
  await sh.mint(sh.alt, pool.address, eth(1_000_000));
  await sh.mint(sh.usdx, pool.address, units(1_000_000, 6));
  await pool.send(sh.acc.lp, 'sync', []);
  return { pool, router };
}

/// Mints each holder's amount of `token`, has it approve `target` and call `target.method(amount)`.
async function depositAll(sh, token, target, method, holdings) {
  for (const [who, amount] of holdings) {
    await sh.mint(token, who, amount);
    await sh.approve(token, who, target.address);
    await target.send(who, method, [amount]);
  }
}

/// A staking pool with alice's and bob's stakes, and the drain attacker's migration forger, registered.
async function forgedMigrationSetup(s, sh, alice, bob) {
  const { acc, usdx } = sh;
  const pool = await s.deploy('pool', 'StakingPool', [usdx.address, acc.deployer], acc.deployer);
  await depositAll(sh, usdx, pool, 'stake', [[acc.alice, units(alice, 6)], [acc.bob, units(bob, 6)]]);
  const atk = await s.deploy('attack_contract', 'MigrationForger', [], acc.attacker_drain);
  s.victim(pool.address, [usdx.address]);
  s.attacker(acc.attacker_drain, atk.address);
  s.actor(acc.attacker_drain, [usdx.address]);
  return { pool, atk };
}

/// A token vault holding a whale's 700,000 USDX and alice's and bob's 300,000; the whale withdraws
/// `amounts` (USDX), one transaction each. Returns the vault and its balance before and after.
async function whaleWithdraws(s, sh, amounts) {
  const { acc, usdx } = sh;
  const vault = await s.deploy('vault', 'TokenVault', [usdx.address], acc.deployer);
  await depositAll(sh, usdx, vault, 'deposit', [
    [acc.whale, units(700_000, 6)], [acc.alice, units(200_000, 6)], [acc.bob, units(100_000, 6)],
  ]);
  s.observe(vault.address, [usdx.address]);
  s.actor(acc.whale, [usdx.address]);
  const before = await sh.balance(usdx, vault.address);
  await s.act(async () => {
    for (const n of amounts) await vault.send(acc.whale, 'withdraw', [units(n, 6)]);
  });
  return { vault, before, after: await sh.balance(usdx, vault.address) };
}

/// Reserves of `pair` as {base, quote}.
async function reserves(pair, base) {
  const [r0, r1] = await pair.read('getReserves');
  const baseIs0 = (await pair.read('token0')) === base.address;
  return baseIs0 ? { base: r0, quote: r1 } : { base: r1, quote: r0 };
}

/// Quote-token price of one base unit, scaled by 1e18.
async function spot(pair, base) {
  const r = await reserves(pair, base);
  return (r.quote * 10n ** 18n) / r.base;
}

/// A two-coin stable pool USDX/USDY with 1,000,000 of each from `lp`, and a feed for USDY.
async function newStablePool(s, sh, amplification) {
  const pool = await s.deploy('pool', 'StablePool', [sh.usdx.address, sh.usdy.address, amplification], sh.acc.deployer);
  const lp = sh.acc.lp;
  const a0 = units(1_000_000, 6);
  const a1 = units(1_000_000, 18);
  await sh.mint(sh.usdx, lp, a0);
  await sh.mint(sh.usdy, lp, a1);
  await sh.approve(sh.usdx, lp, pool.address);
  await sh.approve(sh.usdy, lp, pool.address);
  await pool.send(lp, 'addLiquidity', [[a0, a1]]);
  const feed = await s.deploy('feed_usdy', 'PriceFeed', [pool.address, 1, 'USDY / USD'], sh.acc.deployer);
  for (const c of sh.play.stablecoins) c.pools.push(pool.address);
  sh.play.stablecoins[1].feeds.push({ address: feed.address, pool: pool.address, coin_index: 1, decimals: 8 });
  return { pool, feed };
}

/// Records USDY's pool price after the last mined block into s.details.price_path.
async function notePrice(s, pool) {
  const price = await pool.read('priceOf', 1);
  const block = await s.chain.blockNumber();
  const entry = { block, usdy_price: ethers.formatUnits(price, 18), deviation_bps: bps(price, 10n ** 18n) };
  (s.details.price_path ||= []).push(entry);
  return entry;
}

const SCENARIOS = [
  {
    name: 'reentrancy_drain',
    exploit: true,
    kind: 'reentrancy',
    description: 'An attacker contract deposits 2 ETH into the ether vault and re-enters withdrawAll() from its ' +
      'receive hook until the vault is empty, then pays its owner; all in one transaction.',
    async run(s, sh) {
      const { acc } = sh;
      const vault = await s.deploy('vault', 'EtherVault', [], acc.deployer);
      await vault.send(acc.alice, 'deposit', [], eth(8));
      await vault.send(acc.bob, 'deposit', [], eth(7));
      await vault.send(acc.carol, 'deposit', [], eth('5.5'));
      const atk = await s.deploy('attack_contract', 'ReentrancyAttacker', [vault.address], acc.attacker_reentrancy);
      s.victim(vault.address, [NATIVE]);
      s.attacker(acc.attacker_reentrancy, atk.address);
      s.actor(acc.attacker_reentrancy, [NATIVE]);
      await s.act(async () => {
        await atk.send(acc.attacker_reentrancy, 'attack', [], eth(2));
      });
      const reentries = await atk.read('reentries');
      s.check(reentries >= 2n, `the attacker re-entered the vault (${reentries} times)`);
      s.check((await sh.balance(NATIVE, vault.address)) < eth(2), 'the vault is left with less than one payout');
      s.details.reentries = Number(reentries);
    },
  },
  {
    name: 'vault_ordinary_use',
    exploit: false,
    kind: 'reentrancy',
    description: 'Ordinary deposits and withdrawals on the same kind of ether vault, by accounts and by a ' +
      'contract wallet whose receive hook runs code (but does not call the vault).',
    async run(s, sh) {
      const { acc } = sh;
      const vault = await s.deploy('vault', 'EtherVault', [], acc.deployer);
      await vault.send(acc.alice, 'deposit', [], eth(5));
      await vault.send(acc.bob, 'deposit', [], eth(3));
      const wallet = await s.deploy('wallet', 'SmartWallet', [vault.address, 0], acc.dave);
      s.observe(vault.address, [NATIVE]);
      s.actor(acc.dave, [NATIVE]);
      await s.act(async () => {
        await vault.send(acc.alice, 'withdraw', [eth(2)]);
        await vault.send(acc.bob, 'withdrawAll', []);
        await vault.send(acc.carol, 'deposit', [], eth(4));
        await vault.send(acc.carol, 'withdraw', [eth(1)]);
        await wallet.send(acc.dave, 'save', [], eth(3));
        await wallet.send(acc.dave, 'withdrawAll', []);
      });
      const held = await sh.balance(NATIVE, vault.address);
      s.check(held === eth(6), `the vault holds exactly what alice and carol left in it (${ethers.formatEther(held)} ETH)`);
    },
  },
  {
    name: 'vault_wallet_redeposit',
    exploit: false,
    kind: 'reentrancy',
    description: 'A contract wallet withdraws 6 ETH of its own savings; its receive hook calls back into the vault ' +
      '(deposit) while the withdrawal is still open, putting half back and forwarding the rest to its owner.',
    async run(s, sh) {
      const { acc } = sh;
      const vault = await s.deploy('vault', 'EtherVault', [], acc.deployer);
      await vault.send(acc.alice, 'deposit', [], eth(10));
      const wallet = await s.deploy('wallet', 'SmartWallet', [vault.address, 5000], acc.dave);
      await wallet.send(acc.dave, 'save', [], eth(6));
      s.observe(vault.address, [NATIVE]);
      s.actor(acc.dave, [NATIVE]);
      await s.act(async () => {
        await wallet.send(acc.dave, 'withdraw', [eth(6)]);
      });
      s.check((await vault.read('balanceOf', wallet.address)) === eth(3), 'the wallet keeps 3 ETH saved');
      s.check((await sh.balance(NATIVE, vault.address)) === eth(13), 'the vault holds alice 10 + wallet 3 ETH');
    },
  },
  {
    name: 'flash_price_manipulation',
    exploit: true,
    kind: 'price_manipulation',
    kinds: ['price_manipulation', 'flash_loan'],
    description: 'Flash-borrow 1,000,000 USDX; buy 1,000 USDX of ALT at the fair price; pump ALT ~100x on the ' +
      'pair the lending market reads with 900,000 USDX; post the cheap ALT as collateral and borrow all the ' +
      "market's USDX; sell the pumped ALT back; repay the loan and keep the difference. One transaction.",
    async run(s, sh) {
      const { acc, usdx, alt } = sh;
      const pair = await newPair(s, sh, 'pair', alt, eth(100_000), usdx, units(100_000, 6));
      const market = await s.deploy('market', 'LendingMarket', [alt.address, usdx.address, pair.address], acc.deployer);
      await depositAll(sh, usdx, market, 'supply', [[acc.alice, units(40_000, 6)], [acc.bob, units(20_000, 6)]]);
      await sh.mint(alt, acc.carol, eth(5_000));
      await sh.approve(alt, acc.carol, market.address);
      await market.send(acc.carol, 'depositCollateral', [eth(5_000)]);
      await market.send(acc.carol, 'borrow', [units(2_000, 6)]);
      const atk = await s.deploy('attack_contract', 'PriceManipulator', [sh.lender.address, market.address], acc.attacker_price);
      s.victim(market.address, [usdx.address]);
      s.observe(pair.address, [usdx.address, alt.address]);
      s.observe(sh.lender.address, [usdx.address]);
      s.attacker(acc.attacker_price, atk.address);
      s.actor(acc.attacker_price, [usdx.address]);
      const priceBefore = await market.read('price');
      const flash = units(1_000_000, 6);
      const seed = units(1_000, 6);
      const pump = units(900_000, 6);
      // The price the market will see after the pump, from the pair's formula.
      const r = await reserves(pair, alt);
      const seedOut = amountOut(seed, r.quote, r.base);
      const pumpOut = amountOut(pump, r.quote + seed, r.base - seedOut);
      const peak = ((r.quote + seed + pump) * 10n ** 18n) / (r.base - seedOut - pumpOut);
      await s.act(async () => {
        await atk.send(acc.attacker_price, 'attack', [flash, seed, pump]);
      });
      const priceAfter = await market.read('price');
      s.check((await sh.balance(usdx, market.address)) === 0n, 'the market has no USDX left');
      s.check(bps(priceAfter, priceBefore) < 1000, `the pair price is back within 10% of where it started (${bps(priceAfter, priceBefore)} bps)`);
      s.check((await market.read('debtOf', atk.address)) > 0n, 'the attacker left debt behind');
      Object.assign(s.details, {
        flash_amount: flash.toString(), pump_amount: pump.toString(),
        price_before: ethers.formatUnits(priceBefore, 6), price_peak: ethers.formatUnits(peak, 6),
        price_after: ethers.formatUnits(priceAfter, 6), price_unit: 'USDX per ALT',
      });
    },
  },
  {
    name: 'flash_arbitrage',
    exploit: false,
    kind: 'flash_loan',
    kinds: ['flash_loan', 'price_manipulation'],
    description: 'A trader buys ALT on one of two ALT/USDX pairs, lifting its price ~12%; in the next block an ' +
      'arbitrageur flash-borrows USDX, buys ALT on the other pair, sells it on the dear one, repays, keeps the spread.',
    async run(s, sh) {
      const { acc, usdx, alt } = sh;
      const cheap = await newPair(s, sh, 'pair_cheap', alt, eth(200_000), usdx, units(200_000, 6));
      const dear = await newPair(s, sh, 'pair_dear', alt, eth(200_000), usdx, units(200_000, 6));
      const arb = await s.deploy('arbitrage_contract', 'FlashArbitrageur', [sh.lender.address], acc.arbitrageur);
      await sh.mint(usdx, acc.trader, units(12_000, 6));
      await sh.approve(usdx, acc.trader, sh.router.address);
      s.observe(cheap.address, [usdx.address, alt.address]);
      s.observe(dear.address, [usdx.address, alt.address]);
      s.observe(sh.lender.address, [usdx.address]);
      s.actor(acc.arbitrageur, [usdx.address]);
      await s.act(async () => {
        await sh.router.send(acc.trader, 'swapExactIn', [dear.address, usdx.address, units(12_000, 6), 0, acc.trader]);
        const a = await reserves(cheap, alt);
        const b = await reserves(dear, alt);
        const profit = (x) => amountOut(amountOut(x, a.quote, a.base), b.base, b.quote) - x - (x * 9n) / 10_000n;
        const x = argmax(profit, 1n, a.quote / 4n);
        s.check(profit(x) > 0n, 'the gap is worth closing');
        s.details.borrowed = x.toString();
        await arb.send(acc.arbitrageur, 'run', [cheap.address, dear.address, usdx.address, x]);
      });
      const gap = bps(await spot(cheap, alt), await spot(dear, alt));
      s.check(gap < 100, `the two pairs' prices are within 1% after the arbitrage (${gap} bps)`);
      const g = s.gains.find((x) => x.account === acc.arbitrageur);
      s.check(g && BigInt(g.amount) > 0n, 'the arbitrageur made money');
    },
  },
  {
    name: 'flashswap_arbitrage',
    exploit: false,
    kind: 'flash_loan',
    description: 'A trader sells ALT on one pair, making it ~10% cheaper there; an arbitrageur flash-swaps ALT out ' +
      'of that pair, sells it on the other pair, and pays the first pair back in USDX from the proceeds.',
    async run(s, sh) {
      const { acc, usdx, alt } = sh;
      const cheap = await newPair(s, sh, 'pair_cheap', alt, eth(150_000), usdx, units(150_000, 6));
      const dear = await newPair(s, sh, 'pair_dear', alt, eth(150_000), usdx, units(150_000, 6));
      const arb = await s.deploy('arbitrage_contract', 'FlashSwapArbitrageur', [], acc.arbitrageur);
      await sh.mint(alt, acc.trader, eth(8_000));
      await sh.approve(alt, acc.trader, sh.router.address);
      s.observe(cheap.address, [usdx.address, alt.address]);
      s.observe(dear.address, [usdx.address, alt.address]);
      s.actor(acc.arbitrageur, [usdx.address]);
      await s.act(async () => {
        await sh.router.send(acc.trader, 'swapExactIn', [cheap.address, alt.address, eth(8_000), 0, acc.trader]);
        const c = await reserves(cheap, alt);
        const d = await reserves(dear, alt);
        const profit = (b) => amountOut(b, d.base, d.quote) - amountIn(b, c.quote, c.base);
        const b = argmax(profit, 1n, c.base / 4n);
        s.check(profit(b) > 0n, 'the gap is worth closing');
        s.details.flash_swapped = b.toString();
        await arb.send(acc.arbitrageur, 'run', [cheap.address, dear.address, alt.address, b]);
      });
      const gap = bps(await spot(cheap, alt), await spot(dear, alt));
      s.check(gap < 100, `the two pairs' prices are within 1% after the arbitrage (${gap} bps)`);
      const g = s.gains.find((x) => x.account === acc.arbitrageur);
      s.check(g && BigInt(g.amount) > 0n, 'the arbitrageur made money');
    },
  },
  {
    name: 'governance_flash_takeover',
    exploit: true,
    kind: 'governance',
    kinds: ['governance', 'flash_loan'],
    description: 'An attacker contract flash-borrows 700,000 GOV (70% of the supply) and, in the same transaction, ' +
      'proposes to send the whole treasury to itself, votes for it, executes it through the supermajority path, ' +
      'repays the GOV, unwraps the WETH and pays its owner.',
    async run(s, sh) {
      const { acc, usdx, weth, gov } = sh;
      const governor = await s.deploy('governor', 'Governor', [gov.address, 20, 1000, 6667, 100], acc.deployer);
      await sh.mint(usdx, governor.address, units(250_000, 6));
      await weth.send(acc.deployer, 'deposit', [], eth(50));
      await weth.send(acc.deployer, 'transfer', [governor.address, eth(50)]);
      await sh.chain.send({ from: acc.deployer, to: governor.address, value: eth(20), label: 'fund treasury' });
      const atk = await s.deploy('attack_contract', 'GovernanceAttacker',
        [sh.lender.address, governor.address, usdx.address, weth.address], acc.attacker_governance);
      await gov.send(acc.attacker_governance, 'transfer', [atk.address, eth(1_000)]);
      s.victim(governor.address, [usdx.address, weth.address, NATIVE]);
      s.observe(sh.lender.address, [gov.address]);
      s.attacker(acc.attacker_governance, atk.address);
      s.actor(acc.attacker_governance, [usdx.address, NATIVE]);
      await s.act(async () => {
        await atk.send(acc.attacker_governance, 'attack', [eth(700_000)]);
      });
      const id = await governor.read('proposalCount');
      const [forVotes] = await governor.read('votes', id);
      s.check(forVotes >= eth(700_000), 'the proposal passed on borrowed votes');
      for (const asset of [usdx, weth, NATIVE]) {
        s.check((await sh.balance(asset, governor.address)) === 0n, 'the treasury is empty');
      }
      Object.assign(s.details, { proposal_id: Number(id), for_votes: forVotes.toString(), borrowed_votes: eth(700_000).toString() });
    },
  },
  {
    name: 'governance_ordinary_vote',
    exploit: false,
    kind: 'governance',
    description: 'A holder proposes a 10,000 USDX grant from the treasury; three holders vote over three blocks; ' +
      'after the 20-block voting period the proposal is executed.',
    async run(s, sh) {
      const { acc, usdx, gov } = sh;
      const governor = await s.deploy('governor', 'Governor', [gov.address, 20, 1000, 6667, 100], acc.deployer);
      await sh.mint(usdx, governor.address, units(100_000, 6));
      s.observe(governor.address, [usdx.address]);
      s.actor(acc.grantee, [usdx.address]);
      const grant = units(10_000, 6);
      await s.act(async () => {
        const call = usdx.iface.encodeFunctionData('transfer', [acc.grantee, grant]);
        await governor.send(acc.dave, 'propose', [[usdx.address], [0], [call], 'Grant: 10,000 USDX to the grantee']);
        const id = await governor.read('proposalCount');
        await governor.send(acc.alice, 'castVote', [id, true]);
        await governor.send(acc.bob, 'castVote', [id, true]);
        await governor.send(acc.carol, 'castVote', [id, false]);
        s.check(!(await governor.read('executable', id)), 'the proposal cannot be executed before its deadline');
        await sh.chain.mine(20);
        s.check(await governor.read('executable', id), 'the proposal can be executed after its deadline');
        await governor.send(acc.dave, 'execute', [id]);
        s.details.proposal_id = Number(id);
      });
      s.check((await sh.balance(usdx, acc.grantee)) === grant, 'the grantee received the grant');
    },
  },
  {
    name: 'stable_depeg',
    exploit: true,
    kind: 'depeg',
    description: 'A holder dumps 650,000 USDY into the USDX/USDY stable pool (A = 50, 1,000,000 each), driving ' +
      "USDY's pool price ~6.5% under the peg; it stays there while a keeper publishes the pool price to the feed " +
      'in each of the next 9 blocks.',
    async run(s, sh) {
      const { acc, usdx, usdy } = sh;
      const { pool, feed } = await newStablePool(s, sh, 50);
      const dump = eth(650_000);
      await sh.mint(usdy, acc.dumper, dump);
      await sh.approve(usdy, acc.dumper, pool.address);
      s.victim(pool.address, [usdx.address]);
      s.observe(pool.address, [usdy.address]);
      s.attacker(acc.dumper);
      s.actor(acc.dumper, [usdx.address, usdy.address]);
      let dumpBlock;
      await s.act(async () => {
        await feed.send(acc.keeper, 'poke', []);
        await notePrice(s, pool);
        await pool.send(acc.dumper, 'exchange', [1, 0, dump, 0]);
        dumpBlock = (await notePrice(s, pool)).block;
        for (let i = 0; i < 9; i++) {
          await feed.send(acc.keeper, 'poke', []);
          await notePrice(s, pool);
        }
      });
      const off = s.details.price_path.filter((p) => p.block >= dumpBlock);
      s.check(off.length >= 10 && off.every((p) => p.deviation_bps > 300), 'USDY stays more than 3% off peg for 10 blocks');
      s.check(s.details.price_path[0].deviation_bps < 50, 'USDY starts on peg');
      const answer = await feed.read('latestAnswer');
      s.check(answer < 97_000_000n, `the feed reports the depeg (${answer})`);
      Object.assign(s.details, { depeg_from_block: dumpBlock, off_peg_blocks: off.length, band_bps: 300 });
    },
  },
  {
    name: 'stable_volatility',
    exploit: false,
    kind: 'depeg',
    description: 'Ordinary two-way trading in a USDX/USDY stable pool: USDY moves by up to ~2% and back, never ' +
      '3% off peg; a keeper publishes the price after each trade.',
    async run(s, sh) {
      const { acc, usdx, usdy } = sh;
      const { pool, feed } = await newStablePool(s, sh, 50);
      await sh.mint(usdx, acc.trader, units(600_000, 6));
      await sh.mint(usdy, acc.trader, eth(600_000));
      await sh.approve(usdx, acc.trader, pool.address);
      await sh.approve(usdy, acc.trader, pool.address);
      s.observe(pool.address, [usdx.address, usdy.address]);
      const trades = [[1, 0, eth(250_000)], [1, 0, eth(150_000)], [0, 1, units(200_000, 6)], [0, 1, units(250_000, 6)],
        [1, 0, eth(120_000)], [0, 1, units(60_000, 6)]];
      await s.act(async () => {
        for (const [i, j, dx] of trades) {
          await pool.send(acc.trader, 'exchange', [i, j, dx, 0]);
          await notePrice(s, pool);
          await feed.send(acc.keeper, 'poke', []);
        }
      });
      const worst = Math.max(...s.details.price_path.map((p) => p.deviation_bps));
      s.check(worst < 300, `USDY never goes 3% off peg (worst ${worst} bps)`);
      s.check(worst > 150, `the trading moves the price by more than 1.5% (worst ${worst} bps)`);
      s.details.worst_deviation_bps = worst;
    },
  },
  {
    name: 'stable_brief_dip',
    exploit: false,
    kind: 'depeg',
    description: 'A large USDY sale pushes USDY ~5% under the peg for two blocks (the sale and one feed update); in ' +
      'the next block an arbitrageur buys USDY back and the price returns to the peg.',
    async run(s, sh) {
      const { acc, usdx, usdy } = sh;
      const { pool, feed } = await newStablePool(s, sh, 50);
      const sale = eth(600_000);
      await sh.mint(usdy, acc.trader, sale);
      await sh.approve(usdy, acc.trader, pool.address);
      await sh.mint(usdx, acc.arbitrageur, units(700_000, 6));
      await sh.approve(usdx, acc.arbitrageur, pool.address);
      s.observe(pool.address, [usdx.address, usdy.address]);
      let saleBlock;
      await s.act(async () => {
        const before = await sh.balance(usdx, acc.trader);
        await pool.send(acc.trader, 'exchange', [1, 0, sale, 0]);
        saleBlock = (await notePrice(s, pool)).block;
        await feed.send(acc.keeper, 'poke', []);
        await notePrice(s, pool);
        const received = (await sh.balance(usdx, acc.trader)) - before;
        await pool.send(acc.arbitrageur, 'exchange', [0, 1, received, 0]);
        await notePrice(s, pool);
        await feed.send(acc.keeper, 'poke', []);
        await notePrice(s, pool);
      });
      const off = s.details.price_path.filter((p) => p.deviation_bps > 300).map((p) => p.block);
      s.check(off.length === 2 && off[0] === saleBlock && off[1] === saleBlock + 1, `off peg for exactly two blocks (${off})`);
      const last = s.details.price_path[s.details.price_path.length - 1];
      s.check(last.deviation_bps < 100, `back within 1% of the peg (${last.deviation_bps} bps)`);
      Object.assign(s.details, { off_peg_blocks: off.length, band_bps: 300 });
    },
  },
  {
    name: 'vault_access_drain',
    exploit: true,
    kind: 'drain',
    description: 'The attacker has a factory deploy, with CREATE2, a contract whose constructor calls the token ' +
      "vault's unguarded setGuardian() to make itself guardian, then emergencyWithdraw() to send all 500,000 USDX " +
      'to the attacker; one transaction.',
    async run(s, sh) {
      const { acc, usdx } = sh;
      const vault = await s.deploy('vault', 'TokenVault', [usdx.address], acc.deployer);
      await depositAll(sh, usdx, vault, 'deposit', [
        [acc.alice, units(300_000, 6)], [acc.bob, units(150_000, 6)], [acc.carol, units(50_000, 6)],
      ]);
      const factory = await s.deploy('attack_factory', 'DrainerFactory', [], acc.attacker_drain);
      const salt = ethers.id('drain');
      const drainer = await factory.read('predict', vault.address, acc.attacker_drain, salt);
      s.contracts.attack_contract = drainer;
      s.play.contracts[`${s.def.name}.attack_contract`] = drainer;
      s.victim(vault.address, [usdx.address]);
      s.attacker(acc.attacker_drain, factory.address, drainer);
      s.actor(acc.attacker_drain, [usdx.address]);
      await s.act(async () => {
        await factory.send(acc.attacker_drain, 'drain', [vault.address, acc.attacker_drain, salt]);
      });
      s.check((await sh.chain.rpc('eth_getCode', [drainer, 'latest'])).length > 2, 'the drainer was created where predicted');
      s.check((await sh.balance(usdx, vault.address)) === 0n, 'the vault is empty');
      s.check((await vault.read('totalDeposits')) === units(500_000, 6), 'the depositors are still owed 500,000 USDX');
    },
  },
  {
    name: 'whale_withdrawal',
    exploit: false,
    kind: 'drain',
    description: 'A whale who deposited 700,000 of the 1,000,000 USDX in a token vault withdraws all of it: 70% of ' +
      "the vault's balance leaves in one transaction, every unit of it the whale's own.",
    async run(s, sh) {
      const { vault, before, after } = await whaleWithdraws(s, sh, [700_000]);
      s.check((before - after) * 2n > before, 'more than half of the vault left');
      s.check(after === (await vault.read('totalDeposits')), 'everyone still in the vault is fully backed');
      s.details.share_withdrawn_bps = Number(((before - after) * 10_000n) / before);
    },
  },
  {
    name: 'whale_withdrawal_in_steps',
    exploit: false,
    kind: 'drain',
    across_blocks: true,
    description: 'A whale who deposited 700,000 of the 1,000,000 USDX in a token vault withdraws it in three ' +
      "transactions in three blocks: 70% of the vault's balance leaves within the monitor's drain window, " +
      "every unit of it the whale's own.",
    async run(s, sh) {
      const { after } = await whaleWithdraws(s, sh, [300_000, 250_000, 150_000]);
      s.check(after === units(300_000, 6), "the vault holds alice's and bob's 300,000");
    },
  },
  {
    name: 'flash_liquidation',
    exploit: false,
    kind: 'flash_loan',
    kinds: ['flash_loan', 'price_manipulation'],
    description: "A trader's large ALT sale drops ALT ~36% on the pair the lending market reads, leaving a " +
      "borrower under water; in the next block a liquidator flash-borrows USDX, repays half the borrower's debt, " +
      'takes the collateral with the 10% bonus, sells it on the pair and repays the loan.',
    async run(s, sh) {
      const { acc, usdx, alt } = sh;
      const pair = await newPair(s, sh, 'pair', alt, eth(1_000_000), usdx, units(1_000_000, 6));
      const market = await s.deploy('market', 'LendingMarket', [alt.address, usdx.address, pair.address], acc.deployer);
      await sh.mint(usdx, acc.alice, units(200_000, 6));
      await sh.approve(usdx, acc.alice, market.address);
      await market.send(acc.alice, 'supply', [units(200_000, 6)]);
      await sh.mint(alt, acc.borrower, eth(10_000));
      await sh.approve(alt, acc.borrower, market.address);
      await market.send(acc.borrower, 'depositCollateral', [eth(10_000)]);
      await market.send(acc.borrower, 'borrow', [units(7_000, 6)]);
      const liq = await s.deploy('liquidator_contract', 'FlashLiquidator', [sh.lender.address, market.address], acc.liquidator);
      await sh.mint(alt, acc.trader, eth(250_000));
      await sh.approve(alt, acc.trader, sh.router.address);
      s.observe(market.address, [usdx.address, alt.address]);
      s.observe(pair.address, [usdx.address, alt.address]);
      s.observe(sh.lender.address, [usdx.address]);
      s.actor(acc.liquidator, [usdx.address]);
      await s.act(async () => {
        s.check(!(await market.read('liquidatable', acc.borrower)), 'the borrower starts healthy');
        await sh.router.send(acc.trader, 'swapExactIn', [pair.address, alt.address, eth(250_000), 0, acc.trader]);
        s.check(await market.read('liquidatable', acc.borrower), 'the sale leaves the borrower liquidatable');
        await liq.send(acc.liquidator, 'liquidate', [acc.borrower, units(3_500, 6)]);
      });
      s.check((await market.read('debtOf', acc.borrower)) === units(3_500, 6), 'half the debt was repaid');
      const g = s.gains.find((x) => x.account === acc.liquidator);
      s.check(g && BigInt(g.amount) > 0n, 'the liquidator made money');
      s.details.collateral_left = (await market.read('collateralOf', acc.borrower)).toString();
    },
  },
  {
    name: 'flash_deposit_reentrancy',
    exploit: true,
    kind: 'reentrancy',
    kinds: ['reentrancy', 'flash_loan'],
    description: "An attacker contract flash-borrows all 1,000,000 USDX the share vault holds and deposits it back " +
      "inside the loan's callback: the vault, which judges the loan by its balance, counts the deposit as the " +
      'repayment and issues the attacker half of all shares for its own money; the attacker redeems them and ' +
      'pays its owner. One transaction.',
    async run(s, sh) {
      const { acc, usdx } = sh;
      const vault = await s.deploy('vault', 'ShareVault', [usdx.address, 'Vault USDX', 'vUSDX'], acc.deployer);
      await depositAll(sh, usdx, vault, 'deposit', [[acc.alice, units(600_000, 6)], [acc.bob, units(400_000, 6)]]);
      const atk = await s.deploy('attack_contract', 'FlashDepositAttacker', [vault.address], acc.attacker_vault);
      await sh.mint(usdx, atk.address, units(1_000, 6)); // its float for the loan's fee
      s.victim(vault.address, [usdx.address]);
      s.attacker(acc.attacker_vault, atk.address);
      s.actor(acc.attacker_vault, [usdx.address]);
      await s.act(async () => {
        await atk.send(acc.attacker_vault, 'attack', []);
      });
      const left = await sh.balance(usdx, vault.address);
      s.check(left * 100n < units(1_000_000, 6), `the vault is left with under 1% of its tokens (${ethers.formatUnits(left, 6)} USDX)`);
      s.check((await vault.read('totalSupply')) === units(1_000_000, 6), "alice's and bob's shares are all that is left");
    },
  },
  {
    name: 'flash_deposit_ordinary',
    exploit: false,
    kind: 'reentrancy',
    description: "A keeper flash-borrows 500,000 USDX from the share vault and, inside the loan's callback, deposits " +
      '20,000 USDX of its own savings into the same vault, then repays the loan with its fee by transfer; ' +
      'depositors deposit and withdraw around it.',
    async run(s, sh) {
      const { acc, usdx } = sh;
      const vault = await s.deploy('vault', 'ShareVault', [usdx.address, 'Vault USDX', 'vUSDX'], acc.deployer);
      for (const [who, n] of [[acc.alice, 600_000], [acc.bob, 400_000], [acc.carol, 50_000]]) {
        await sh.mint(usdx, who, units(n, 6));
        await sh.approve(usdx, who, vault.address);
        if (who !== acc.carol) await vault.send(who, 'deposit', [units(n, 6)]);
      }
      const keeper = await s.deploy('keeper_contract', 'VaultLoanKeeper', [vault.address], acc.keeper);
      await sh.mint(usdx, keeper.address, units(21_000, 6)); // savings, and the fee
      s.observe(vault.address, [usdx.address]);
      s.actor(acc.keeper, [usdx.address]);
      await s.act(async () => {
        await keeper.send(acc.keeper, 'run', [units(500_000, 6), units(20_000, 6)]);
        await vault.send(acc.carol, 'deposit', [units(50_000, 6)]);
        await vault.send(acc.bob, 'withdraw', [units(400_000, 6)]);
      });
      s.check((await vault.read('balanceOf', keeper.address)) > 0n, 'the keeper holds shares for its savings');
      const held = await sh.balance(usdx, vault.address);
      s.check(held >= (await vault.read('totalAssets')), 'the vault holds at least what its depositors are owed');
    },
  },
  {
    name: 'forged_migration_drain',
    exploit: true,
    kind: 'drain',
    description: "The attacker's standing contract reads the staking pool's 800,000 USDX balance, calls the pool's " +
      'unchecked migrateStake() naming itself as the old staking contract and exactly that amount, withdraws the ' +
      'credited stake and pays its owner; one transaction.',
    async run(s, sh) {
      const { acc, usdx } = sh;
      const { pool, atk } = await forgedMigrationSetup(s, sh, 500_000, 300_000);
      await s.act(async () => {
        await atk.send(acc.attacker_drain, 'forge', [pool.address]);
      });
      s.check((await sh.balance(usdx, pool.address)) === 0n, 'the pool is empty');
      s.check((await pool.read('stakeOf', acc.alice)) === units(500_000, 6), 'alice is still owed her stake');
    },
  },
  {
    name: 'forged_migration_in_steps',
    exploit: true,
    kind: 'drain',
    across_blocks: true,
    description: "The same forged migration taken in three transactions of 300,000 USDX in three blocks, none sized to " +
      "the pool's balance: each alone is a medium finding; together they take 90% of the pool within the " +
      "monitor's drain window.",
    async run(s, sh) {
      const { acc, usdx } = sh;
      const { pool, atk } = await forgedMigrationSetup(s, sh, 600_000, 400_000);
      await s.act(async () => {
        for (let i = 0; i < 3; i++) await atk.send(acc.attacker_drain, 'forgePart', [pool.address, units(300_000, 6)]);
      });
      s.check((await sh.balance(usdx, pool.address)) === units(100_000, 6), 'the pool keeps 100,000 of 1,000,000 USDX');
    },
  },
  {
    name: 'staking_owner_sweep',
    exploit: false,
    kind: 'drain',
    description: 'Someone sends 600,000 USDX to a staking pool by mistake; the treasury contract that owns the pool reads ' +
      "the pool's balance, sweeps what it holds beyond its stakers' 200,000 (75% of the balance leaves in one " +
      'transaction) and forwards it to its owner; a staker withdraws.',
    async run(s, sh) {
      const { acc, usdx } = sh;
      const treasury = await s.deploy('treasury', 'TreasuryCollector', [], acc.keeper);
      const pool = await s.deploy('pool', 'StakingPool', [usdx.address, treasury.address], acc.deployer);
      await depositAll(sh, usdx, pool, 'stake', [[acc.alice, units(150_000, 6)], [acc.bob, units(50_000, 6)]]);
      await sh.mint(usdx, acc.carol, units(600_000, 6));
      await usdx.send(acc.carol, 'transfer', [pool.address, units(600_000, 6)]);
      s.observe(pool.address, [usdx.address]);
      s.actor(acc.keeper, [usdx.address]);
      await s.act(async () => {
        await treasury.send(acc.keeper, 'collect', [pool.address]);
        await pool.send(acc.bob, 'withdrawAll', []);
      });
      s.check((await treasury.read('lastSeen')) === units(800_000, 6), 'the treasury read the whole balance first');
      s.check((await sh.balance(usdx, pool.address)) === units(150_000, 6), "the pool holds exactly alice's stake");
    },
  },
  {
    name: 'forged_callback_pull',
    exploit: true,
    kind: 'extraction',
    description: "The attacker's standing contract calls the swap router's pool callback itself, naming alice (who " +
      "approved the router without limit) as the payer and her whole 250,000 USDX as the amount owed: the router " +
      'pulls it to the attacker; one transaction.',
    async run(s, sh) {
      const { acc, usdx, alt } = sh;
      const { router } = await newCallbackPool(s, sh);
      await sh.mint(usdx, acc.alice, units(250_000, 6));
      await sh.approve(usdx, acc.alice, router.address);
      const atk = await s.deploy('attack_contract', 'CallbackForger', [], acc.attacker_price);
      s.victim(acc.alice, [usdx.address]);
      s.observe(router.address, [usdx.address, alt.address]);
      s.attacker(acc.attacker_price, atk.address);
      s.actor(acc.attacker_price, [usdx.address]);
      await s.act(async () => {
        await atk.send(acc.attacker_price, 'forge', [router.address, acc.alice, usdx.address]);
      });
      s.check((await sh.balance(usdx, acc.alice)) === 0n, "alice's USDX is gone");
    },
  },
  {
    name: 'router_callback_swaps',
    exploit: false,
    kind: 'extraction',
    description: 'Accounts that approved the same swap router swap through it: the pool pays each of them, then ' +
      'calls the router back, which pulls their input into the pool; one of them sells its whole balance.',
    async run(s, sh) {
      const { acc, usdx, alt } = sh;
      const { pool, router } = await newCallbackPool(s, sh);
      await sh.mint(usdx, acc.alice, units(250_000, 6));
      await sh.approve(usdx, acc.alice, router.address);
      await sh.mint(alt, acc.bob, eth(20_000));
      await sh.approve(alt, acc.bob, router.address);
      s.observe(pool.address, [usdx.address, alt.address]);
      s.observe(router.address, [usdx.address, alt.address]);
      s.actor(acc.alice, [usdx.address, alt.address]);
      s.actor(acc.bob, [usdx.address, alt.address]);
      const usdxIs0 = (await pool.read('token0')) === usdx.address;
      await s.act(async () => {
        await router.send(acc.alice, 'swap', [pool.address, usdxIs0, units(250_000, 6), 0]);
        await router.send(acc.bob, 'swap', [pool.address, !usdxIs0, eth(20_000), 0]);
      });
      s.check((await sh.balance(usdx, acc.alice)) === 0n, 'alice sold all her USDX');
      s.check((await sh.balance(alt, acc.alice)) > 0n, 'alice was paid in ALT');
    },
  },
  {
    name: 'forged_callback_bot',
    exploit: true,
    kind: 'extraction',
    description: "The attacker's standing contract calls a trading bot's swap callback itself, as if it were a pool, " +
      "claiming 400,000 USDX owed: the bot pays it from its owner's float; one transaction.",
    async run(s, sh) {
      const { acc, usdx } = sh;
      await newCallbackPool(s, sh);
      const bot = await s.deploy('bot', 'SwapBot', [], acc.trader);
      await sh.mint(usdx, bot.address, units(500_000, 6));
      const atk = await s.deploy('attack_contract', 'CallbackForger', [], acc.attacker_price);
      s.victim(bot.address, [usdx.address]);
      s.attacker(acc.attacker_price, atk.address);
      s.actor(acc.attacker_price, [usdx.address]);
      await s.act(async () => {
        await atk.send(acc.attacker_price, 'claim', [bot.address, usdx.address, units(400_000, 6)]);
      });
      s.check((await sh.balance(usdx, bot.address)) === units(100_000, 6), 'the bot lost 400,000 USDX');
    },
  },
  {
    name: 'bot_callback_trades',
    exploit: false,
    kind: 'extraction',
    description: "The bot's owner trades its float through the callback pool twice: each time the pool pays the bot " +
      'and calls its swap callback, which pays the pool from the float.',
    async run(s, sh) {
      const { acc, usdx, alt } = sh;
      const { pool } = await newCallbackPool(s, sh);
      const bot = await s.deploy('bot', 'SwapBot', [], acc.trader);
      await sh.mint(usdx, bot.address, units(500_000, 6));
      s.observe(pool.address, [usdx.address, alt.address]);
      s.observe(bot.address, [usdx.address, alt.address]);
      s.actor(acc.trader, [usdx.address, alt.address]);
      const usdxIs0 = (await pool.read('token0')) === usdx.address;
      await s.act(async () => {
        await bot.send(acc.trader, 'trade', [pool.address, usdxIs0, units(300_000, 6)]);
        await bot.send(acc.trader, 'trade', [pool.address, !usdxIs0, eth(100_000)]);
      });
      s.check((await sh.balance(alt, bot.address)) > 0n, 'the bot holds ALT it bought');
    },
  },
];

module.exports = { SCENARIOS, setupShared, NATIVE };
