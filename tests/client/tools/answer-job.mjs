// Answers every assigned replica of a job as its provider would, for
// scripts/bench/scale-node.sh: the providers are tools/populate.mjs's accounts //scale//0 …
// //scale//(PROVIDERS − 1), whose keys are derived here. Each provider commits to one agreed
// result per task (one commit_results of all its replicas), then reveals it; the verdicts are
// then made final by the hook when their challenge period ends. Nothing is executed: what is
// measured is what the verdicts cost the chain. Stops once every task is verified, or after 8
// minutes.
//
//   node tools/answer-job.mjs WS_URL JOB PROVIDERS
//
// Prints one JSON line: for each block after the first commit, the job's commits, reveals and
// final verdicts (TaskVerified) it holds, and how many providers it paid.

import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { blake2AsU8a, cryptoWaitReady } from '@polkadot/util-crypto';
import { commitment } from '../lib/commitment.mjs';

const [url, jobArg, providersArg] = process.argv.slice(2);
const job = Number(jobArg);
const providers = Number(providersArg);
if (!url || !Number.isInteger(job) || job < 0 || !Number.isInteger(providers) || providers < 1) {
  console.error('usage: node tools/answer-job.mjs WS_URL JOB PROVIDERS');
  process.exit(2);
}
const WAVE = 1_000;
const DEADLINE = Date.now() + 8 * 60_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The keys first, before connecting: deriving one takes about 6 ms, during which nothing else
// runs, and a connection left unanswered that long times out.
await cryptoWaitReady();
const keyring = new Keyring({ type: 'sr25519' });
const keys = new Map();
for (let i = 0; i < providers; i++) {
  const pair = keyring.addFromUri(`//scale//${i}`);
  keys.set(pair.address, pair);
}
const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
try {
  const maxBatch = api.consts.market.maxBatch.toNumber();

  // Every live replica of the job, grouped by its provider.
  const byProvider = new Map();
  let tasks = 0;
  for (const [key, value] of await api.query.market.tasks.entries(job)) {
    const task = key.args[1].toNumber();
    const info = value.unwrap();
    if (!info.phase.isRunning) continue;
    tasks += 1;
    for (const replica of info.replicas) {
      if (!replica.state.isAssigned) continue;
      const provider = replica.provider.toString();
      if (!keys.has(provider)) throw new Error(`replica of task ${task} with ${provider}, not a //scale// account`);
      if (!byProvider.has(provider)) byProvider.set(provider, []);
      byProvider.get(provider).push(task);
    }
  }
  const replicas = [...byProvider.values()].reduce((sum, list) => sum + list.length, 0);
  if (replicas === 0) throw new Error(`job ${job} has no assigned replica`);
  // The agreed result of a task, and each replica's own salt.
  const hash = (text) => blake2AsU8a(new TextEncoder().encode(text), 256);
  const result = (task) => hash(`result/${task}`);
  const salt = (provider, task) => hash(`salt/${provider}/${task}`);

  // One transaction per provider and batch, submitted in waves.
  const sendAll = async (build) => {
    const calls = [];
    for (const [provider, list] of byProvider) {
      for (let i = 0; i < list.length; i += maxBatch) calls.push([provider, build(provider, list.slice(i, i + maxBatch))]);
    }
    for (let i = 0; i < calls.length; i += WAVE) {
      await Promise.all(
        calls.slice(i, i + WAVE).map(async ([provider, call]) => {
          const pair = keys.get(provider);
          const nonce = await api.rpc.system.accountNextIndex(pair.address);
          await call.signAsync(pair, { nonce, era: 0 });
          return api.rpc.author.submitExtrinsic(call);
        }),
      );
    }
  };

  // Follow the blocks, counting the job's events, until `done` says so.
  const blocks = [];
  let next = (await api.rpc.chain.getHeader()).number.toNumber() + 1;
  const totals = { commits: 0, reveals: 0, verified: 0 };
  const follow = async (done, what) => {
    while (!done()) {
      if (Date.now() > DEADLINE) throw new Error(`gave up after 8 minutes waiting for ${what}: ${JSON.stringify(totals)}`);
      if ((await api.rpc.chain.getHeader()).number.toNumber() < next) {
        await sleep(500);
        continue;
      }
      const events = await (await api.at(await api.rpc.chain.getBlockHash(next))).query.system.events();
      const ours = (kind) =>
        events.filter(({ event }) => api.events.market[kind].is(event) && event.data.job.toNumber() === job);
      const block = {
        number: next,
        commits: ours('ResultCommitted').length,
        reveals: ours('ResultRevealed').length,
        verified: ours('TaskVerified').length,
        // The providers the block paid: each has its records written once, whatever it was paid for.
        providers: new Set(ours('ReplicaPaid').map(({ event }) => event.data.provider.toString())).size,
      };
      blocks.push(block);
      totals.commits += block.commits;
      totals.reveals += block.reveals;
      totals.verified += block.verified;
      next += 1;
    }
  };

  await sendAll((provider, list) =>
    api.tx.market.commitResults(
      list.map((task) => ({ task: { job, task }, commitment: commitment(api, job, task, provider, result(task), salt(provider, task)) })),
    ),
  );
  await follow(() => totals.commits >= replicas, 'the commits');
  await sendAll((provider, list) =>
    api.tx.market.revealResults(list.map((task) => ({ task: { job, task }, result: result(task), salt: salt(provider, task) }))),
  );
  await follow(() => totals.reveals >= replicas, 'the reveals');
  await follow(() => totals.verified >= tasks, 'the verdicts made final');
  console.log(JSON.stringify({ job, tasks, replicas, ...totals, blocks }));
} finally {
  await api.disconnect();
}
