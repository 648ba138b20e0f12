// Sends many transactions from one account, as the benchmark tools do: signed with consecutive
// nonces and submitted in waves the transaction pool can hold, each wave waited for until the
// chain has included it (the account's nonce in the chain's state passes it; the pool-aware
// `system_accountNextIndex` would count the wave as soon as it is submitted).

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Signs `calls` as `signer` with consecutive nonces and submits them `wave` at a time, waiting
 * for each wave to be included before the next. Throws once `deadline` (a `Date.now()` value)
 * has passed with a wave still out.
 */
export async function sendInWaves(api, signer, calls, { wave = 1_000, deadline }) {
  const included = async () => (await api.query.system.account(signer.address)).nonce.toNumber();
  const first = (await api.rpc.system.accountNextIndex(signer.address)).toNumber();
  for (let sent = 0; sent < calls.length; ) {
    const batch = calls.slice(sent, sent + wave);
    await Promise.all(
      batch.map(async (call, i) => {
        await call.signAsync(signer, { nonce: first + sent + i, era: 0 });
        return api.rpc.author.submitExtrinsic(call);
      }),
    );
    sent += batch.length;
    while ((await included()) < first + sent) {
      if (Date.now() > deadline) {
        throw new Error(`gave up at the deadline: ${sent} of ${calls.length} transactions from ${signer.address} submitted`);
      }
      await sleep(1_000);
    }
  }
}
