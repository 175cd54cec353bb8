// The JavaScript baseline for trace_bench: node's JSON.parse over the same trace files, one core.
// Usage: node bench/node_json_parse.js [DATA_DIR]   (default: ../shared/data beside the repository)
'use strict';
const fs = require('fs');
const path = require('path');
const dir = process.argv[2] || path.join(__dirname, '..', '..', 'shared', 'data');
const files = [];
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.json')) files.push(fs.readFileSync(p, 'utf8'));
  }
};
for (const sub of ['exploit-traces', 'benign-traces']) walk(path.join(dir, sub));
const bytes = files.reduce((n, s) => n + Buffer.byteLength(s), 0);
let rounds = 0;
const start = process.hrtime.bigint();
let elapsed = 0;
do {
  for (const s of files) JSON.parse(s);
  rounds++;
  elapsed = Number(process.hrtime.bigint() - start) / 1e9;
} while (elapsed < 3);
const mbps = (bytes * rounds) / elapsed / 1e6;
const tps = (files.length * rounds) / elapsed;
console.log(JSON.stringify({ files: files.length, mb: bytes / 1e6, rounds, mb_per_s: mbps, tx_per_s: tps }));
