// Waits until this node has imported the block the node named in `args[0]` had finalized when
// it was called, and finalized it too: a node that was down has caught up. Returns the
// seconds it took.
async function run(nodeName, networkInfo, args) {
  const [api, peer] = await Promise.all([
    zombie.connect(networkInfo.nodesByName[nodeName].wsUri),
    zombie.connect(networkInfo.nodesByName[args[0]].wsUri),
  ]);
  try {
    const finalized = async (node) =>
      (await node.rpc.chain.getHeader(await node.rpc.chain.getFinalizedHead())).number.toNumber();
    const target = await finalized(peer);
    const started = Date.now();
    while ((await finalized(api)) < target) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const seconds = Math.round((Date.now() - started) / 1000);
    console.log(`${nodeName}: finalized ${args[0]}'s block ${target} after ${seconds} s`);
    return seconds;
  } finally {
    await Promise.all([api.disconnect(), peer.disconnect()]);
  }
}

module.exports = { run };
