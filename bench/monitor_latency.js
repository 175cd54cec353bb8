#!/usr/bin/env node
// Block mined -> finding printed, for `bulwark monitor` on a local anvil chain.
//
// Starts anvil (devnet/run-anvil.sh) and `bulwark monitor --poll-ms P` following it from the head,
// then plays a re-entrancy exploit ROUNDS times. Each round deploys a fresh vault (three deposits)
// and attacker contract with automine on, waits until the monitor has committed those blocks (its
// progress on stderr), waits a random fraction of the poll interval (so that the exploit lands at a
// random point of the monitor's polling cycle), turns automine off, sends the attack transaction,
// mines it with evm_mine, and takes the time when evm_mine returns. The latency is from there to the
// monitor's finding line for that transaction arriving on its stdout (a pipe read by this process;
// both times from this process's monotonic clock). A round fails if the finding is not printed within
// 10 s or names another block; the script then exits non-zero.
//
// Baselines measured in the same run: a bare eth_blockNumber round trip and evm_mine itself, from this
// process; the poll interval's own share of the latency is half the interval on average.
//
//   node bench/monitor_latency.js [--bulwark PATH] [--rounds N] [--poll-ms P] [--db URL | --pg-run PATH]
//
// --bulwark: default build/release/bulwark, else build/ci/bulwark. --rounds: default 12. --poll-ms:
// default 10. --db: the monitor's store (default: an SQLite file in a temporary directory);
// --pg-run: the tests' pg_run program (build/ci/tests/pg_run), to use a private PostgreSQL cluster.
// Prints one JSON object on stdout.
'use strict';

const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { performance } = require('node:perf_hooks');

const ROOT = path.resolve(__dirname, '..');
const DEVNET = path.join(ROOT, 'devnet');
const { Chain } = require(path.join(DEVNET, 'lib', 'chain'));
const { ethers } = require(require.resolve('ethers', { paths: [DEVNET] }));

