// A development chain seen through @polkadot/api: the token as wallets show it, and a CON
// transfer from Alice to Bob that is finalized, with balances and events that add up.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { startNode, connect } from './lib/node.mjs';

const CON = 10n ** 12n;
let node;
let api;

before(async () => {
  node = await startNode('dev', ['--dev']);
  api = await connect(node);
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});

test('wallets see the CON token with 12 decimals', async () => {
  const properties = await api.rpc.system.properties();
  assert.deepEqual(properties.tokenSymbol.unwrap().map(String), ['CON']);
  assert.deepEqual(properties.tokenDecimals.unwrap().map((d) => d.toNumber()), [12]);
  assert.deepEqual(api.registry.chainTokens, ['CON']);
  assert.deepEqual(api.registry.chainDecimals, [12]);
  assert.equal((await api.rpc.system.chain()).toString(), 'Conun Development');
  assert.equal(api.runtimeVersion.specName.toString(), 'conun');
  // The existential deposit is 1 milli-CON.
  assert.equal(api.consts.balances.existentialDeposit.toBigInt(), CON / 1000n);
});

test('Alice transfers CON to Bob; the block is finalized and balances and events add up', async () => {
  const keyring = new Keyring({ type: 'sr25519' });
  const alice = keyring.addFromUri('//Alice');
  const bob = keyring.addFromUri('//Bob');
  const amount = 12_345n * CON / 1000n; // 12.345 CON

  const { blockHash, events } = await new Promise((resolve, reject) => {
    api.tx.balances
      .transferKeepAlive(bob.address, amount)
      .signAndSend(alice, ({ status, events, dispatchError }) => {
        if (dispatchError) reject(new Error(`transfer failed: ${dispatchError.toString()}`));
        else if (status.isFinalized) resolve({ blockHash: status.asFinalized, events });
      })
      .catch(reject);
  });

  // Decoded events of the extrinsic, from metadata alone.
  const find = (event) => events.find(({ event: e }) => event.is(e))?.event;
  const transfer = find(api.events.balances.Transfer);
  assert.ok(transfer, 'a balances.Transfer event');
  assert.equal(transfer.data.from.toString(), alice.address);
  assert.equal(transfer.data.to.toString(), bob.address);
  assert.equal(transfer.data.amount.toBigInt(), amount);
  assert.ok(find(api.events.system.ExtrinsicSuccess), 'a system.ExtrinsicSuccess event');
  const feePaid = find(api.events.transactionPayment.TransactionFeePaid);
  assert.ok(feePaid, 'a transactionPayment.TransactionFeePaid event');
  assert.equal(feePaid.data.who.toString(), alice.address);
  const fee = feePaid.data.actualFee.toBigInt();
  assert.ok(fee > 0n && fee < CON / 100n, `fee ${fee} is positive and below 0.01 CON`);

  // The block is final: the finalized head is at or past it.
  const header = await api.rpc.chain.getHeader(blockHash);
  const finalized = await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead());
  assert.ok(finalized.number.toNumber() >= header.number.toNumber());

  // Balances before (parent block) and after (the block itself).
  const [at, parent] = [await api.at(blockHash), await api.at(header.parentHash)];
  const free = async (state, who) => (await state.query.system.account(who)).data.free.toBigInt();
  assert.equal((await free(at, bob.address)) - (await free(parent, bob.address)), amount);
  assert.equal((await free(parent, alice.address)) - (await free(at, alice.address)), amount + fee);
  // Fees are burned: total issuance falls by exactly the fee.
  const issuance = async (state) => (await state.query.balances.totalIssuance()).toBigInt();
  assert.equal((await issuance(parent)) - (await issuance(at)), fee);

  console.log(`transfer_keep_alive of 12.345 CON paid a fee of ${fee} planck (${Number(fee) / 1e12} CON)`);
});
