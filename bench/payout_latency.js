#!/usr/bin/env node
// Time from an exploit's block being mined to the parametric payout's receipt, on anvil, with a zero
// challenge window: `bulwark monitor --respond --settle` follows the chain while the devnet's
// re-entrancy drain is played; the clock starts when the exploit's block first answers
// eth_blockNumber (polled every 2 ms) and stops when the monitor prints the confirmed settlement.
// Also: when the finding and the ledger payout were printed, and, as a baseline in the same run, a
// bare transfer's send-to-receipt time on the same node.
//
//   node bench/payout_latency.js [--bulwark build/release/bulwark] [--rounds 5] [--poll-ms 10]
//
// Each round uses a fresh anvil (the devnet is deterministic, so the vault's address is learnt once).
'use strict';
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const DEVNET = path.join(ROOT, 'devnet');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const BULWARK = path.resolve(opt('--bulwark', path.join(ROOT, 'build/release/bulwark')));
const ROUNDS = Number(opt('--rounds', '5'));
const POLL_MS = opt('--poll-ms', '10');
const TREASURY_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const HOLDER = '0x000000000000000000000000000000000005a001';

const now = () => Number(process.hrtime.bigint()) / 1e6;  // ms
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function rpc(url, method, params = []) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(30_000), // a stuck node fails the run instead of hanging it
  });
  const j = await res.json();
  if (j.error) throw new Error(`${method}: ${j.error.message}`);
  return j.result;
}

function startAnvil(work) {
  const out = execFileSync(path.join(DEVNET, 'run-anvil.sh'), ['start'], {
    env: { ...process.env, ANVIL_LOG: path.join(work, 'anvil.log') },
  }).toString().trim().split(/\s+/);
  return { url: `http://127.0.0.1:${out[0]}`, pid: out[1] };
}
const stopAnvil = (a) => execFileSync(path.join(DEVNET, 'run-anvil.sh'), ['stop', a.pid]);

function play(url, out) {
  return new Promise((resolve, reject) => {
    const p = spawn('node', ['play.js', '--rpc', url, '--out', out, '--scenario', 'reentrancy_drain'], {
      cwd: DEVNET, stdio: 'ignore',
    });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`play.js exited ${code}`))));
  });
}

function bulwark(work, env, ...a) {
  return execFileSync(BULWARK, ['--db', path.join(work, 'b.db'), '--config', path.join(work, 'config.json'), ...a], {
    env: { ...process.env, ...env },
  }).toString();
}

