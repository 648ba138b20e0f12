// The compute market through @polkadot/api, decoded from the runtime's metadata alone: Bob and
// Charlie register as providers, Alice posts a job with R = 2, the chain assigns both
// replicas, they commit and reveal, and the verdict pays them from Alice's escrow. The runtime
// API and the market_* JSON-RPC methods answer along the way.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { startNode, connect } from './lib/node.mjs';
import { commitment } from './lib/commitment.mjs';

const CON = 10n ** 12n;
let node;
let api;
let keyring;

before(async () => {
  node = await startNode('market', ['--dev']);
  api = await connect(node);
  keyring = new Keyring({ type: 'sr25519' });
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});

/** Sign and send; resolve with the events once the transaction is in a block. */
function send(tx, signer) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (dispatchError) {
        const decoded = dispatchError.isModule ? api.registry.findMetaError(dispatchError.asModule) : null;
        reject(new Error(`failed: ${decoded ? `${decoded.section}.${decoded.name}` : dispatchError.toString()}`));
      } else if (status.isInBlock) {
        resolve(events.map(({ event }) => event));
      }
    }).catch(reject);
  });
}

/** Wait for the first market event named `name` that `match` accepts. */
function nextEvent(name, match = () => true, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no market.${name} within ${timeoutMs} ms`)), timeoutMs);
    api.query.system.events((records) => {
      for (const { event } of records) {
        if (event.section === 'market' && event.method === name && match(event)) {
          clearTimeout(timer);
          resolve(event);
        }
      }
    }).catch(reject);
  });
}

/** A raw JSON-RPC call over HTTP (the market_* methods are not in @polkadot/api's list). */
async function rpc(method, params) {
  const response = await fetch(`http://127.0.0.1:${node.rpcPort}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = await response.json();
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}

const capabilities = {
  resources: { cores: 4, memoryMib: 4096, gpus: 0 },
  gpuModel: '0x',
  runtimes: { wasm: true, docker: false },
  maxTasks: 2,
};

test('providers register, a job is assigned, committed, revealed and paid', async () => {
  const [alice, bob, charlie] = ['//Alice', '//Bob', '//Charlie'].map((uri) => keyring.addFromUri(uri));
  const stake = 1_000n * CON;
  const contact = { peerId: u8aToHex(new Uint8Array(38).fill(1)), addrs: [] };
  for (const provider of [bob, charlie]) {
    const events = await send(api.tx.market.register(stake, capabilities, contact, CON / 100n), provider);
    assert.ok(events.some((e) => api.events.market.ProviderRegistered.is(e)));
  }
  const standing = await api.call.computeMarketApi.provider(bob.address);
  assert.equal(standing.unwrap().stake.toBigInt(), stake);
  assert.equal(standing.unwrap().standing.reputation.toNumber(), 500);

  // A dry run before posting: two eligible providers, nothing in the way.
  const report = await api.call.computeMarketApi.matchJob({
    runtime: 'Wasm', resources: { cores: 1, memoryMib: 256, gpus: 0 }, replicas: 2, price: CON, minReputation: 0,
  });
  assert.equal(report.eligible.toNumber(), 2);
  assert.ok(report.unassignable.isNone);

  const program = { Wasm: { hash: u8aToHex(new Uint8Array(32).fill(0xaa)), size: 1000, entryPoint: '_start', fuel: 1_000_000 } };
  const inputs = [{ hash: u8aToHex(new Uint8Array(32).fill(1)), size: 10 }];
  const terms = {
    resources: { cores: 1, memoryMib: 256, gpus: 0 },
    replicas: 2,
    price: CON,
    minReputation: 0,
    deadlines: { execution: 20, commit: 10, reveal: 10 },
  };
  const assigned = nextEvent('ReplicaAssigned');
  const posted = await send(api.tx.market.postJob(program, inputs, terms, contact), alice);
  const jobPosted = posted.find((e) => api.events.market.JobPosted.is(e));
  const job = jobPosted.data.job.toNumber();
  assert.equal(jobPosted.data.voting.isTrue, true);
  await assigned;

  // Each provider learns its assignment from the runtime API, and from JSON-RPC.
  for (const provider of [bob, charlie]) {
    const [assignment] = await api.call.computeMarketApi.assignments(provider.address);
    assert.equal(assignment.task.job.toNumber(), job);
    assert.ok(assignment.phase.isExecute);
  }
  const viaRpc = await rpc('market_assignments', [bob.address, null]);
  assert.equal(viaRpc[0].task.job, job);

  const result = new Uint8Array(32).fill(0x42);
  const salts = { [bob.address]: new Uint8Array(32).fill(2), [charlie.address]: new Uint8Array(32).fill(3) };
  const opened = nextEvent('RevealsOpened', (e) => e.data.job.toNumber() === job);
  for (const provider of [bob, charlie]) {
    const item = { task: { job, task: 0 }, commitment: commitment(api, job, 0, provider.address, result, salts[provider.address]) };
    await send(api.tx.market.commitResults([item]), provider);
  }
  await opened;
  const verified = nextEvent('TaskVerified', (e) => e.data.job.toNumber() === job);
  const before = (await api.query.system.account(bob.address)).data.free.toBigInt();
  for (const provider of [bob, charlie]) {
    await send(api.tx.market.revealResults([{ task: { job, task: 0 }, result, salt: salts[provider.address] }]), provider);
  }
  const verdict = await verified;
  assert.equal(u8aToHex(verdict.data.result), u8aToHex(result));
  assert.equal(verdict.data.agreeing.toNumber(), 2);

  const task = await api.query.market.tasks(job, 0);
  assert.ok(task.unwrap().phase.isVerified);
  const view = (await api.call.computeMarketApi.job(job)).unwrap();
  assert.equal(view.verified.toNumber(), 1);
  assert.ok(view.state.isFinished);
  const jobViaRpc = await rpc('market_job', [job, null]);
  assert.equal(jobViaRpc.verified, 1);
  // Bob's reveal paid the price (less his transaction fee), and his reputation rose.
  const after = (await api.query.system.account(bob.address)).data.free.toBigInt();
  assert.ok(after > before + CON - CON / 100n, `Bob was paid: ${before} -> ${after}`);
  // A registered provider's standing is part of its record in chain state.
  const bobStanding = (await api.query.market.providers(bob.address)).unwrap().standing;
  assert.equal(bobStanding.verified.toNumber(), 1);
  assert.equal(bobStanding.reputation.toNumber(), 505);
});
