// Posts one job of TASKS tasks (R = 3, wasm) at PRICE_MULTIPLE times the chain's minimum price
// and follows the blocks that assign its replicas, for scripts/bench/scale-node.sh: nobody runs
// the job, the point is what assigning it costs the block author. Stops once every replica is
// assigned, or three blocks after the last assignment, or after 5 minutes.
//
//   node tools/assign-job.mjs WS_URL TASKS [PRICE_MULTIPLE] [SIGNER_URI]
//
// PRICE_MULTIPLE (2) meets the floor tools/populate.mjs gives its providers; SIGNER_URI is
// //Alice. Prints one JSON line: the job, the block that included it, and for each block after
// it the replicas of the job it assigned.

import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';

const [url, tasksArg, multipleArg = '2', signerUri = '//Alice'] = process.argv.slice(2);
const tasks = Number(tasksArg);
const multiple = Number(multipleArg);
if (!url || !Number.isInteger(tasks) || tasks < 1 || !Number.isInteger(multiple) || multiple < 1) {
  console.error('usage: node tools/assign-job.mjs WS_URL TASKS [PRICE_MULTIPLE] [SIGNER_URI]');
  process.exit(2);
}
const REPLICAS = 3;
const QUIET_BLOCKS = 3;
const DEADLINE = Date.now() + 5 * 60_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await cryptoWaitReady();
const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
try {
  const signer = new Keyring({ type: 'sr25519' }).addFromUri(signerUri);
  const maxTasksPerJob = api.consts.market.maxTasksPerJob.toNumber();
  if (tasks > maxTasksPerJob) throw new Error(`a job holds at most ${maxTasksPerJob} tasks`);
  const price = BigInt(multiple) * api.consts.market.minPrice.toBigInt();
  const program = {
    Wasm: { hash: u8aToHex(new Uint8Array(32).fill(0x5d)), size: 1_000, entryPoint: '_start', fuel: 1_000_000 },
  };
  const inputs = Array.from({ length: tasks }, (_, i) => {
    const hash = new Uint8Array(32).fill(0x11);
    new DataView(hash.buffer).setUint32(0, i);
    return { hash: u8aToHex(hash), size: 8 };
  });
  const terms = {
    resources: { cores: 1, memoryMib: 64, gpus: 0 },
    replicas: REPLICAS,
    price,
    minReputation: 0,
    // Time enough for tools/answer-job.mjs to commit for thousands of providers.
    deadlines: { execution: 100, commit: 20, reveal: 20 },
  };
  const contact = { peerId: u8aToHex(new Uint8Array(38).fill(8)), addrs: [] };

  // Two blocks first, so that the block before the job's holds nothing else of ours: the
  // market at rest.
  const head = (await api.rpc.chain.getHeader()).number.toNumber();
  while ((await api.rpc.chain.getHeader()).number.toNumber() < head + 2) await sleep(500);

  // Post, and learn the job's number and block from its inclusion.
  let unsubscribe = null;
  const { job, postedAt } = await new Promise((resolve, reject) => {
    api.tx.market
      .postJob(program, inputs, terms, contact)
      .signAndSend(signer, async ({ status, events, dispatchError }) => {
        if (dispatchError) return reject(new Error(`post_job failed: ${dispatchError.toString()}`));
        if (!status.isInBlock) return;
        const posted = events.find(({ event }) => api.events.market.JobPosted.is(event));
        if (!posted) return reject(new Error('post_job was included without a JobPosted event'));
        const header = await api.rpc.chain.getHeader(status.asInBlock);
        resolve({ job: posted.event.data.job.toNumber(), postedAt: header.number.toNumber() });
      })
      .then((unsub) => {
        unsubscribe = unsub;
      })
      .catch(reject);
  });
  // Included: its status no longer matters.
  unsubscribe?.();

  // Follow the blocks after it.
  const blocks = [];
  let replicas = 0;
  let lastAssigning = null;
  for (let number = postedAt + 1; ; number++) {
    while ((await api.rpc.chain.getHeader()).number.toNumber() < number) {
      if (Date.now() > DEADLINE) throw new Error(`gave up after 5 minutes: ${replicas} replicas assigned`);
      await sleep(500);
    }
    const events = await (await api.at(await api.rpc.chain.getBlockHash(number))).query.system.events();
    const ours = events.filter(
      ({ event }) => api.events.market.ReplicaAssigned.is(event) && event.data.job.toNumber() === job,
    );
    const assigned = ours.length;
    // How many providers the block wrote to: a provider holding several of its replicas has its
    // records written once.
    const providers = new Set(ours.map(({ event }) => event.data.provider.toString())).size;
    blocks.push({ number, replicas: assigned, providers });
    replicas += assigned;
    if (assigned > 0) lastAssigning = number;
    if (replicas >= tasks * REPLICAS) break;
    if (lastAssigning !== null && number - lastAssigning >= QUIET_BLOCKS) break;
    if (lastAssigning === null && number - postedAt > 20) throw new Error('no replica assigned in 20 blocks');
  }
  console.log(JSON.stringify({ job, postedAt, replicas, blocks }));
} finally {
  await api.disconnect();
}
