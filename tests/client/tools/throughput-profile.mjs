// Profiles one job's run on a live chain, block by block, from the chain's own records: the
// weight each block used (the market's hook is in `mandatory`, transactions in `normal`), its
// transactions by call, and the market's events (replicas assigned, commitments, reveals,
// verdicts reached, tasks verified). Then each task's latency: blocks from its first replica's
// assignment to its verdict.
//
//   node tools/throughput-profile.mjs WS_URL JOB FROM_BLOCK OUT_DIR
//
// Writes OUT_DIR/blocks.csv and OUT_DIR/latency.csv, and prints a JSON summary: verified tasks
// per second over the busy stretch (first assignment to last verdict), latency percentiles in
// blocks, and how full the blocks were.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';

const [url, jobArg, fromArg, outDir] = process.argv.slice(2);
if (!url || jobArg === undefined || fromArg === undefined || !outDir) {
  console.error('usage: node tools/throughput-profile.mjs WS_URL JOB FROM_BLOCK OUT_DIR');
  process.exit(2);
}
const job = Number(jobArg);
const from = Number(fromArg);

const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
try {
  const maxBlock = api.consts.system.blockWeights.maxBlock.refTime.toBigInt();
  const head = (await api.rpc.chain.getHeader()).number.toNumber();
  const blocks = [];
  const assigned = new Map(); // task -> first assignment block
  const verdicts = new Map(); // task -> block of its verdict (VerdictReached or TaskVerified)
  let finishedAt = null;

  for (let number = from + 1; number <= head && finishedAt === null; number++) {
    const hash = await api.rpc.chain.getBlockHash(number);
    const at = await api.at(hash);
    const [block, events, weight, moment] = await Promise.all([
      api.rpc.chain.getBlock(hash),
      at.query.system.events(),
      at.query.system.blockWeight(),
      at.query.timestamp.now(),
    ]);
    const row = {
      block: number,
      ms: moment.toNumber(),
      hook_ms: Number(weight.mandatory.refTime.toBigInt()) / 1e9,
      tx_ms: Number(weight.normal.refTime.toBigInt()) / 1e9,
      full: Number(weight.mandatory.refTime.toBigInt() + weight.normal.refTime.toBigInt()) / Number(maxBlock),
      commit_txs: 0,
      reveal_txs: 0,
      other_txs: 0,
      assigned: 0,
      committed: 0,
      revealed: 0,
      verdicts: 0,
      verified: 0,
      // Tasks whose verdict (the replicas' majority; with R = 1 the verification) came here.
      decided: 0,
    };
    for (const ext of block.block.extrinsics) {
      if (!ext.isSigned) continue;
      const { section, method } = ext.method;
      if (section === 'market' && method === 'commitResults') row.commit_txs++;
      else if (section === 'market' && method === 'revealResults') row.reveal_txs++;
      else row.other_txs++;
    }
    for (const { event } of events) {
      if (event.section !== 'market' || event.data.job === undefined) continue;
      if (event.data.job.toNumber() !== job) continue;
      const task = event.data.task?.toNumber();
      switch (event.method) {
        case 'ReplicaAssigned':
          row.assigned++;
          if (!assigned.has(task)) assigned.set(task, number);
          break;
        case 'ResultCommitted': row.committed++; break;
        case 'ResultRevealed': row.revealed++; break;
        case 'VerdictReached':
          row.verdicts++;
          if (!verdicts.has(task)) { verdicts.set(task, number); row.decided++; }
          break;
        case 'TaskVerified':
          row.verified++;
          // With R = 1 there is no vote: the verdict is the verification.
          if (!verdicts.has(task)) { verdicts.set(task, number); row.decided++; }
          break;
        case 'JobFinished': finishedAt = number; break;
        default: break;
      }
    }
    blocks.push(row);
  }

  const columns = Object.keys(blocks[0] ?? {});
  writeFileSync(
    join(outDir, 'blocks.csv'),
    [columns.join(','), ...blocks.map((r) => columns.map((c) => r[c]).join(','))].join('\n') + '\n',
  );
  const latencies = [...verdicts].map(([task, block]) => ({ task, blocks: block - assigned.get(task) }));
  writeFileSync(
    join(outDir, 'latency.csv'),
    ['task,assigned,verdict,blocks', ...latencies.map((l) => `${l.task},${assigned.get(l.task)},${verdicts.get(l.task)},${l.blocks}`)].join('\n') + '\n',
  );

  const busy = blocks.filter((r) => r.assigned + r.committed + r.revealed + r.verdicts + r.verified > 0);
  const first = busy[0];
  const lastVerdict = [...blocks].reverse().find((r) => r.decided > 0);
  const percentile = (values, p) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  };
  const seconds = first && lastVerdict ? (lastVerdict.ms - first.ms) / 1000 + 3 : 0;
  const mean = (key) => busy.reduce((s, r) => s + r[key], 0) / Math.max(1, busy.length);
  console.log(JSON.stringify({
    job,
    tasks: verdicts.size,
    first_block: first?.block,
    last_verdict_block: lastVerdict?.block,
    finished_block: finishedAt,
    verdict_tasks_per_second: seconds > 0 ? +(verdicts.size / seconds).toFixed(1) : 0,
    verdict_tasks_per_block: +(verdicts.size / Math.max(1, busy.length)).toFixed(1),
    latency_blocks: {
      p50: percentile(latencies.map((l) => l.blocks), 50),
      p95: percentile(latencies.map((l) => l.blocks), 95),
      max: percentile(latencies.map((l) => l.blocks), 100),
    },
    busy_blocks: busy.length,
    mean_hook_ms: +mean('hook_ms').toFixed(1),
    mean_tx_ms: +mean('tx_ms').toFixed(1),
    mean_full: +mean('full').toFixed(3),
    max_block_ms: Number(maxBlock) / 1e9,
  }));
} finally {
  await api.disconnect();
}
