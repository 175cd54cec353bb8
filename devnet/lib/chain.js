'use strict';
// Thin JSON-RPC access to a local node with unlocked accounts (anvil): send transactions with
// eth_sendTransaction, wait for their receipts, call contracts through their ABI from build/.

const fs = require('node:fs');
const path = require('node:path');
const { ethers } = require('ethers');

const BUILD = path.join(__dirname, '..', 'build');
// A node that takes longer than this over one request is taken as stuck: the request fails with an
// error naming the method, instead of waiting without end.
const RPC_TIMEOUT_MS = 30_000;

class RpcError extends Error {
  constructor(method, error) {
    super(`${method}: ${error.message}${error.data ? ` (data ${JSON.stringify(error.data)})` : ''}`);
    this.rpc = error;
  }
}

/// Revert reason from the data of a failed call, when it is an Error(string).
function revertReason(data) {
  if (typeof data !== 'string' || !data.startsWith('0x08c379a0')) return null;
  try {
    return ethers.AbiCoder.defaultAbiCoder().decode(['string'], '0x' + data.slice(10))[0];
  } catch {
    return null;
  }
}

class Chain {
  constructor(url) {
    this.url = url;
    this.nextId = 1;
    this.artifacts = new Map();
    this.recorder = null; // function(receipt) that files each mined transaction
  }

  async rpc(method, params = []) {
    const body = JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method, params });
    let res;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
        signal: AbortSignal.timeout(RPC_TIMEOUT_MS),
      });
    } catch (err) {
      if (err.name === 'TimeoutError')
        throw new Error(`${method}: ${this.url} did not answer within ${RPC_TIMEOUT_MS} ms`);
      throw new Error(`${method}: cannot reach ${this.url}: ${err.cause ? err.cause.message : err.message}`);
    }
    const text = await res.text();
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      throw new Error(`${method}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
    }
    if (msg.error) throw new RpcError(method, msg.error);
    return msg.result;
  }

  artifact(name) {
    if (!this.artifacts.has(name)) {
      const file = path.join(BUILD, `${name}.json`);
      if (!fs.existsSync(file)) throw new Error(`no artifact ${file}: run node compile.js first`);
      const a = JSON.parse(fs.readFileSync(file, 'utf8'));
      a.iface = new ethers.Interface(a.abi);
      this.artifacts.set(name, a);
    }
    return this.artifacts.get(name);
  }

  async blockNumber() {
    return Number(BigInt(await this.rpc('eth_blockNumber')));
  }

  async balance(address, blockTag = 'latest') {
    return BigInt(await this.rpc('eth_getBalance', [address, blockTag]));
  }

  /// Sends a transaction from an unlocked account, waits for its receipt and requires success.
  async send(tx, iface) {
    const req = { from: tx.from, to: tx.to, data: tx.data || '0x' };
    if (tx.value) req.value = ethers.toQuantity(tx.value);
    let hash;
    try {
      // The node's own estimate can fall short where nested calls keep back 1/64 of their gas, so the
      // transaction gets half as much again.
      const estimate = BigInt(await this.rpc('eth_estimateGas', [req]));
      req.gas = ethers.toQuantity((estimate * 3n) / 2n + 20_000n);
      hash = await this.rpc('eth_sendTransaction', [req]);
    } catch (err) {
      const data = err.rpc && err.rpc.data;
      let reason = revertReason(typeof data === 'string' ? data : data && data.data);
      if (!reason && iface && typeof data === 'string' && data.length >= 10) {
        try {
          reason = iface.parseError(data)?.name ?? null;
        } catch {
          reason = null;
        }
      }
      throw new Error(`transaction ${tx.label || ''} from ${tx.from} reverted: ${reason || err.message}`);
    }
    let receipt = null;
    for (let i = 0; i < 500 && !receipt; i++) {
      receipt = await this.rpc('eth_getTransactionReceipt', [hash]);
      if (!receipt) await new Promise((r) => setTimeout(r, 10));
    }
    if (!receipt) throw new Error(`transaction ${hash} (${tx.label || ''}) was not mined within 5 s`);
    if (receipt.status !== '0x1') throw new Error(`transaction ${hash} (${tx.label || ''}) failed on chain`);
    if (this.recorder) this.recorder(receipt, tx);
    return receipt;
  }

  async deploy(name, args, from) {
    const a = this.artifact(name);
    const data = ethers.concat([a.bytecode, a.iface.encodeDeploy(args)]);
    const receipt = await this.send({ from, data, label: `deploy ${name}` }, a.iface);
    return new Contract(this, name, ethers.getAddress(receipt.contractAddress));
  }

  at(name, address) {
    return new Contract(this, name, address);
  }

  async mine(blocks) {
    await this.rpc('anvil_mine', [ethers.toQuantity(blocks)]);
  }
}

class Contract {
  constructor(chain, name, address) {
    this.chain = chain;
    this.name = name;
    this.address = address;
    this.iface = chain.artifact(name).iface;
  }

  async read(fn, ...args) {
    const data = this.iface.encodeFunctionData(fn, args);
    const ret = await this.chain.rpc('eth_call', [{ to: this.address, data }, 'latest']);
    const out = this.iface.decodeFunctionResult(fn, ret);
    return out.length === 1 ? out[0] : out;
  }

  /// Sends fn(args) from `from`, with optional ether `value` (wei, bigint).
  async send(from, fn, args = [], value = 0n) {
    const data = this.iface.encodeFunctionData(fn, args);
    return this.chain.send({ from, to: this.address, data, value, label: `${this.name}.${fn}` }, this.iface);
  }
}

module.exports = { Chain, Contract, revertReason };