function parseArgs(argv) {
  const o = { bulwark: null, rounds: 12, pollMs: 10, db: null, pgRun: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--bulwark') o.bulwark = path.resolve(v());
    else if (a === '--rounds') o.rounds = Number(v());
    else if (a === '--poll-ms') o.pollMs = Number(v());
    else if (a === '--db') o.db = v();
    else if (a === '--pg-run') o.pgRun = path.resolve(v());
    else throw new Error(`unknown argument ${a}`);
  }
  if (!o.bulwark) {
    o.bulwark = ['release', 'ci'].map((p) => path.join(ROOT, 'build', p, 'bulwark')).find((p) => fs.existsSync(p));
    if (!o.bulwark) throw new Error('no build/release/bulwark or build/ci/bulwark: build one, or give --bulwark');
  }
  if (!(o.rounds >= 1) || !(o.pollMs >= 1)) throw new Error('--rounds and --poll-ms must be positive');
  return o;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round1 = (x) => Math.round(x * 10) / 10;

/// Waits until `ready()` is true, checking every 2 ms; fails after `ms` with `what`.
async function until(ready, ms, what) {
  const end = performance.now() + ms;
  while (!ready()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(2);
  }
}

/// The monitor as a child process: finding lines (stamped on arrival) and its progress.
class Monitor {
  constructor(bin, db, url, pollMs) {
    this.findings = new Map(); // tx -> {t, block, kinds}
    this.checkpoint = -1;
    this.errTail = [];
    this.exited = null;
    this.proc = spawn(bin, ['--db', db, 'monitor', '--rpc', url, '--poll-ms', String(pollMs)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    readline.createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const t = performance.now();
      const j = JSON.parse(line);
      if (!j.findings) return;
      const prev = this.findings.get(j.tx);
      const kinds = j.findings.map((f) => f.kind);
      if (prev) prev.kinds.push(...kinds);
      else this.findings.set(j.tx, { t, block: j.block, kinds });
    });
    readline.createInterface({ input: this.proc.stderr }).on('line', (line) => {
      const m = / at block (\d+) /.exec(line);
      if (m) this.checkpoint = Math.max(this.checkpoint, Number(m[1]));
      this.errTail.push(line);
      if (this.errTail.length > 20) this.errTail.shift();
    });
    this.proc.on('exit', (code, signal) => {
      this.exited = { code, signal };
    });
  }
  alive() {
    if (this.exited) throw new Error(`the monitor exited (${JSON.stringify(this.exited)}): ${this.errTail.join('\n')}`);
    return true;
  }
  async stop() {
    if (this.exited) return;
    this.proc.kill('SIGTERM');
    await until(() => this.exited, 10_000, 'the monitor to stop').catch(() => this.proc.kill('SIGKILL'));
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-latency-'));
  let anvilPid = null;
  let monitor = null;
  let pg = null;
  try {
    execFileSync('node', ['compile.js'], { cwd: DEVNET, stdio: 'ignore' });
    const started = execFileSync(path.join(DEVNET, 'run-anvil.sh'), ['start'], {
      cwd: DEVNET,
      env: { ...process.env, ANVIL_LOG: path.join(work, 'anvil.log') },
      stdio: ['ignore', 'pipe', 'inherit'],
    }).toString().trim().split(/\s+/);
    anvilPid = started[1];
    const url = `http://127.0.0.1:${started[0]}`;
    const chain = new Chain(url);

    let db = o.db || path.join(work, 'monitor.db');
    if (o.pgRun) {
      pg = spawn(o.pgRun, ['latency'], { stdio: ['pipe', 'pipe', 'inherit'] });
      db = await new Promise((resolve, reject) => {
        readline.createInterface({ input: pg.stdout }).once('line', resolve);
        pg.on('exit', (code) => reject(new Error(`pg_run exited (${code})`)));
      });
    }

    // Baselines: a bare round trip, and evm_mine of an empty block.
    const rtt = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await chain.rpc('eth_blockNumber');
      rtt.push(performance.now() - t);
    }
    const mineEmpty = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await chain.rpc('evm_mine');
      mineEmpty.push(performance.now() - t);
    }

    const accounts = await chain.rpc('eth_accounts');
    const [deployer, alice, bob, carol] = accounts;
    const attacker = accounts[9];
    monitor = new Monitor(o.bulwark, db, url, o.pollMs);
    const head0 = await chain.blockNumber();
    await until(() => monitor.alive() && monitor.checkpoint >= head0, 30_000, `the monitor to reach block ${head0}`)
      .catch(async (e) => {
        // With no block mined after it started, the monitor has printed no progress yet: mine one.
        if (monitor.checkpoint >= 0) throw e;
        await chain.rpc('evm_mine');
        const h = await chain.blockNumber();
        await until(() => monitor.alive() && monitor.checkpoint >= h, 30_000, `the monitor to reach block ${h}`);
      });

    const eth = (x) => ethers.parseEther(String(x));
    const latencies = [];
    const mineMs = [];
    for (let r = 0; r < o.rounds; r++) {
      const vault = await chain.deploy('EtherVault', [], deployer);
      await vault.send(alice, 'deposit', [], eth(8));
      await vault.send(bob, 'deposit', [], eth(7));
      await vault.send(carol, 'deposit', [], eth('5.5'));
      const atk = await chain.deploy('ReentrancyAttacker', [vault.address], attacker);
      const head = await chain.blockNumber();
      await until(() => monitor.alive() && monitor.checkpoint >= head, 30_000, `the monitor to reach block ${head}`);
      await sleep(Math.random() * o.pollMs);

      const req = { from: attacker, to: atk.address, data: atk.iface.encodeFunctionData('attack', []), value: ethers.toQuantity(eth(2)) };
      req.gas = ethers.toQuantity((BigInt(await chain.rpc('eth_estimateGas', [req])) * 3n) / 2n + 20_000n);
      await chain.rpc('evm_setAutomine', [false]);
      const hash = await chain.rpc('eth_sendTransaction', [req]);
      const t0 = performance.now();
      await chain.rpc('evm_mine');
      const mined = performance.now();
      mineMs.push(mined - t0);
      await until(() => monitor.alive() && monitor.findings.has(hash), 10_000, `the finding of round ${r + 1} (${hash})`);
      const f = monitor.findings.get(hash);
      await chain.rpc('evm_setAutomine', [true]);
      const receipt = await chain.rpc('eth_getTransactionReceipt', [hash]);
      if (!receipt || receipt.status !== '0x1') throw new Error(`round ${r + 1}: the attack ${hash} failed on chain`);
      if (Number(BigInt(receipt.blockNumber)) !== f.block)
        throw new Error(`round ${r + 1}: finding at block ${f.block}, the attack is in block ${Number(BigInt(receipt.blockNumber))}`);
      if (!f.kinds.includes('reentrancy')) throw new Error(`round ${r + 1}: found ${f.kinds.join(', ')}, not reentrancy`);
      latencies.push(f.t - mined);
    }

    const sorted = [...latencies].sort((a, b) => a - b);
    const result = {
      rounds: o.rounds,
      poll_ms: o.pollMs,
      store: o.pgRun ? 'postgresql' : o.db || 'sqlite',
      latency_ms: {
        median: round1(median(latencies)),
        p90: round1(sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)]),
        max: round1(sorted[sorted.length - 1]),
        min: round1(sorted[0]),
        each: latencies.map(round1),
      },
      goal_ms: 200,
      goal_met: sorted[sorted.length - 1] < 200,
      baseline_ms: {
        eth_blockNumber_median: round1(median(rtt)),
        evm_mine_empty_median: round1(median(mineEmpty)),
        evm_mine_exploit_median: round1(median(mineMs)),
        half_poll_interval: o.pollMs / 2,
      },
    };
    console.log(JSON.stringify(result));
  } finally {
    if (monitor) await monitor.stop();
    if (pg && pg.exitCode === null) {
      const gone = new Promise((r) => pg.on('exit', r));
      pg.stdin.end(); // pg_run stops its cluster and removes it
      await Promise.race([gone, sleep(20_000)]);
    }
    if (anvilPid) execFileSync(path.join(DEVNET, 'run-anvil.sh'), ['stop', anvilPid], { stdio: 'ignore' });
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`monitor_latency: ${e.message}`);
  process.exit(1);
});
