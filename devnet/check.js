#!/usr/bin/env node
// Checks a manifest written by play.js, and optionally the call traces of its transactions.
//
//   node check.js MANIFEST [--traces DIR] [--samples DIR]
//
// The manifest must be complete: every scenario has transactions and blocks, exploits name victims and
// attackers and have non-zero losses, and each kind is covered by an exploit and by a benign look-alike.
// With --traces DIR (DIR/<txhash>.json: the node's JSON-RPC answer to debug_traceTransaction with
// callTracer and withLog), every scenario transaction must have a well-formed call tree, and each
// exploit's losses must equal what the traces show leaving the victim (ether in call values, tokens in
// Transfer logs). With --samples DIR, each scenario's first action trace is written to
// DIR/<scenario>.json (the bare call tree, as the node returned it).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { ethers } = require('ethers');
const { SCENARIOS } = require('./lib/scenarios');

const KINDS = ['reentrancy', 'flash_loan', 'price_manipulation', 'drain', 'depeg', 'governance', 'extraction'];
const TRANSFER = ethers.id('Transfer(address,address,uint256)');
const HEX = /^0x[0-9a-f]*$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const TXHASH = /^0x[0-9a-f]{64}$/;

const problems = [];
const fail = (msg) => problems.push(msg);

function parseArgs(argv) {
  const opts = { manifest: null, traces: null, samples: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--traces') opts.traces = argv[++i];
    else if (argv[i] === '--samples') opts.samples = argv[++i];
    else if (!opts.manifest) opts.manifest = argv[i];
    else throw new Error(`unexpected argument ${argv[i]}`);
  }
  if (!opts.manifest) throw new Error('usage: node check.js MANIFEST [--traces DIR] [--samples DIR]');
  return opts;
}

function checkManifest(m) {
  if (m.chain_id !== 31337) fail(`chain_id is ${m.chain_id}, not 31337`);
  if (!m.contracts || Object.keys(m.contracts).length === 0) fail('no contracts');
  for (const [k, v] of Object.entries(m.contracts || {})) if (!ADDRESS.test(v)) fail(`contract ${k} has no address`);
  if (!Array.isArray(m.tokens) || m.tokens.length === 0) fail('no tokens');
  for (const t of m.tokens || []) {
    if (!ADDRESS.test(t.address) || !t.symbol || !Number.isInteger(t.decimals)) fail(`bad token ${JSON.stringify(t)}`);
  }
  if (!Array.isArray(m.flash_providers) || m.flash_providers.length === 0) fail('no flash providers');
  if (!Array.isArray(m.stablecoins) || m.stablecoins.length === 0) fail('no stablecoins');
  for (const c of m.stablecoins || []) if (!ADDRESS.test(c.address) || !Array.isArray(c.pools) || !Array.isArray(c.feeds)) fail(`bad stablecoin ${c.symbol}`);

  const names = new Set();
  for (const s of m.scenarios || []) {
    const where = `scenario ${s.name}`;
    if (names.has(s.name)) fail(`${where} appears twice`);
    names.add(s.name);
    if (typeof s.exploit !== 'boolean') fail(`${where}: exploit is not a boolean`);
    if (!KINDS.includes(s.kind)) fail(`${where}: kind ${s.kind} is not one of ${KINDS.join('|')}`);
    if (!Array.isArray(s.kinds) || !s.kinds.includes(s.kind) || s.kinds.some((k) => !KINDS.includes(k))) fail(`${where}: bad kinds`);
    if (!Array.isArray(s.txs) || s.txs.length === 0) fail(`${where}: no transactions`);
    for (const h of s.txs || []) if (!TXHASH.test(h)) fail(`${where}: bad tx hash ${h}`);
    if (!Array.isArray(s.blocks) || s.blocks.length === 0) fail(`${where}: no blocks`);
    const [lo, hi] = s.block_range || [];
    if (!(lo <= hi) || (s.blocks || []).some((b) => b < lo || b > hi)) fail(`${where}: blocks outside block_range`);
    if (lo < m.first_block || hi > m.last_block) fail(`${where}: block_range outside the manifest's blocks`);
    for (const l of s.loss || []) {
      if (!/^[1-9][0-9]*$/.test(l.amount)) fail(`${where}: loss amount ${l.amount} is not a positive integer`);
      if (l.asset !== 'native' && !ADDRESS.test(l.asset)) fail(`${where}: loss asset ${l.asset}`);
      if (!s.victims.includes(l.victim)) fail(`${where}: loss of ${l.victim}, who is not a victim`);
    }
    if (s.exploit) {
      if (s.victims.length === 0) fail(`${where}: an exploit without victims`);
      if (s.attackers.length === 0) fail(`${where}: an exploit without attackers`);
      if (s.loss.length === 0) fail(`${where}: an exploit without a loss`);
      for (const v of s.victims) if (!s.loss.some((l) => l.victim === v)) fail(`${where}: victim ${v} has no loss`);
    } else if (s.loss.length || s.attackers.length) {
      fail(`${where}: a benign scenario with a loss or attackers`);
    }
  }
  if (names.size === SCENARIOS.length) {
    for (const def of SCENARIOS) if (!names.has(def.name)) fail(`scenario ${def.name} is missing`);
    for (const k of KINDS) {
      const scen = m.scenarios.filter((s) => s.kinds.includes(k));
      if (!scen.some((s) => s.exploit)) fail(`no exploit of kind ${k}`);
      if (!scen.some((s) => !s.exploit)) fail(`no benign look-alike of kind ${k}`);
    }
  } else if (names.size === 0) {
    fail('no scenarios');
  }
}

