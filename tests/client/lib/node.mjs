// Starts conun-node processes for tests and measurements, on free loopback ports, and stops
// them again. The binary is $CONUN_NODE, or the release build in $CARGO_TARGET_DIR
// (default ~/.cache/conun/target).

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, connect as tcpConnect } from 'node:net';
import { mkdtempSync, openSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';

export function nodeBinary() {
  if (process.env.CONUN_NODE) return process.env.CONUN_NODE;
  const target = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache', 'conun', 'target');
  const bin = join(target, 'release', 'conun-node');
  if (!existsSync(bin)) {
    throw new Error(`conun-node not found at ${bin}: run scripts/setup.sh or set CONUN_NODE`);
  }
  return bin;
}

/**
 * Arguments for validator `name` (alice, bob, charlie) of the `local` chain, with a fresh
 * network key: a non-dev validator refuses to invent one on its own.
 */
export function validatorArgs(name) {
  return ['--chain', 'local', `--${name}`, '--node-key', randomBytes(32).toString('hex')];
}

/**
 * Starts the four validators of the `local` chain, the others with Alice as their
 * bootnode, and connects to each. Returns { nodes, apis }; stop them with `stopAll`.
 */
export async function startLocalNetwork(validators = ['alice', 'bob', 'charlie', 'dave']) {
  const nodes = [];
  const apis = [];
  try {
    for (const name of validators) {
      const args = validatorArgs(name);
      if (nodes.length > 0) {
        const peerId = (await apis[0].rpc.system.localPeerId()).toString();
        args.push('--bootnodes', `/ip4/127.0.0.1/tcp/${nodes[0].p2pPort}/p2p/${peerId}`);
      }
      const node = await startNode(name, args);
      nodes.push(node);
      apis.push(await connect(node));
    }
  } catch (error) {
    await stopAll({ nodes, apis });
    throw error;
  }
  return { nodes, apis };
}

/** Disconnects the clients and stops the nodes. */
export async function stopAll({ nodes, apis }) {
  await Promise.all(apis.map((api) => api.disconnect()));
  await Promise.all(nodes.map((node) => node.stop()));
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `conun-node` with `args` plus its own base path and free RPC, p2p and metrics ports.
 * Returns { name, proc, wsUrl, rpcPort, p2pPort, metricsPort, basePath, log, stop() }.
 */
export async function startNode(name, args) {
  const basePath = mkdtempSync(join(tmpdir(), `conun-${name}-`));
  const [rpcPort, p2pPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const log = join(basePath, 'node.log');
  const out = openSync(log, 'a');
  const proc = spawn(
    nodeBinary(),
    [
      ...args,
      '--base-path', basePath,
      '--rpc-port', String(rpcPort),
      '--port', String(p2pPort),
      '--prometheus-port', String(metricsPort),
      '--no-telemetry',
    ],
    { stdio: ['ignore', out, out] },
  );
  let exited = null;
  proc.on('exit', (code, signal) => { exited = { code, signal }; });

  const stop = async () => {
    if (exited) return;
    const done = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGINT');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    await done;
    clearTimeout(timer);
  };

  return {
    name, proc, basePath, log, rpcPort, p2pPort, metricsPort, stop,
    wsUrl: `ws://127.0.0.1:${rpcPort}`,
    exited: () => exited,
    tail: () => readFileSync(log, 'utf8').split('\n').slice(-30).join('\n'),
  };
}

/** Connects @polkadot/api to a node, waiting up to `timeoutMs` for its RPC server. */
export async function connect(node, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (node.exited()) {
      throw new Error(`${node.name} exited (${JSON.stringify(node.exited())}):\n${node.tail()}`);
    }
    try {
      await new Promise((resolve, reject) => {
        const socket = tcpConnect(node.rpcPort, '127.0.0.1', () => { socket.end(); resolve(); });
        socket.on('error', reject);
      });
      return await ApiPromise.create({ provider: new WsProvider(node.wsUrl), noInitWarn: true });
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`${node.name}: RPC did not come up within ${timeoutMs} ms:\n${node.tail()}`);
}

/** Resolves with the first finalized head whose number is at least `n`. */
export function waitForFinalized(api, n, timeoutMs = 180_000) {
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no finalized block #${n} within ${timeoutMs} ms`));
    }, timeoutMs);
    api.rpc.chain
      .subscribeFinalizedHeads((header) => {
        if (header.number.toNumber() >= n) {
          clearTimeout(timer);
          unsubscribe();
          resolve(header);
        }
      })
      .then((u) => { unsubscribe = u; })
      .catch(reject);
  });
}

/** The BABE authority index that authored `header`, from its pre-runtime digest. */
export function babeAuthorIndex(api, header) {
  for (const log of header.digest.logs) {
    if (log.isPreRuntime) {
      const [engine, data] = log.asPreRuntime;
      if (engine.toString() === 'BABE') {
        const digest = api.registry.createType('RawBabePreDigest', data);
        const claim = digest.isPrimary ? digest.asPrimary
          : digest.isSecondaryPlain ? digest.asSecondaryPlain : digest.asSecondaryVRF;
        return claim.authorityIndex.toNumber();
      }
    }
  }
  throw new Error(`block #${header.number} has no BABE pre-digest`);
}
