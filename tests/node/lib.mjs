// lib.mjs: what the node end-to-end tests share.
//
// startAgent()  starts the agent (env ENVD_BIN, default build/envd of this
//               checkout) on a free port with --cgroup-root in a temporary
//               directory, the way tests/e2e/harness.py does: as root it runs
//               inside a private mount namespace with a tmpfs over /run and a
//               temporary file over /etc/hosts.  It waits for GET /health;
//               agent.stop() kills it by its pid (its own process group).
// withAgent()   runs fn(agent) and stops the agent; fails the test if the
//               agent died meanwhile.
// test()        registers a test; run() runs them (or those named on the
//               command line) one after the other and prints "ok NAME",
//               "FAIL NAME: REASON" or "skip NAME: REASON", then
//               "e2e: N passed, M failed", and exits 1 when M > 0.
// services()    the process and filesystem services, read from proto/*.proto
//               through protoc's descriptor set (no code generation).
// Assertions    check, eq, deepEq, rejectsWith, waitFor, sleep.
//
// Plain node 20 modules; no build step.

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, inspect } from 'node:util';

import { fromBinary, createFileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { ConnectError, Code, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
// ENVD_BIN is taken relative to the current directory, as in harness.py.
export const ENVD_BIN = path.resolve(process.env.ENVD_BIN ||
    path.join(HERE, '..', '..', 'build', 'envd'));
export const IS_ROOT = process.geteuid() === 0;
const START_TIMEOUT_MS = 5000;
const HOSTS_SEED = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n';

export class Skip extends Error {}

export function needRoot() {
  if (!IS_ROOT) throw new Skip('needs root');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// GET path on a fresh connection; resolves {status, headers, body}.
export function httpGet(port, p, timeoutMs = 1000) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p,
      method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode,
        headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

// ------------------------------------------------------------------ agent

const liveAgents = new Set();	// stopped by run() after a test that hung

export class Agent {
  constructor({ args = [], namespace = IS_ROOT } = {}) {
    this.args = args;
    this.namespace = namespace;
    this.port = null;
    this.proc = null;
    this.exited = null;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    if (!fs.existsSync(ENVD_BIN)) {
      throw new Error(`no agent binary at ${ENVD_BIN} (./build.sh first)`);
    }
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'envd-node-'));
    const cg = path.join(this.tmp, 'cgroup');
    fs.mkdirSync(cg);
    this.logPath = path.join(this.tmp, 'stdout.log');
    this.errPath = path.join(this.tmp, 'stderr.log');
    this.port = await freePort();
    let cmd = [ENVD_BIN, '--port', String(this.port), '--cgroup-root', cg,
      ...this.args];
    if (this.namespace) {
      needRoot();
      this.hostsPath = path.join(this.tmp, 'hosts');
      fs.writeFileSync(this.hostsPath, HOSTS_SEED);
      // unshare execs sh in place and sh execs the agent, so the child's
      // pid is the agent's.
      const script = 'mount --bind "$1" /etc/hosts && ' +
          'mount -t tmpfs tmpfs /run && shift && exec "$@"';
      cmd = ['unshare', '--mount', '--propagation', 'private',
        'sh', '-c', script, 'sh', this.hostsPath, ...cmd];
    }
    const out = fs.openSync(this.logPath, 'w');
    const err = fs.openSync(this.errPath, 'w');
    this.proc = spawn(cmd[0], cmd.slice(1), {
      stdio: ['ignore', out, err], detached: true });
    fs.closeSync(out);
    fs.closeSync(err);
    liveAgents.add(this);
    this.exitPromise = new Promise((resolve) => {
      this.proc.on('exit', (code, sig) => {
        this.exited = sig ? `signal ${sig}` : `status ${code}`;
        resolve();
      });
      this.proc.on('error', (e) => {
        this.exited = `spawn error ${e.message}`;
        resolve();
      });
    });
    try {
      await this.waitReady();
    } catch (e) {
      await this.stop();
      throw e;
    }
    return this;
  }

  async waitReady() {
    const end = Date.now() + START_TIMEOUT_MS;
    let last = 'nothing';
    while (Date.now() < end) {
      if (this.exited) {
        throw new Error(`agent exited (${this.exited}) before it answered ` +
            `/health; stderr: ${this.stderr()}; stdout: ${this.log()}`);
      }
      try {
        const r = await httpGet(this.port, '/health');
        if (r.status >= 200 && r.status < 300) return;
        last = `status ${r.status}`;
      } catch (e) {
        last = e.message;
      }
      await sleep(10);
    }
    throw new Error(`agent did not answer /health within ` +
        `${START_TIMEOUT_MS / 1000}s (${last})`);
  }

  alive() {
    return this.proc !== null && this.exited === null;
  }

  async stop() {
    liveAgents.delete(this);
    if (this.proc && this.exited === null) {
      try {
        process.kill(-this.proc.pid, 'SIGKILL');	// its own group
      } catch {
        try { process.kill(this.proc.pid, 'SIGKILL'); } catch { /* gone */ }
      }
      await Promise.race([this.exitPromise, sleep(5000)]);
    }
    if (this.tmp) fs.rmSync(this.tmp, { recursive: true, force: true });
    this.tmp = null;
  }

  log() {
    try { return fs.readFileSync(this.logPath, 'utf8'); } catch { return ''; }
  }

  stderr() {
    try { return fs.readFileSync(this.errPath, 'utf8'); } catch { return ''; }
  }
}

export async function startAgent(opts) {
  return new Agent(opts).start();
}

// Runs fn(agent) with a fresh agent; a crash of the agent fails the test.
export async function withAgent(fn, opts) {
  const a = await startAgent(opts);
  let failure = null;
  try {
    await fn(a);
  } catch (e) {
    failure = e;
  }
  await sleep(20);	// a crash caused by the last request shows
  let crashed = null;
  if (!a.alive()) {
    crashed = `agent died during the test (${a.exited}); stderr: ` +
        `${a.stderr().slice(-1500)}; last log: ${a.log().slice(-500)}`;
  }
  await a.stop();
  if (failure && crashed && !(failure instanceof Skip)) {
    failure.message += ` [${crashed}]`;
  }
  if (failure) throw failure;
  if (crashed) throw new Error(crashed);
}

// A fresh directory under the system temp dir, removed by the caller.
export function tempDir(prefix = 'envd-node-t-') {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

export async function withTempDir(fn) {
  const d = tempDir();
  try {
    return await fn(d);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------ services

let registry = null;

// The registry of proto/*.proto, built once per run with protoc.
export function protoRegistry() {
  if (registry) return registry;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'envd-proto-'));
  try {
    const out = path.join(tmp, 'envd.pb');
    const protos = fs.readdirSync(path.join(ROOT, 'proto'))
        .filter((f) => f.endsWith('.proto')).map((f) => `proto/${f}`);
    execFileSync('protoc', ['--include_imports',
      `--descriptor_set_out=${out}`, '-I', 'proto', ...protos],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    registry = createFileRegistry(
        fromBinary(FileDescriptorSetSchema, fs.readFileSync(out)));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return registry;
}

export function services() {
  const r = protoRegistry();
  const get = (name) => {
    const s = r.getService(name);
    if (!s) throw new Error(`no service ${name} in proto/`);
    return s;
  };
  return {
    registry: r,
    Filesystem: get('filesystem.Filesystem'),
    Process: get('process.Process'),
  };
}

// Number of an enum value by name, e.g. enumValue('filesystem.FileType',
// 'FILE_TYPE_FILE').
export function enumValue(enumName, valueName) {
  const e = protoRegistry().getEnum(enumName);
  if (!e) throw new Error(`no enum ${enumName}`);
  const v = e.values.find((x) => x.name === valueName);
  if (!v) throw new Error(`no value ${valueName} in ${enumName}`);
  return v.number;
}

export function enumName(enumName, number) {
  const e = protoRegistry().getEnum(enumName);
  const v = e && e.values.find((x) => x.number === number);
  return v ? v.name : String(number);
}

// ---------------------------------------------------------- assertions

export class AssertionError extends Error {}

export function check(cond, msg = 'check failed') {
  if (!cond) throw new AssertionError(msg);
}

export function show(v) {
  return inspect(v, { depth: 6, breakLength: Infinity, maxStringLength: 300 });
}

export function eq(got, want, what = 'value') {
  if (got !== want) {
    throw new AssertionError(`${what}: got ${show(got)}, want ${show(want)}`);
  }
}

export function deepEq(got, want, what = 'value') {
  if (!isDeepStrictEqual(got, want)) {
    throw new AssertionError(`${what}: got ${show(got)}, want ${show(want)}`);
  }
}

// Awaits p, which must reject with a ConnectError of the given code.
export async function rejectsWith(p, code, what = 'call') {
  let v;
  try {
    v = await p;
  } catch (e) {
    const ce = ConnectError.from(e);
    if (ce.code !== code) {
      throw new AssertionError(`${what}: got code ${Code[ce.code]} ` +
          `(${ce.message}), want ${Code[code]}`);
    }
    return ce;
  }
  throw new AssertionError(`${what}: succeeded (${show(v)}), want ` +
      `${Code[code]}`);
}

// Polls pred() (may be async) until it returns a truthy value.
export async function waitFor(pred, timeoutMs, what, intervalMs = 20) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > end) {
      throw new AssertionError(`timed out after ${timeoutMs} ms waiting ` +
          `for ${what}`);
    }
    await sleep(intervalMs);
  }
}

// Rejects after ms unless p settles first.
export function within(p, ms, what) {
  let t;
  const timer = new Promise((_, reject) => {
    t = setTimeout(() => reject(new AssertionError(
        `${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([p, timer]).finally(() => clearTimeout(t));
}

// Pulls messages from an async iterable, each within a time limit.
export class Pull {
  constructor(iterable) {
    this.it = iterable[Symbol.asyncIterator]();
    this.pending = null;
  }

  // The next message; {done: true} at the end of the stream.
  async next(ms, what = 'next stream message') {
    if (!this.pending) this.pending = this.it.next();
    const r = await within(this.pending, ms, what);
    this.pending = null;
    return r;
  }

  // Messages until pred(list) is true or ms pass; returns the list.
  async until(pred, ms, what) {
    const end = Date.now() + ms;
    const got = [];
    while (!pred(got)) {
      const left = end - Date.now();
      if (left <= 0) {
        throw new AssertionError(`${what}: timed out; got ${show(got)}`);
      }
      let r;
      try {
        r = await this.next(left, what);
      } catch (e) {
        if (e instanceof AssertionError) {
          throw new AssertionError(`${what}: timed out; got ${show(got)}`);
        }
        throw e;
      }
      if (r.done) {
        throw new AssertionError(`${what}: stream ended; got ${show(got)}`);
      }
      got.push(r.value);
    }
    return got;
  }

  // Messages arriving within ms (stops early at the end of the stream).
  async collect(ms) {
    const end = Date.now() + ms;
    const got = [];
    for (;;) {
      const left = end - Date.now();
      if (left <= 0) return got;
      let r;
      try {
        r = await this.next(left);
      } catch (e) {
        if (e instanceof AssertionError) return got;
        throw e;
      }
      if (r.done) return got;
      got.push(r.value);
    }
  }
}

// ---------------------------------------------------------------- users

// Makes the Unix user name (with a home) unless it exists; root only.
export function ensureUser(name) {
  needRoot();
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['-m', name], { stdio: 'inherit' });
  }
}

// A Connect client of service over HTTP/1.1 in fmt ('json' or 'binary'),
// adding the request headers in headers when given.
export function connectClient(service, agent, fmt, headers = null) {
  const interceptors = [];
  if (headers) {
    interceptors.push((next) => async (req) => {
      for (const [k, v] of Object.entries(headers)) req.header.set(k, v);
      return next(req);
    });
  }
  const transport = createConnectTransport({
    baseUrl: agent.url, httpVersion: '1.1',
    useBinaryFormat: fmt === 'binary', interceptors,
  });
  return createClient(service, transport);
}

export function basicAuth(user) {
  return `Basic ${Buffer.from(`${user}:`).toString('base64')}`;
}

// The name of a uid or gid from /etc/passwd or /etc/group, else the number.
export function idName(file, id) {
  for (const ln of fs.readFileSync(file, 'utf8').split('\n')) {
    const f = ln.split(':');
    if (f.length > 2 && Number(f[2]) === id) return f[0];
  }
  return String(id);
}
export const ownerOf = (st) => idName('/etc/passwd', st.uid);
export const groupOf = (st) => idName('/etc/group', st.gid);

// --------------------------------------------------------------- runner

const tests = [];

export function test(name, fn, { timeoutMs = 30000 } = {}) {
  tests.push({ name, fn, timeoutMs });
}

export async function run() {
  const only = new Set(process.argv.slice(2));
  let passed = 0;
  let failed = 0;
  for (const t of tests) {
    if (only.size && !only.has(t.name)) continue;
    const t0 = Date.now();
    try {
      await within(Promise.resolve().then(t.fn), t.timeoutMs,
          `test ${t.name}`);
    } catch (e) {
      for (const a of [...liveAgents]) await a.stop();
      if (e instanceof Skip) {
        console.log(`skip ${t.name}: ${e.message}`);
        continue;
      }
      failed++;
      const kind = e && e.name && !(e instanceof AssertionError)
        ? `${e.name}: ` : '';
      const reason = `${kind}${e && e.message !== undefined ? e.message : e}`
          .replace(/\s*\n\s*/g, ' ');
      console.log(`FAIL ${t.name}: ${reason}`);
      if (process.env.E2E_VERBOSE && e && e.stack) console.log(e.stack);
      continue;
    }
    passed++;
    console.log(`ok ${t.name}`);
    if (process.env.E2E_VERBOSE) console.log(`  ${(Date.now() - t0) / 1000}s`);
  }
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  // Keep-alive sockets and abandoned streams must not hold the process.
  process.exit(failed ? 1 : 0);
}
