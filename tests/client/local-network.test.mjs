// The four validators (Alice, Bob, Charlie, Dave) of the `local` chain on one machine: they connect,
// take turns producing blocks, and finalize them together.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLocalNetwork, stopAll, waitForFinalized, babeAuthorIndex } from './lib/node.mjs';

let network = { nodes: [], apis: [] };
let apis = [];

before(async () => {
  network = await startLocalNetwork();
  apis = network.apis;
});

after(() => stopAll(network));

test('four local validators produce and finalize blocks together', async () => {
  const target = 8;
  const finalized = await Promise.all(apis.map((api) => waitForFinalized(api, target)));

  // Every validator finalized the same chain.
  const hashes = await Promise.all(apis.map((api) => api.rpc.chain.getBlockHash(target)));
  assert.equal(new Set(hashes.map(String)).size, 1, 'all validators agree on block #8');
  for (const header of finalized) assert.ok(header.number.toNumber() >= target);

  // Each is connected to the other three.
  for (const api of apis) assert.equal((await api.rpc.system.health()).peers.toNumber(), 3);

  // Blocks 1..target were authored by more than one validator.
  const authors = new Set();
  for (let n = 1; n <= target; n++) {
    const header = await apis[0].rpc.chain.getHeader(await apis[0].rpc.chain.getBlockHash(n));
    authors.add(babeAuthorIndex(apis[0], header));
  }
  assert.ok(authors.size >= 2, `blocks 1..${target} came from ${authors.size} authorities`);

  assert.equal((await apis[0].query.babe.authorities()).length, 4);
  assert.equal((await apis[0].call.grandpaApi.grandpaAuthorities()).length, 4);
});