/// Checks one call frame and its children; returns {frames, logs, depth}.
function checkFrame(f, where, depth = 0) {
  const stat = { frames: 1, logs: 0, depth };
  if (!['CALL', 'STATICCALL', 'DELEGATECALL', 'CALLCODE', 'CREATE', 'CREATE2', 'SELFDESTRUCT'].includes(f.type)) {
    fail(`${where}: frame type ${f.type}`);
  }
  if (!ADDRESS.test(f.from) || !ADDRESS.test(f.to)) fail(`${where}: frame without from/to`);
  if (!HEX.test(f.gas) || !HEX.test(f.gasUsed) || !HEX.test(f.input)) fail(`${where}: gas, gasUsed or input not hex`);
  for (const l of f.logs || []) {
    stat.logs += 1;
    if (!ADDRESS.test(l.address) || !Array.isArray(l.topics) || !HEX.test(l.data)) fail(`${where}: bad log`);
  }
  for (const c of f.calls || []) {
    const s = checkFrame(c, where, depth + 1);
    stat.frames += s.frames;
    stat.logs += s.logs;
    stat.depth = Math.max(stat.depth, s.depth);
  }
  return stat;
}

/// Net outflow per asset from `who` across a call tree: ether in call values (successful frames only),
/// tokens in Transfer logs.
function outflows(frame, who, acc, reverted = false) {
  const failed = reverted || !!frame.error;
  const value = frame.value ? BigInt(frame.value) : 0n;
  if (!failed && value > 0n && frame.type !== 'DELEGATECALL') {
    if (frame.from.toLowerCase() === who) acc.native = (acc.native || 0n) + value;
    if (frame.to.toLowerCase() === who) acc.native = (acc.native || 0n) - value;
  }
  if (!failed) {
    for (const l of frame.logs || []) {
      if (l.topics[0] !== TRANSFER || l.topics.length !== 3) continue;
      const from = '0x' + l.topics[1].slice(26);
      const to = '0x' + l.topics[2].slice(26);
      const amount = BigInt(l.data);
      const asset = l.address.toLowerCase();
      if (from === who) acc[asset] = (acc[asset] || 0n) + amount;
      if (to === who) acc[asset] = (acc[asset] || 0n) - amount;
    }
  }
  for (const c of frame.calls || []) outflows(c, who, acc, failed);
  return acc;
}

function checkTraces(m, dir, samples) {
  if (samples) fs.mkdirSync(samples, { recursive: true });
  let count = 0;
  for (const s of m.scenarios) {
    const trees = [];
    for (const h of s.txs) {
      const file = path.join(dir, `${h}.json`);
      if (!fs.existsSync(file)) {
        fail(`scenario ${s.name}: no trace file for ${h}`);
        continue;
      }
      let msg;
      try {
        msg = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (err) {
        fail(`scenario ${s.name}: trace of ${h} is not JSON (${err.message})`);
        continue;
      }
      if (!msg.result) {
        fail(`scenario ${s.name}: debug_traceTransaction ${h} failed: ${JSON.stringify(msg.error)}`);
        continue;
      }
      const stat = checkFrame(msg.result, `scenario ${s.name} tx ${h}`);
      if (msg.result.error) fail(`scenario ${s.name}: tx ${h} reverted in its trace`);
      trees.push({ hash: h, tree: msg.result, stat });
      count += 1;
    }
    if (trees.length === 0) continue;
    if (s.exploit) {
      if (!trees.some((t) => t.stat.depth >= 1)) fail(`scenario ${s.name}: exploit trace has no inner calls`);
      if (!trees.some((t) => t.stat.logs > 0)) fail(`scenario ${s.name}: exploit trace has no logs (withLog ignored?)`);
      for (const v of s.victims) {
        const acc = {};
        for (const t of trees) outflows(t.tree, v.toLowerCase(), acc);
        for (const l of s.loss.filter((x) => x.victim === v)) {
          const key = l.asset === 'native' ? 'native' : l.asset.toLowerCase();
          const seen = acc[key] || 0n;
          if (seen.toString() !== l.amount) {
            fail(`scenario ${s.name}: traces show ${seen} of ${l.asset} leaving ${v}, the balances ${l.amount}`);
          }
        }
      }
    }
    if (s.name === 'reentrancy_drain') {
      const victim = s.victims[0].toLowerCase();
      const nested = (f, open) => (f.to.toLowerCase() === victim && open) ||
        (f.calls || []).some((c) => nested(c, open || f.to.toLowerCase() === victim));
      if (!trees.some((t) => nested(t.tree, false))) fail('scenario reentrancy_drain: the vault is not re-entered in its trace');
    }
    if (samples) {
      const main = trees.reduce((a, b) => (b.stat.frames > a.stat.frames ? b : a));
      fs.writeFileSync(path.join(samples, `${s.name}.json`), JSON.stringify(main.tree, null, 1) + '\n');
    }
  }
  return count;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const m = JSON.parse(fs.readFileSync(opts.manifest, 'utf8'));
  checkManifest(m);
  let traced = 0;
  if (opts.traces) traced = checkTraces(m, opts.traces, opts.samples);
  if (problems.length) {
    for (const p of problems) console.error(`check: ${p}`);
    console.error(`check: ${problems.length} problem(s)`);
    process.exit(1);
  }
  const exploits = m.scenarios.filter((s) => s.exploit).length;
  console.error(`check: manifest complete: ${m.scenarios.length} scenarios (${exploits} exploits), ` +
    (opts.traces ? `${traced} traces well-formed, exploit losses match the traces` : "traces not checked"));
}

try {
  main();
} catch (err) {
  console.error(`check: ${err.message}`);
  process.exit(1);
}
