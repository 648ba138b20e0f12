// Waits until this node's best and finalized blocks are both `args[0]` blocks beyond where they
// were when it was called, and returns how many seconds that took (zombienet fails the step if
// it takes longer than the step's `within`).
async function run(nodeName, networkInfo, args) {
  const blocks = Number(args[0] || 5);
  const api = await zombie.connect(networkInfo.nodesByName[nodeName].wsUri);
  try {
    const best = async () => (await api.rpc.chain.getHeader()).number.toNumber();
    const finalized = async () =>
      (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
    const [best0, final0] = [await best(), await finalized()];
    const started = Date.now();
    while ((await best()) < best0 + blocks || (await finalized()) < final0 + blocks) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const seconds = Math.round((Date.now() - started) / 1000);
    console.log(`${nodeName}: best ${best0} -> ${await best()}, finalized ${final0} -> ${await finalized()} in ${seconds} s`);
    return seconds;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };
