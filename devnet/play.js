#!/usr/bin/env node
// Deploys the scenario contracts on a running local node (anvil) and plays the scenarios, each in its
// own blocks, then writes a manifest of what happened: contract addresses, tokens, flash-loan
// providers, stablecoins and, per scenario, its transactions, blocks, victims, attackers and the
// losses measured from chain balances before and after the scenario's actions.
//
//   node play.js --rpc URL --out manifest.json [--scenario NAME[,NAME...]]... [--list]
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { ethers } = require('ethers');
const { Chain } = require('./lib/chain');
const { SCENARIOS, setupShared } = require('./lib/scenarios');

const NATIVE = 'native';

function usage(msg) {
  if (msg) console.error(`play: ${msg}`);
  console.error('usage: node play.js --rpc URL --out manifest.json [--scenario NAME[,NAME...]]... [--list]');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { rpc: null, out: null, scenarios: [], list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--rpc') opts.rpc = value();
    else if (a === '--out') opts.out = value();
    else if (a === '--scenario') opts.scenarios.push(...value().split(',').filter(Boolean));
    else if (a === '--list') opts.list = true;
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument ${a}`);
  }
  return opts;
}

/// What one scenario did. Transactions sent while it is current are filed under setup_txs (deployments,
/// funding) or, inside act(), under txs (the scenario's own actions).
class Scenario {
  constructor(play, def) {
    this.play = play;
    this.chain = play.chain;
    this.def = def;
    this.contracts = {};
    this.setupTxs = [];
    this.txs = [];
    this.blocks = new Set();
    this.victims = []; // [{address, assets}]
    this.attackers = [];
    this.actors = []; // [{address, assets}]
    this.watch = [];
    this.observed = [];
    this.balanceChanges = [];
    this.details = {};
    this.inAction = false;
    this.range = null;
    this.loss = [];
    this.gains = [];
    this.gasByActor = new Map();
  }

  record(receipt, tx) {
    if (this.inAction) {
      this.txs.push(receipt.transactionHash);
      this.blocks.add(Number(BigInt(receipt.blockNumber)));
      const from = ethers.getAddress(receipt.from);
      const gas = BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice);
      this.gasByActor.set(from, (this.gasByActor.get(from) || 0n) + gas);
    } else {
      this.setupTxs.push(receipt.transactionHash);
    }
  }

  /// Deploys a contract for this scenario and files its address under `role`.
  async deploy(role, name, args, from) {
    const c = await this.chain.deploy(name, args, from);
    this.contracts[role] = c.address;
    this.play.contracts[`${this.def.name}.${role}`] = c.address;
    return c;
  }

  victim(address, assets) {
    this.victims.push({ address: ethers.getAddress(address), assets });
    this.addWatch(address);
  }

  attacker(...addresses) {
    for (const a of addresses) this.attackers.push(ethers.getAddress(a));
  }

  /// An account whose gains (or losses) over the actions are measured and reported.
  actor(address, assets) {
    this.actors.push({ address: ethers.getAddress(address), assets });
  }

  /// A contract whose balances are reported before and after the actions (victims are observed too).
  observe(address, assets) {
    this.observed.push({ address: ethers.getAddress(address), assets });
    this.addWatch(address);
  }

  addWatch(...addresses) {
    for (const a of addresses) {
      const addr = ethers.getAddress(a);
      if (!this.watch.includes(addr)) this.watch.push(addr);
    }
  }

  async balanceOf(account, asset) {
    if (asset === NATIVE) return this.chain.balance(account);
    return this.chain.at('Token', asset).read('balanceOf', account);
  }

  async snapshot(entries) {
    const out = [];
    for (const e of entries) for (const asset of e.assets) out.push({ address: e.address, asset, amount: await this.balanceOf(e.address, asset) });
    return out;
  }

  /// Runs the scenario's actions: balances of victims and actors are read before and after.
  async act(fn) {
    if (this.range) throw new Error(`${this.def.name}: act() called twice`);
    const vBefore = await this.snapshot(this.victims);
    const aBefore = await this.snapshot(this.actors);
    const oBefore = await this.snapshot([...this.victims, ...this.observed]);
    const first = (await this.chain.blockNumber()) + 1;
    this.inAction = true;
    try {
      await fn();
    } finally {
      this.inAction = false;
    }
    const last = await this.chain.blockNumber();
    if (last < first) throw new Error(`${this.def.name}: the actions mined no block`);
    this.range = [first, last];
    const vAfter = await this.snapshot(this.victims);
    const aAfter = await this.snapshot(this.actors);
    const oAfter = await this.snapshot([...this.victims, ...this.observed]);
    for (let i = 0; i < oBefore.length; i++) {
      this.balanceChanges.push({
        address: oBefore[i].address, asset: oBefore[i].asset,
        before: oBefore[i].amount.toString(), after: oAfter[i].amount.toString(),
      });
    }
    for (let i = 0; i < vBefore.length; i++) {
      const d = vBefore[i].amount - vAfter[i].amount;
      if (d > 0n) this.loss.push({ victim: vBefore[i].address, asset: vBefore[i].asset, amount: d.toString() });
      else if (this.def.exploit) {
        throw new Error(`${this.def.name}: victim ${vBefore[i].address} lost no ${vBefore[i].asset} (change ${-d})`);
      }
    }
    for (let i = 0; i < aBefore.length; i++) {
      let d = aAfter[i].amount - aBefore[i].amount;
      if (aBefore[i].asset === NATIVE) d += this.gasByActor.get(aBefore[i].address) || 0n; // gas is not a gain or loss
      if (d !== 0n) this.gains.push({ account: aBefore[i].address, asset: aBefore[i].asset, amount: d.toString() });
    }
  }

  /// Fails the scenario (and the whole run) when a condition it relies on does not hold.
  check(cond, what) {
    if (!cond) throw new Error(`${this.def.name}: check failed: ${what}`);
  }

  toJSON() {
    return {
      name: this.def.name,
      exploit: this.def.exploit,
      kind: this.def.kind,
      kinds: this.def.kinds || [this.def.kind],
      across_blocks: Boolean(this.def.across_blocks),
      description: this.def.description,
      contracts: this.contracts,
      txs: this.txs,
      blocks: [...this.blocks].sort((a, b) => a - b),
      block_range: this.range,
      setup_txs: this.setupTxs,
      victims: this.victims.map((v) => v.address),
      attackers: this.attackers,
      actors: this.actors.map((a) => a.address),
      watch: this.watch,
      loss: this.loss,
      gains: this.gains,
      balance_changes: this.balanceChanges,
      details: this.details,
    };
  }
}

class Play {
  constructor(chain) {
    this.chain = chain;
    this.contracts = {};
    this.tokens = [];
    this.flashProviders = [];
    this.stablecoins = [];
    this.accounts = {};
    this.setupTxs = [];
    this.current = null;
    chain.recorder = (receipt, tx) => {
      if (this.current) this.current.record(receipt, tx);
      else this.setupTxs.push(receipt.transactionHash);
    };
  }

  addFlashProvider(address) {
    const a = ethers.getAddress(address);
    if (!this.flashProviders.includes(a)) this.flashProviders.push(a);
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.list) {
    for (const s of SCENARIOS) console.log(`${s.name}\t${s.exploit ? 'exploit' : 'benign'}\t${s.kind}`);
    return;
  }
  if (!opts.rpc) usage('--rpc is required');
  if (!opts.out) usage('--out is required');
  const known = new Set(SCENARIOS.map((s) => s.name));
  for (const n of opts.scenarios) if (!known.has(n)) usage(`unknown scenario ${n} (see --list)`);
  const chosen = opts.scenarios.length ? SCENARIOS.filter((s) => opts.scenarios.includes(s.name)) : SCENARIOS;

  const chain = new Chain(opts.rpc);
  const chainId = Number(BigInt(await chain.rpc('eth_chainId')));
  // Blocks 12 s apart, as on mainnet, so that durations measured in time mean something.
  await chain.rpc('anvil_setBlockTimestampInterval', [12]);
  const play = new Play(chain);
  const started = Date.now();
  const firstBlock = (await chain.blockNumber()) + 1;
  const shared = await setupShared(play);

  const results = [];
  const balances = [];
  for (const def of chosen) {
    const t0 = Date.now();
    const s = new Scenario(play, def);
    play.current = s;
    try {
      await def.run(s, shared);
    } catch (err) {
      err.message = `scenario ${def.name}: ${err.message}`;
      throw err;
    } finally {
      play.current = null;
    }
    if (!s.range) throw new Error(`scenario ${def.name} has no actions`);
    results.push(s.toJSON());
    // The drain scenarios' victims and observed contracts: the balances the monitor watches across blocks.
    if ((def.kinds || [def.kind]).includes('drain')) {
      for (const w of [...s.victims, ...s.observed]) {
        let b = balances.find((x) => x.holder === w.address);
        if (!b) balances.push((b = { holder: w.address, assets: [] }));
        for (const a of w.assets) if (!b.assets.includes(a)) b.assets.push(a);
      }
    }
    console.error(`play: ${def.name} (${def.exploit ? 'exploit' : 'benign'}): ${s.txs.length} txs in blocks ` +
      `${s.range[0]}..${s.range[1]}, loss ${JSON.stringify(s.loss)} [${Date.now() - t0} ms]`);
  }

  const manifest = {
    chain_id: chainId,
    rpc: opts.rpc,
    first_block: firstBlock,
    last_block: await chain.blockNumber(),
    accounts: play.accounts,
    contracts: play.contracts,
    tokens: play.tokens,
    flash_providers: play.flashProviders,
    stablecoins: play.stablecoins,
    balances,
    setup_txs: play.setupTxs,
    scenarios: results,
  };
  fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
  fs.writeFileSync(opts.out, JSON.stringify(manifest, null, 2) + '\n');
  console.error(`play: ${results.length} scenarios, blocks ${firstBlock}..${manifest.last_block}, ` +
    `manifest ${opts.out} [${Date.now() - started} ms]`);
}

main().catch((err) => {
  console.error(`play: ${err.stack || err.message}`);
  process.exit(1);
});
