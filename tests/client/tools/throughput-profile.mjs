// Profiles a run of one or more jobs on a live chain, block by block, from the chain's own
// records: the weight each block used (the market's hook is in `mandatory`, transactions in
// `normal`), its transactions by call, and the market's events (replicas assigned,
// commitments, reveals, verdicts reached, tasks verified). Then each task's latency: blocks from
// its first replica's assignment to its verdict.
//
//   node tools/throughput-profile.mjs WS_URL JOB[,JOB...] FROM_BLOCK OUT_DIR
//
// Writes OUT_DIR/blocks.csv and OUT_DIR/latency.csv, and prints a JSON summary: verified tasks
// per second over the busy stretch (first assignment to last verdict), latency percentiles in
// blocks, and how full the blocks were. When the run outlasts the challenge period, `steady`
// reports the stretch from the first verdict made final (`TaskVerified`: the hook settles it and
// pays its replicas) to the last verdict, where every block both assigns and settles, as a
// market that runs for long does: its rate, its hook weight, and how many of its blocks spent
// the hook's whole budget (within an assignment's reserve of half the block).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';

const [url, jobArg, fromArg, outDir] = process.argv.slice(2);
if (!url || jobArg === undefined || fromArg === undefined || !outDir) {
  console.error('usage: node tools/throughput-profile.mjs WS_URL JOB[,JOB...] FROM_BLOCK OUT_DIR');
  process.exit(2);
}
const jobs = new Set(jobArg.split(',').map(Number));
if ([...jobs].some((j) => !Number.isInteger(j) || j < 0)) {
  console.error(`JOB must be job ids separated by commas, not '${jobArg}'`);
  process.exit(2);
}
const from = Number(fromArg);

const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
try {
  const maxBlock = api.consts.system.blockWeights.maxBlock.refTime.toBigInt();
  const head = (await api.rpc.chain.getHeader()).number.toNumber();
  const blocks = [];
  // Tasks are keyed `job/task`.
  const assigned = new Map(); // task -> first assignment block
  const verdicts = new Map(); // task -> block of its verdict (VerdictReached or TaskVerified)
  const finished = new Set(); // jobs whose JobFinished was seen
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
      // Verdicts reached in an earlier block and made final here, their replicas paid.
      settled: 0,
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
      const job = event.data.job.toNumber();
      if (!jobs.has(job)) continue;
      const task = `${job}/${event.data.task?.toNumber()}`;
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
          if (verdicts.has(task) && verdicts.get(task) < number) row.settled++;
          // With R = 1 there is no vote: the verdict is the verification.
          if (!verdicts.has(task)) { verdicts.set(task, number); row.decided++; }
          break;
        case 'JobFinished':
          finished.add(job);
          if (finished.size === jobs.size) finishedAt = number;
          break;
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
    ['job/task,assigned,verdict,blocks', ...latencies.map((l) => `${l.task},${assigned.get(l.task)},${verdicts.get(l.task)},${l.blocks}`)].join('\n') + '\n',
  );

  const busy = blocks.filter((r) => r.assigned + r.committed + r.revealed + r.verdicts + r.verified > 0);
  const first = busy[0];
  const lastVerdict = [...blocks].reverse().find((r) => r.decided > 0);
  const percentile = (values, p) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  };
  const seconds = first && lastVerdict ? (lastVerdict.ms - first.ms) / 1000 + 3 : 0;
  const mean = (key, rows = busy) => rows.reduce((s, r) => s + r[key], 0) / Math.max(1, rows.length);
  // The steady stretch: from the first block that made a verdict final to the last verdict.
  const firstSettled = blocks.find((r) => r.settled > 0);
  const steadyRows = firstSettled && lastVerdict && lastVerdict.block > firstSettled.block
    ? blocks.filter((r) => r.block >= firstSettled.block && r.block <= lastVerdict.block)
    : [];
  // The runtime gives the market's hook half the block (`MarketHookWeight`).
  const hookLimitMs = Number(maxBlock) / 2 / 1e9;
  const steady = steadyRows.length === 0 ? null : {
    from_block: steadyRows[0].block,
    blocks: steadyRows.length,
    verdicts: steadyRows.reduce((s, r) => s + r.decided, 0),
    verdict_tasks_per_second: +(steadyRows.reduce((s, r) => s + r.decided, 0)
      / ((steadyRows.at(-1).ms - steadyRows[0].ms) / 1000 + 3)).toFixed(1),
    made_final_per_block: +mean('settled', steadyRows).toFixed(1),
    // Replicas assigned over R = 3, the benchmark's replication.
    assigned_tasks_per_block: +(mean('assigned', steadyRows) / 3).toFixed(1),
    mean_hook_ms: +mean('hook_ms', steadyRows).toFixed(1),
    blocks_hook_at_limit: steadyRows.filter((r) => r.hook_ms >= 0.95 * hookLimitMs).length,
    mean_tx_ms: +mean('tx_ms', steadyRows).toFixed(1),
  };
  console.log(JSON.stringify({
    jobs: [...jobs],
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
    steady,
  }));
} finally {
  await api.disconnect();
}
