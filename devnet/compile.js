#!/usr/bin/env node
// Compiles every contract under contracts/ with the solc-js compiler bundled in the npm package (no
// compiler download) into build/<Contract>.json ({contractName, sourceName, abi, bytecode,
// deployedBytecode}). Deterministic: sources in sorted order, fixed settings, no metadata hash.
// Skips the work when build/ already holds the output of exactly these sources and settings.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const ROOT = __dirname;
const SRC = path.join(ROOT, 'contracts');
const OUT = path.join(ROOT, 'build');
const STAMP = path.join(OUT, '.inputs.sha256');

const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  metadata: { bytecodeHash: 'none', appendCBOR: false },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

function listSources(dir, prefix = '') {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listSources(path.join(dir, entry.name), rel));
    else if (entry.name.endsWith('.sol')) out.push(rel);
  }
  return out;
}

function main() {
  const force = process.argv.includes('--force');
  const names = listSources(SRC);
  if (names.length === 0) throw new Error(`no Solidity sources under ${SRC}`);
  const sources = {};
  for (const n of names) sources[n] = { content: fs.readFileSync(path.join(SRC, n), 'utf8') };

  const solcPkg = require('solc/package.json');
  const hash = crypto.createHash('sha256')
    .update(JSON.stringify({ solc: solcPkg.version, settings: SETTINGS, sources }))
    .digest('hex');
  if (!force && fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8').trim() === hash) {
    console.error(`compile: build/ is up to date (${names.length} sources)`);
    return;
  }

  const solc = require('solc');
  const started = Date.now();
  const input = { language: 'Solidity', sources, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input), {
    import: (p) => ({ error: `import ${p} not found: every source must be under contracts/` }),
  }));
  const problems = (output.errors || []).filter((e) => e.severity === 'error');
  for (const e of output.errors || []) console.error(e.formattedMessage || e.message);
  if (problems.length) throw new Error(`solc reported ${problems.length} error(s)`);

  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  let count = 0;
  const seen = new Map();
  for (const sourceName of Object.keys(output.contracts).sort()) {
    for (const contractName of Object.keys(output.contracts[sourceName]).sort()) {
      const c = output.contracts[sourceName][contractName];
      if (seen.has(contractName)) {
        throw new Error(`contract name ${contractName} defined in ${seen.get(contractName)} and ${sourceName}`);
      }
      seen.set(contractName, sourceName);
      const artifact = {
        contractName,
        sourceName,
        compiler: `solc-js ${solc.version()}`,
        abi: c.abi,
        bytecode: '0x' + c.evm.bytecode.object,
        deployedBytecode: '0x' + c.evm.deployedBytecode.object,
      };
      fs.writeFileSync(path.join(OUT, `${contractName}.json`), JSON.stringify(artifact, null, 1) + '\n');
      count += 1;
    }
  }
  fs.writeFileSync(STAMP, hash + '\n');
  console.error(`compile: ${count} contracts from ${names.length} sources in ${Date.now() - started} ms (${solc.version()})`);
}

try {
  main();
} catch (err) {
  console.error(`compile: ${err.message}`);
  process.exit(1);
}
