// The commitment of conun_primitives::commitment, for the tests and tools that act as providers.

import { blake2AsU8a } from '@polkadot/util-crypto';
import { u8aConcat } from '@polkadot/util';

/** blake2-256 of SCALE((job, task), account, result, salt): what a replica commits to. */
export function commitment(api, job, task, account, result, salt) {
  const encoded = u8aConcat(
    api.createType('(u64, u32)', [job, task]).toU8a(),
    api.createType('AccountId32', account).toU8a(),
    result,
    salt,
  );
  return blake2AsU8a(encoded, 256);
}
