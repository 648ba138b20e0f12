// Measures a running network: block time, finality lag and the nodes' resident memory.
//
//   node tools/measure-chain.mjs dev   [blocks]   one validator (--dev)
//   node tools/measure-chain.mjs local [blocks]   four validators (--chain local)
//
// Block time comes from the on-chain timestamps of consecutive blocks; finality lag is how
// long after a block became the best block it was finalized (and how many blocks behind the
// best the finalized head was then). Memory is VmRSS read from /proc once the sample is done.

import { readFileSync } from 'node:fs';
import { startNode, connect, startLocalNetwork, stopAll } from '../lib/node.mjs';

const mode = process.argv[2] ?? 'dev';
const sample = Number(process.argv[3] ?? 20);

let network = { nodes: [], apis: [] };
try {
  if (mode === 'dev') {
    const node = await startNode('dev', ['--dev']);
    network = { nodes: [node], apis: [] };
    network.apis.push(await connect(node));
  } else {
    network = await startLocalNetwork();
  }
  const { nodes, apis } = network;
  const api = apis[0];

  const bestSeen = new Map(); // block number -> ms when it became best
  const lags = []; // { ms, blocks }
  let best = 0;
  let lastFinal = 0;
  const start = (await api.rpc.chain.getHeader()).number.toNumber() + 2; // skip warm-up
  const end = start + sample;

  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('measurement timed out')), (sample + 30) * 10_000);
    let unsubs = [];
    const finish = () => { clearTimeout(timer); unsubs.forEach((u) => u()); resolve(); };
    Promise.all([
      api.rpc.chain.subscribeNewHeads((h) => {
        best = Math.max(best, h.number.toNumber());
        if (!bestSeen.has(h.number.toNumber())) bestSeen.set(h.number.toNumber(), Date.now());
      }),
      api.rpc.chain.subscribeFinalizedHeads((h) => {
        const n = h.number.toNumber();
        const now = Date.now();
        for (let k = lastFinal + 1; k <= n; k++) {
          if (k >= start && k < end && bestSeen.has(k)) {
            lags.push({ ms: now - bestSeen.get(k), blocks: best - n });
          }
        }
        lastFinal = Math.max(lastFinal, n);
        if (n >= end) finish();
      }),
    ]).then((u) => { unsubs = u; }).catch(reject);
  });

  const times = [];
  let previous = null;
  for (let n = start; n <= end; n++) {
    const at = await api.at(await api.rpc.chain.getBlockHash(n));
    const now = (await at.query.timestamp.now()).toNumber();
    if (previous !== null) times.push(now - previous);
    previous = now;
  }

  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rss = nodes.map((node) => {
    const status = readFileSync(`/proc/${node.proc.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
  });

  const result = {
    network: mode === 'dev' ? 'conun-node --dev (1 validator)' : '--chain local (4 validators)',
    blocks_sampled: times.length,
    block_time_ms: { mean: Math.round(mean(times)), min: Math.min(...times), max: Math.max(...times) },
    finality_lag_ms: { mean: Math.round(mean(lags.map((l) => l.ms))), max: Math.max(...lags.map((l) => l.ms)) },
    finality_lag_blocks: { mean: +mean(lags.map((l) => l.blocks)).toFixed(2), max: Math.max(...lags.map((l) => l.blocks)) },
    rss_mib_per_node: rss.map((r) => Math.round(r)),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await stopAll(network);
}
