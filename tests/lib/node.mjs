// Start and stop real `ehr-node` processes for the end-to-end tests.
//
// Every node gets a fresh base path and free ports, and is killed when the test process exits,
// whether the tests passed, failed or were interrupted.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The node binary: `$EHR_NODE`, else the one cargo built into the shared target directory. */
export function nodeBinary() {
  if (process.env.EHR_NODE) return process.env.EHR_NODE;
  const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache', 'ehr-chain', 'target');
  return join(target, 'debug', 'ehr-node');
}

/** Run the node binary to completion (for subcommands and bad-input checks). */
export function runNode(args, { timeoutMs = 60_000 } = {}) {
  // A chain spec embeds the runtime wasm as hex: several MB on stdout.
  return spawnSync(nodeBinary(), args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
}

const running = new Set();
function killAll() {
  for (const child of running) child.kill('SIGKILL');
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    killAll();
    process.exit(128 + 2);
  });
}

/** A port nobody listens on right now. */
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

async function rpc(url, method, params = []) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = await response.json();
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}

/**
 * Start `ehr-node` with `args` (e.g. `['--dev']`) on free ports and wait until its RPC server
 * answers. The base path is a new temporary directory unless `basePath` names an earlier one.
 */
export async function startNode(args, { basePath, readyTimeoutMs = 120_000 } = {}) {
  basePath ??= mkdtempSync(join(tmpdir(), 'ehr-e2e-'));
  const [rpcPort, p2pPort, prometheusPort] = [await freePort(), await freePort(), await freePort()];
  const logPath = join(basePath, `node-${Date.now()}.log`);
  const log = createWriteStream(logPath);
  const child = spawn(
    nodeBinary(),
    [
      ...args,
      '--base-path', basePath,
      '--rpc-port', String(rpcPort),
      '--port', String(p2pPort),
      '--prometheus-port', String(prometheusPort),
      '--no-mdns',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );

  const node = {
    child,
    basePath,
    logPath,
    httpUrl: `http://127.0.0.1:${rpcPort}`,
    wsUrl: `ws://127.0.0.1:${rpcPort}`,
    prometheusUrl: `http://127.0.0.1:${prometheusPort}/metrics`,
    exited,
    log: () => readFileSync(logPath, 'utf8'),
    /** Stop with `signal` and report how the process ended and how long it took. */
    async stop(signal = 'SIGINT', timeoutMs = 30_000) {
      const started = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      // An unref'd timer: once the node has exited it must not keep the test process alive.
      const outcome = await Promise.race([exited, sleep(timeoutMs, null, { ref: false })]);
      if (outcome === null) child.kill('SIGKILL');
      const result = { ...(outcome ?? (await exited)), timedOut: outcome === null, ms: Date.now() - started };
      log.end();
      return result;
    },
    /** Stop (if still running) and delete the base path. */
    async dispose() {
      await node.stop('SIGKILL', 5_000);
      rmSync(basePath, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`ehr-node exited with ${child.exitCode} before its RPC answered:\n${node.log()}`);
    }
    try {
      await rpc(node.httpUrl, 'system_health');
      return node;
    } catch {
      if (Date.now() > deadline) {
        await node.dispose();
        throw new Error(`ehr-node RPC did not answer within ${readyTimeoutMs} ms`);
      }
      await sleep(250);
    }
  }
}

/** Poll `check` until it returns a truthy value, or fail after `timeoutMs`. */
export async function waitFor(what, check, { timeoutMs = 60_000, intervalMs = 500 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/**
 * End of a suite: stop the node and delete its state, or on failure keep the state (and say
 * where its log is). A node left running would keep the test process alive.
 */
export async function disposeUnlessFailed(node) {
  if (!node) return;
  if (process.exitCode) {
    await node.stop('SIGKILL', 5_000);
    console.error(`node log kept at ${node.logPath}`);
  } else {
    await node.dispose();
  }
}
