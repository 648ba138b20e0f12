// Fills a chain to the size the design plans for, through ordinary signed transactions, for
// scripts/bench/storage.sh: PROVIDERS providers registered (accounts //scale//0 … funded by the
// well-known dev accounts, each staking the chain's minimum) and TASKS tasks queued (R = 3 jobs
// of the chain's largest size, posted by Ferdie at the chain's minimum price, below every
// provider's price floor here, so they stay queued: nobody runs them).
//
//   node tools/populate.mjs WS_URL PROVIDERS TASKS [MAX_TASKS]
//
// MAX_TASKS (1) is the replicas each provider offers to run at once: scripts/bench/scale-node.sh
// gives them 64, the most a newcomer is allowed, so that assigning a replica rarely fills one.
//
// Signs with explicit nonces and submits in waves the transaction pool can hold, waiting for
// each wave to be included before the next. Bounded: it gives up after 30 minutes. Prints one
// JSON line: providers registered, tasks posted, blocks and seconds taken.

import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { sendInWaves } from '../lib/waves.mjs';

const [url, providersArg, tasksArg, maxTasksArg = '1'] = process.argv.slice(2);
const providers = Number(providersArg);
const tasks = Number(tasksArg);
const maxTasks = Number(maxTasksArg);
if (
  !url ||
  !Number.isInteger(providers) ||
  providers < 0 ||
  !Number.isInteger(tasks) ||
  tasks < 0 ||
  !Number.isInteger(maxTasks) ||
  maxTasks < 1
) {
  console.error('usage: node tools/populate.mjs WS_URL PROVIDERS TASKS [MAX_TASKS]');
  process.exit(2);
}
const WAVE = 1_000;
const DEADLINE = Date.now() + 30 * 60_000;
// The accounts that fund the providers: each dev account holds a million CON.
const FUNDERS = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve'];
const REQUESTER = '//Ferdie';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function checkDeadline(what) {
  if (Date.now() > DEADLINE) throw new Error(`gave up after 30 minutes: ${what}`);
}

await cryptoWaitReady();
const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
try {
  const keyring = new Keyring({ type: 'sr25519' });
  const blockNow = async () => (await api.rpc.chain.getHeader()).number.toNumber();
  const startBlock = await blockNow();
  const started = Date.now();

  const minStake = api.consts.market.minStake.toBigInt();
  const minPrice = api.consts.market.minPrice.toBigInt();
  const maxTasksPerJob = api.consts.market.maxTasksPerJob.toNumber();
  const existential = api.consts.balances.existentialDeposit.toBigInt();
  // The stake, the existential deposit and the fee of the registration, with room to spare.
  const funding = minStake + existential + minStake / 100n;

  // 1. Fund the providers, each funder a share, all funders at once.
  const accounts = Array.from({ length: providers }, (_, i) => keyring.addFromUri(`//scale//${i}`));
  const funders = FUNDERS.map((uri) => keyring.addFromUri(uri));
  await Promise.all(
    funders.map((funder, f) =>
      sendInWaves(
        api,
        funder,
        accounts
          .filter((_, i) => i % funders.length === f)
          .map((account) => api.tx.balances.transferKeepAlive(account.address, funding)),
        { wave: WAVE, deadline: DEADLINE },
      ),
    ),
  );

  // 2. Register them: one transaction from each, in waves. A provider works for twice the
  // chain's minimum price, so the jobs below are never assigned.
  const capabilities = {
    resources: { cores: 1, memoryMib: 256, gpus: 0 },
    gpuModel: '0x',
    runtimes: { wasm: true, docker: false },
    maxTasks,
  };
  const registeredBefore = (await api.query.market.providerCount()).toNumber();
  for (let done = 0; done < providers; ) {
    const wave = accounts.slice(done, done + WAVE);
    await Promise.all(
      wave.map(async (account, i) => {
        const peerId = new Uint8Array(38);
        new DataView(peerId.buffer).setUint32(0, done + i);
        const tx = api.tx.market.register(minStake, capabilities, { peerId: u8aToHex(peerId), addrs: [] }, 2n * minPrice);
        await tx.signAsync(account, { nonce: 0, era: 0 });
        return api.rpc.author.submitExtrinsic(tx);
      }),
    );
    done += wave.length;
    while ((await api.query.market.providerCount()).toNumber() < registeredBefore + done) {
      checkDeadline(`${done} registrations submitted`);
      await sleep(1_000);
    }
  }

  // 3. Queue the tasks: jobs of the largest size the chain takes.
  const requester = keyring.addFromUri(REQUESTER);
  const program = {
    Wasm: { hash: u8aToHex(new Uint8Array(32).fill(0x5c)), size: 1_000, entryPoint: '_start', fuel: 1_000_000 },
  };
  const terms = {
    resources: { cores: 1, memoryMib: 64, gpus: 0 },
    replicas: 3,
    price: minPrice,
    minReputation: 0,
    deadlines: { execution: 20, commit: 10, reveal: 10 },
  };
  const contact = { peerId: u8aToHex(new Uint8Array(38).fill(7)), addrs: [] };
  const jobs = [];
  for (let posted = 0; posted < tasks; posted += maxTasksPerJob) {
    const inputs = Array.from({ length: Math.min(maxTasksPerJob, tasks - posted) }, (_, i) => {
      const hash = new Uint8Array(32);
      new DataView(hash.buffer).setUint32(0, posted + i);
      return { hash: u8aToHex(hash), size: 8 };
    });
    jobs.push(api.tx.market.postJob(program, inputs, terms, contact));
  }
  await sendInWaves(api, requester, jobs, { wave: WAVE, deadline: DEADLINE });

  console.log(
    JSON.stringify({
      providers: (await api.query.market.providerCount()).toNumber(),
      jobs: jobs.length,
      tasks,
      blocks: (await blockNow()) - startBlock,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    }),
  );
} finally {
  await api.disconnect();
}
