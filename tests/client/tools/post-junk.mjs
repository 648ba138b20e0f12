// Posts junk jobs as a griefer would, for scripts/bench/spam.sh: one-task jobs that pass every
// check at post (one replica, small resources) at the chain's minimum price, which is below
// every provider's price floor in the benchmark, so none of them is ever assigned. (A
// reputation nobody has would not do: honest work takes providers to the maximum quickly.)
//
//   node tools/post-junk.mjs WS_URL COUNT [SIGNER_URI]
//
// Signs with explicit nonces and submits in waves the transaction pool can hold, waiting for
// each wave to be included before the next. Bounded: it gives up after 15 minutes. Prints one
// JSON line: how many were posted, in how many blocks and seconds, and what the queue holds.

import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { sendInWaves } from '../lib/waves.mjs';

const [url, countArg, signerUri = '//Ferdie'] = process.argv.slice(2);
const count = Number(countArg);
if (!url || !Number.isInteger(count) || count < 1) {
  console.error('usage: node tools/post-junk.mjs WS_URL COUNT [SIGNER_URI]');
  process.exit(2);
}
const WAVE = 1_000;
const DEADLINE = Date.now() + 15 * 60_000;

const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
try {
  const signer = new Keyring({ type: 'sr25519' }).addFromUri(signerUri);
  const minPrice = api.consts.market.minPrice.toBigInt();
  const program = {
    Wasm: { hash: u8aToHex(new Uint8Array(32).fill(0x5a)), size: 1_000, entryPoint: '_start', fuel: 1_000_000 },
  };
  const terms = {
    resources: { cores: 1, memoryMib: 64, gpus: 0 },
    replicas: 1,
    price: minPrice,
    minReputation: 0,
    deadlines: { execution: 20, commit: 10, reveal: 10 },
  };
  const contact = { peerId: u8aToHex(new Uint8Array(38).fill(9)), addrs: [] };

  const blockNow = async () => (await api.rpc.chain.getHeader()).number.toNumber();
  const startBlock = await blockNow();
  const started = Date.now();
  const jobs = Array.from({ length: count }, (_, i) => {
    // Each input differs, so no two junk jobs are the same transaction.
    const input = new Uint8Array(32);
    new DataView(input.buffer).setUint32(0, i);
    return api.tx.market.postJob(program, [{ hash: u8aToHex(input), size: 8 }], terms, contact);
  });
  await sendInWaves(api, signer, jobs, { wave: WAVE, deadline: DEADLINE });
  const [lanes, parked] = await Promise.all([
    api.query.market.laneBounds(signer.address),
    (async () => (await api.query.market.parkedTail()).toNumber() - (await api.query.market.parkedHead()).toNumber())(),
  ]);
  const lane = lanes.isSome ? lanes.unwrap()[1].toNumber() - lanes.unwrap()[0].toNumber() : 0;
  console.log(JSON.stringify({
    posted: count,
    blocks: (await blockNow()) - startBlock,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    queued_in_lane: lane,
    parked,
  }));
} finally {
  await api.disconnect();
}