async function round(work, vault, exploitTimeGuess) {
  const anvil = startAnvil(work);
  try {
    fs.rmSync(path.join(work, 'b.db'), { force: true });
    const before = { BULWARK_NOW: String(exploitTimeGuess - 3 * 86400) };
    bulwark(work, before, 'asset', 'add', '--chain', '31337', '--symbol', 'ETH', '--decimals', '18');
    bulwark(work, before, 'pool', 'create', '--name', 'main', '--asset', 'ETH');
    bulwark(work, before, 'pool', 'deposit', '1', '--owner', HOLDER, '--amount', '100');
    bulwark(work, before, 'product', 'add', '--name', 'vault', '--chain', '31337', '--contract', vault, '--asset', 'ETH',
      '--parametric', '--payout', 'fixed');
    bulwark(work, before, 'pool', 'back', '1', '--product', '1', '--weight', '100');
    bulwark(work, before, 'buy', '--holder', HOLDER, '--product', '1', '--amount', '1', '--asset', 'ETH', '--days', '365',
      '--max-premium', '1');
    const seen = new Map();  // block -> first wall time seen
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const n = Number(await rpc(anvil.url, 'eth_blockNumber'));
        if (!seen.has(n)) seen.set(n, now());
        await sleep(2);
      }
    })();
    const mon = spawn(BULWARK, ['--db', path.join(work, 'b.db'), '--config', path.join(work, 'config.json'), 'monitor',
      '--rpc', anvil.url, '--from', '1', '--respond', '--settle', '--treasury-key-file', path.join(work, 'key'),
      '--poll-ms', POLL_MS, '--quiet'], { env: { ...process.env, BULWARK_NOW: String(exploitTimeGuess + 60) } });
    const events = {};
    let buf = '';
    mon.stdout.on('data', (d) => {
      buf += d;
      for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) {
        const line = JSON.parse(buf.slice(0, i));
        const t = now();
        if (line.findings && line.findings.some((f) => f.kind === 'reentrancy') && !events.finding) events.finding = t;
        if (line.payout && !events.payout) events.payout = t;
        if (line.settlement && line.settlement.confirmed > 0 && !events.confirmed) events.confirmed = t;
      }
    });
    await sleep(300);
    await play(anvil.url, path.join(work, 'manifest.json'));
    const deadline = now() + 20000;
    while (!events.confirmed && now() < deadline) await sleep(5);
    // The baseline: a bare transfer's send-to-receipt time on the same node.
    const t0 = now();
    const h = await rpc(anvil.url, 'eth_sendTransaction', [{ from: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8', to: HOLDER, value: '0x1' }]);
    while (!(await rpc(anvil.url, 'eth_getTransactionReceipt', [h]))) await sleep(1);
    const baseline = now() - t0;
    polling = false;
    await poller;
    mon.kill('SIGTERM');
    const m = JSON.parse(fs.readFileSync(path.join(work, 'manifest.json'), 'utf8'));
    const s = m.scenarios.find((x) => x.name === 'reentrancy_drain');
    if (s.victims[0].toLowerCase() !== vault.toLowerCase()) throw new Error('the devnet was not deterministic');
    const receipt = await rpc(anvil.url, 'eth_getTransactionReceipt', [s.txs[s.txs.length - 1]]);
    const mined = seen.get(Number(receipt.blockNumber));
    if (!events.confirmed || mined === undefined) throw new Error('no confirmed payout within 20 s');
    return {
      finding: events.finding - mined, payout: events.payout - mined, receipt: events.confirmed - mined, baseline,
    };
  } finally {
    stopAnvil(anvil);
  }
}

(async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-latency-'));
  try {
    execFileSync('node', ['compile.js'], { cwd: DEVNET, stdio: 'ignore' });
    fs.writeFileSync(path.join(work, 'key'), TREASURY_KEY + '\n');
    fs.writeFileSync(path.join(work, 'config.json'),
      JSON.stringify({ claims: { challenge_window: 0 }, settlement: { confirmations: 1 } }));
    // Learn the vault's address and the exploit's block time once.
    const a = startAnvil(work);
    let vault, time;
    try {
      await play(a.url, path.join(work, 'manifest.json'));
      const m = JSON.parse(fs.readFileSync(path.join(work, 'manifest.json'), 'utf8'));
      const s = m.scenarios.find((x) => x.name === 'reentrancy_drain');
      vault = s.victims[0];
      const r = await rpc(a.url, 'eth_getTransactionReceipt', [s.txs[s.txs.length - 1]]);
      time = Number((await rpc(a.url, 'eth_getBlockByNumber', [r.blockNumber, false])).timestamp);
    } finally {
      stopAnvil(a);
    }
    const rows = [];
    for (let i = 0; i < ROUNDS; ++i) {
      const r = await round(work, vault, time);
      rows.push(r);
      console.error(`round ${i + 1}: finding ${r.finding.toFixed(1)} ms, payout ${r.payout.toFixed(1)} ms, ` +
        `receipt ${r.receipt.toFixed(1)} ms (bare transfer ${r.baseline.toFixed(1)} ms)`);
    }
    const med = (k) => {
      const v = rows.map((r) => r[k]).sort((x, y) => x - y);
      return v[Math.floor(v.length / 2)];
    };
    const max = (k) => Math.max(...rows.map((r) => r[k]));
    const out = {};
    for (const k of ['finding', 'payout', 'receipt', 'baseline']) out[k] = { median_ms: med(k), max_ms: max(k) };
    out.rounds = ROUNDS;
    out.poll_ms = Number(POLL_MS);
    out.goal_receipt_ms = 2000;
    out.goal_met = out.receipt.max_ms < 2000;
    console.log(JSON.stringify(out));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
})().catch((e) => {
  console.error(`payout_latency: ${e.message}`);
  process.exit(1);
});
