// process_connect.mjs: every process.Process RPC through the ConnectRPC node
// client (@connectrpc/connect-node, Connect protocol over HTTP/1.1), each
// test in both codecs: JSON (application/json, connect+json) and binary
// (application/proto, connect+proto).  StreamInput is client streaming over
// HTTP/1.1.  One agent per test.  SPEC.md 5.5 and 6 (the errors of 6.1 and
// 6.5-6.7); cases B10, B11, B12, B19.
//
//     ENVD_BIN=build/envd node tests/node/process_connect.mjs [test names]

import fs from 'node:fs';
import path from 'node:path';

import { Code } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';

import {
  AssertionError, Pull, basicAuth, check, connectClient, deepEq, ensureUser, enumValue, eq,
  needRoot, rejectsWith, run, services, show, sleep, test, waitFor,
  withAgent, withTempDir,
} from './lib.mjs';

const { Process } = services();
const SIG = {
  UNSPECIFIED: enumValue('process.Signal', 'SIGNAL_UNSPECIFIED'),
  TERM: enumValue('process.Signal', 'SIGNAL_SIGTERM'),
  KILL: enumValue('process.Signal', 'SIGNAL_SIGKILL'),
};
const FORMATS = ['json', 'binary'];
const TEST_USER = 'envdtest';
const PTY80 = { size: { cols: 80, rows: 24 } };

function client(agent, fmt, headers = null) {
  return connectClient(Process, agent, fmt, headers);
}

// Registers name[json] and name[binary]; fn gets {a, c, d, fmt, cl}, cl(h)
// being a client that adds headers h.  Processes left in the table at the
// end are killed (they have process groups of their own).
function procTest(name, fn, opts) {
  for (const fmt of FORMATS) {
    test(`${name}[${fmt}]`, () => withAgent((a) => withTempDir(async (d) => {
      const c = client(a, fmt);
      try {
        await fn({ a, c, d, fmt, cl: (h) => client(a, fmt, h) });
      } finally {
        try {
          const { processes } = await c.list({});
          for (const p of processes) {
            await c.sendSignal({ process: byPid(p.pid), signal: SIG.KILL });
          }
        } catch { /* the agent may be gone: withAgent reports it */ }
      }
    })), opts);
  }
}

const byPid = (pid) => ({ selector: { case: 'pid', value: pid } });
const byTag = (tag) => ({ selector: { case: 'tag', value: tag } });
const stdinIn = (s) => ({ input: { case: 'stdin', value: Buffer.from(s) } });
const ptyIn = (s) => ({ input: { case: 'pty', value: Buffer.from(s) } });
const sh = (cmd, more = {}) => ({
  process: { cmd: '/bin/sh', args: ['-c', cmd] }, ...more });

const gone = (pid) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return e.code === 'ESRCH';
  }
};

// --------------------------------------------------------- event streams

class Events {
  constructor() {
    this.kinds = [];
    this.pid = undefined;
    this.stdout = Buffer.alloc(0);
    this.stderr = Buffer.alloc(0);
    this.pty = Buffer.alloc(0);
    this.data = [];
    this.end = undefined;
    this.keepalives = 0;
  }

  add(msg) {
    const ev = msg.event && msg.event.event;
    check(ev && ev.case, `a response without an event: ${show(msg)}`);
    check(this.end === undefined, `event ${ev.case} after the end event`);
    switch (ev.case) {
      case 'start':
        check(this.kinds.length === 0, `start after ${show(this.kinds)}`);
        this.pid = ev.value.pid;
        break;
      case 'data': {
        check(this.kinds[0] === 'start', 'data before start');
        const o = ev.value.output;
        check(o && o.case, `empty data event ${show(ev.value)}`);
        this.data.push([o.case, Buffer.from(o.value)]);
        this[o.case] = Buffer.concat([this[o.case], Buffer.from(o.value)]);
        break;
      }
      case 'end':
        this.end = ev.value;
        break;
      case 'keepalive':
        this.keepalives++;
        break;
      default:
        throw new AssertionError(`unknown event ${ev.case}`);
    }
    this.kinds.push(ev.case);
  }
}

// A Start or Connect stream read with time limits.
class PStream {
  constructor(open) {
    this.ac = new AbortController();
    this.pull = new Pull(open(this.ac.signal));
    this.ev = new Events();
    this.ended = false;
  }

  // Reads until pred(ev) holds.
  async until(pred, ms = 5000, what = 'events') {
    const end = Date.now() + ms;
    while (!pred(this.ev)) {
      const left = end - Date.now();
      if (left <= 0 || this.ended) {
        throw new AssertionError(`${what}: not seen; kinds ` +
            `${show(this.ev.kinds.slice(-10))}, stdout ` +
            `${show(this.ev.stdout.toString())}`);
      }
      const r = await this.pull.next(left, what);
      if (r.done) {
        this.ended = true;
        continue;
      }
      this.ev.add(r.value);
    }
    return this.ev;
  }

  // Reads to the end of the stream, which must carry the end event.
  async finish(ms = 10000) {
    const end = Date.now() + ms;
    while (!this.ended) {
      const r = await this.pull.next(Math.max(1, end - Date.now()),
          'the end of the stream');
      if (r.done) this.ended = true;
      else this.ev.add(r.value);
    }
    check(this.ev.end,
        `stream ended without an end event: ${show(this.ev.kinds)}`);
    eq(this.ev.kinds.filter((k) => k === 'start').length, 1, 'start events');
    return this.ev;
  }

  close() {
    if (this.pull.pending) this.pull.pending.catch(() => {});
    this.ac.abort();
  }
}

const startS = (c, req, opts = {}) => new PStream(
    (signal) => c.start(req, { signal, ...opts }));
const connectS = (c, sel, opts = {}) => new PStream(
    (signal) => c.connect({ process: sel }, { signal, ...opts }));

async function runP(c, req, opts) {
  const s = startS(c, req, opts);
  return s.finish();
}

function cleanEnd(ev, code = 0, what = 'end') {
  check(ev.end, `${what}: no end event`);
  eq(ev.end.exitCode, code, `${what} exitCode`);
  eq(ev.end.exited, true, `${what} exited`);
  eq(ev.end.status, `exit status ${code}`, `${what} status`);
  eq(ev.end.error, undefined, `${what} error`);
}

function signalEnd(ev, name, what = 'end') {
  check(ev.end, `${what}: no end event`);
  eq(ev.end.exitCode, -1, `${what} exitCode`);
  eq(ev.end.exited, false, `${what} exited`);
  eq(ev.end.status, `signal: ${name}`, `${what} status`);
  eq(ev.end.error, undefined, `${what} error`);
}

// The stream must fail with code before any message.
async function streamFails(s, code, message, what) {
  const e = await rejectsWith(s.pull.next(5000, what), code, what);
  if (message !== undefined) eq(e.rawMessage, message, `${what}: message`);
  eq(s.ev.kinds.length, 0, `${what}: messages before the error`);
  return e;
}

async function fails(p, code, message, what) {
  const e = await rejectsWith(p, code, what);
  if (message !== undefined) eq(e.rawMessage, message, `${what}: message`);
  return e;
}

// ----------------------------------------------------------------- Start

procTest('start_output_end', async ({ c }) => {
  const ev = await runP(c, sh('echo out; echo err >&2; exit 3'));
  check(ev.pid > 1, `pid ${ev.pid}`);
  eq(ev.stdout.toString(), 'out\n', 'stdout');
  eq(ev.stderr.toString(), 'err\n', 'stderr');
  cleanEnd(ev, 3);
  eq((await c.list({})).processes.length, 0, 'listed after the end');
  cleanEnd(await runP(c, sh('true')), 0);
});

procTest('start_signal_status', async ({ c }) => {
  signalEnd(await runP(c, sh('kill -9 $$')), 'killed', 'self-kill');
  signalEnd(await runP(c, sh('kill -TERM $$')), 'terminated', 'self-TERM');
});

procTest('start_missing_or_not_executable', async ({ c, d }) => {
  let ev = await runP(c, { process: { cmd: '/definitely/missing' } });
  check(ev.pid > 1, 'no start event for a missing command');
  cleanEnd(ev, 127, 'missing');
  check(/No such file/.test(ev.stderr.toString()), `stderr ${ev.stderr}`);
  const f = path.join(d, 'x.sh');
  fs.writeFileSync(f, '#!/bin/sh\n', { mode: 0o644 });
  ev = await runP(c, { process: { cmd: f } });
  cleanEnd(ev, 126, 'not executable');
});

procTest('start_errors', async ({ c, cl }) => {
  await streamFails(startS(c, { process: { cmd: '/bin/true',
    cwd: '/nonexistent' } }), Code.InvalidArgument,
  "cwd '/nonexistent' does not exist", 'missing cwd');
  await streamFails(startS(c, {}), Code.InvalidArgument,
      'process config required', 'no process');
  await streamFails(startS(cl({ Authorization: basicAuth('nosuchuser') }),
      sh('true')), Code.Unauthenticated, "invalid username: 'nosuchuser'",
  'unknown user');
  eq((await c.list({})).processes.length, 0, 'listed after failed starts');
});

procTest('start_env_cwd_user', async ({ a, c, cl, d }) => {
  const r = await fetch(`${a.url}/init`, { method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ envVars: { FROM_INIT: 'yes', A: '1' } }) });
  eq(r.status, 204, '/init');
  let ev = await runP(c, { process: { cmd: '/usr/bin/env',
    envs: { A: 'override' }, cwd: d } });
  const env = Object.fromEntries(ev.stdout.toString().trim().split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  eq(env.FROM_INIT, 'yes', '/init variable');
  eq(env.A, 'override', 'per-process variable wins');
  eq(env.HOME, '/root', 'HOME');
  eq(env.USER, 'root', 'USER');
  eq(env.LOGNAME, 'root', 'LOGNAME');
  check(env.PATH, 'no PATH');
  ev = await runP(c, { process: { cmd: '/bin/pwd', cwd: d } });
  eq(ev.stdout.toString(), `${d}\n`, 'cwd');
  needRoot();
  ensureUser(TEST_USER);
  ev = await runP(cl({ Authorization: basicAuth(TEST_USER) }),
      sh('id -un; pwd'));
  eq(ev.stdout.toString(), `${TEST_USER}\n/home/${TEST_USER}\n`,
      'as the test user');
});

// ------------------------------------------------------------------ List

procTest('list_config_as_sent', async ({ c }) => {
  const s1 = startS(c, { process: { cmd: '/bin/sleep', args: ['30'],
    envs: { K: 'V' }, cwd: '/tmp' }, tag: 'listed' });
  const s2 = startS(c, { process: { cmd: '/bin/sleep', args: ['30'] } });
  try {
    await s1.until((e) => e.pid);
    await s2.until((e) => e.pid);
    const ps = (await c.list({})).processes
        .sort((x, y) => (x.tag || '').localeCompare(y.tag || ''));
    eq(ps.length, 2, `listed ${show(ps)}`);
    eq(ps[0].pid, s2.ev.pid, 'untagged pid');
    eq(ps[0].tag, undefined, 'untagged tag');
    eq(ps[1].pid, s1.ev.pid, 'tagged pid');
    eq(ps[1].tag, 'listed', 'tag');
    eq(ps[1].config.cmd, '/bin/sleep', 'cmd');
    deepEq(ps[1].config.args, ['30'], 'args');
    deepEq(ps[1].config.envs, { K: 'V' }, 'envs');
    eq(ps[1].config.cwd, '/tmp', 'cwd');
  } finally {
    s1.close();
    s2.close();
  }
});

// --------------------------------------------------------------- Connect

procTest('connect_live_and_shared', async ({ c }) => {
  const s = startS(c, { process: { cmd: '/bin/sh', args: ['-c',
    'echo first; read x; echo $x; exit 4'] }, tag: 'live' });
  await s.until((e) => e.stdout.toString() === 'first\n');
  const c1 = connectS(c, byTag('live'));
  const c2 = connectS(c, byPid(s.ev.pid));
  await c1.until((e) => e.pid);
  await c2.until((e) => e.pid);
  eq(c1.ev.pid, s.ev.pid, 'Connect by tag: start pid');
  eq(c2.ev.pid, s.ev.pid, 'Connect by pid: start pid');
  await c.sendInput({ process: byTag('live'), input: stdinIn('second\n') });
  for (const x of [s, c1, c2]) await x.finish();
  eq(c1.ev.stdout.toString(), 'second\n', 'Connect: live output only');
  deepEq(c1.ev.data, c2.ev.data, 'both Connect streams get the same events');
  eq(s.ev.stdout.toString(), 'first\nsecond\n', 'Start stream');
  for (const x of [s, c1, c2]) cleanEnd(x.ev, 4);
});

procTest('connect_errors', async ({ c }) => {
  await streamFails(connectS(c, byTag('zzz')), Code.NotFound,
      'process with tag zzz not found', 'unknown tag');
  await streamFails(connectS(c, byPid(999999)), Code.NotFound,
      'process with pid 999999 not found', 'unknown pid');
  await streamFails(new PStream((signal) => c.connect({}, { signal })),
      Code.InvalidArgument, 'process selector required', 'no selector');
});

// ------------------------------------------------- SendInput, CloseStdin

procTest('send_input_close_stdin', async ({ c }) => {
  // B11 (1): stdin true, EOF by CloseStdin.
  let s = startS(c, { process: { cmd: '/bin/sh', args: ['-c',
    'wc -c; sleep 0.5'] }, stdin: true });
  await s.until((e) => e.pid);
  await c.sendInput({ process: byPid(s.ev.pid), input: stdinIn('hello') });
  await c.closeStdin({ process: byPid(s.ev.pid) });
  await c.closeStdin({ process: byPid(s.ev.pid) });	// a no-op
  await fails(c.sendInput({ process: byPid(s.ev.pid), input: stdinIn('x') }),
      Code.FailedPrecondition, 'stdin not enabled or closed',
      'SendInput after CloseStdin');
  await s.finish();
  eq(s.ev.stdout.toString().trim(), '5', 'wc -c');
  cleanEnd(s.ev);
  // B11 (2): stdin false reads /dev/null.
  const ev = await runP(c, { process: { cmd: '/usr/bin/wc', args: ['-c'] },
    stdin: false });
  eq(ev.stdout.toString().trim(), '0', 'wc -c with stdin false');
  // B11 (3): stdin absent means enabled.
  s = startS(c, { process: { cmd: '/bin/cat' } });
  await s.until((e) => e.pid);
  await sleep(500);
  check(!s.ended && !s.ev.end, 'cat with no stdin field ended');
  await c.sendInput({ process: byPid(s.ev.pid), input: stdinIn('ping\n') });
  await s.until((e) => e.stdout.toString() === 'ping\n');
  await c.sendInput({ process: byPid(s.ev.pid), input: {} });	// no-op
  await c.closeStdin({ process: byPid(s.ev.pid) });
  cleanEnd(await s.finish());
});

procTest('input_errors', async ({ c }) => {
  const pipe = startS(c, sh('cat; sleep 5'));
  const off = startS(c, sh('sleep 5', { stdin: false }));
  const tty = startS(c, { process: { cmd: '/bin/sleep', args: ['10'] },
    pty: PTY80 });
  try {
    for (const s of [pipe, off, tty]) await s.until((e) => e.pid);
    await fails(c.sendInput({ process: byPid(tty.ev.pid),
      input: stdinIn('x') }), Code.FailedPrecondition,
    'stdin not enabled or closed', 'stdin to a PTY');
    await fails(c.sendInput({ process: byPid(pipe.ev.pid),
      input: ptyIn('x') }), Code.FailedPrecondition,
    'pty not assigned to process', 'pty to a pipe process');
    await fails(c.sendInput({ process: byPid(off.ev.pid),
      input: stdinIn('x') }), Code.FailedPrecondition,
    'stdin not enabled or closed', 'stdin disabled');
    await fails(c.closeStdin({ process: byPid(tty.ev.pid) }),
        Code.FailedPrecondition, undefined, 'CloseStdin of a PTY');
    for (const [m, req] of [['sendInput', { input: stdinIn('x') }],
      ['closeStdin', {}], ['update', {}]]) {
      await fails(c[m]({ ...req }), Code.InvalidArgument,
          'process selector required', `${m} without selector`);
      await fails(c[m]({ ...req, process: byPid(999999) }), Code.NotFound,
          'process with pid 999999 not found', `${m} unknown pid`);
      await fails(c[m]({ ...req, process: byTag('zzz') }), Code.NotFound,
          'process with tag zzz not found', `${m} unknown tag`);
    }
  } finally {
    for (const s of [pipe, off, tty]) s.close();
  }
});

// SPEC 6.5: a failed write is internal (the process closed its stdin, so
// the pipe has no reader and write(2) fails with EPIPE).
procTest('input_write_error_internal', async ({ c }) => {
  const s = startS(c, sh('exec 0<&-; echo ready; sleep 5'));
  try {
    await s.until((e) => e.stdout.toString().includes('ready'));
    await fails(c.sendInput({ process: byPid(s.ev.pid),
      input: stdinIn('lost') }), Code.Internal, undefined,
    'write to a closed stdin');
  } finally {
    s.close();
  }
});

// ------------------------------------------------------------ StreamInput

procTest('stream_input', async ({ c }) => {
  const s = startS(c, { process: { cmd: '/bin/cat' }, tag: 'cat' });
  await s.until((e) => e.pid);
  let release;
  const gate = new Promise((r) => { release = r; });
  async function* input() {
    yield { event: { case: 'start', value: { process: byTag('cat') } } };
    yield { event: { case: 'data', value: { input: stdinIn('one\n') } } };
    yield { event: { case: 'keepalive', value: {} } };
    await gate;	// the client stream is still open here
    yield { event: { case: 'data', value: { input: stdinIn('two\n') } } };
  }
  const done = c.streamInput(input());
  done.catch(() => {});
  await s.until((e) => e.stdout.toString() === 'one\n', 5000,
      'output of the first message while the stream is open');
  release();
  await done;
  await s.until((e) => e.stdout.toString() === 'one\ntwo\n');
  await c.closeStdin({ process: byTag('cat') });
  cleanEnd(await s.finish());
  // Big: 2 MB in 64 KiB messages through the bounded stdin queue.
  const big = startS(c, { process: { cmd: '/usr/bin/wc', args: ['-c'] } });
  await big.until((e) => e.pid);
  async function* many() {
    yield { event: { case: 'start', value: { process: byPid(big.ev.pid) } } };
    for (let i = 0; i < 32; i++) {
      const input = { input: { case: 'stdin', value: Buffer.alloc(65536, i) } };
      yield { event: { case: 'data', value: { input } } };
    }
  }
  await c.streamInput(many());
  await c.closeStdin({ process: byPid(big.ev.pid) });
  await big.finish();
  eq(big.ev.stdout.toString().trim(), String(32 * 65536), 'bytes through');
});

procTest('stream_input_errors', async ({ c }) => {
  async function* gen(...msgs) { yield* msgs; }
  const start = (sel) => ({ event: { case: 'start',
    value: { process: sel } } });
  const data = { event: { case: 'data', value: { input: stdinIn('x') } } };
  await fails(c.streamInput(gen(start(byPid(999999)), data)), Code.NotFound,
      'process with pid 999999 not found', 'unknown pid');
  await fails(c.streamInput(gen(data)), Code.FailedPrecondition,
      'no start event received', 'data before start');
  await fails(c.streamInput(gen({ event: { case: 'start', value: {} } })),
      Code.InvalidArgument, 'process selector required', 'no selector');
  const tty = startS(c, { process: { cmd: '/bin/sleep', args: ['10'] },
    pty: PTY80, tag: 'tty' });
  try {
    await tty.until((e) => e.pid);
    await fails(c.streamInput(gen(start(byTag('tty')), data)),
        Code.FailedPrecondition, undefined, 'stdin data to a PTY');
  } finally {
    tty.close();
  }
  // Keepalives alone: an empty answer.
  await c.streamInput(gen({ event: { case: 'keepalive', value: {} } }));
});

// ------------------------------------------------------------ SendSignal

procTest('send_signal', async ({ c }) => {
  // B10: the whole group, the end within a second.
  let s = startS(c, { process: { cmd: '/bin/bash', args: ['-c',
    'sleep 1000 & echo $!; wait'] } });
  await s.until((e) => e.stdout.includes('\n'));
  const child = Number(s.ev.stdout.toString().trim());
  await fails(c.sendSignal({ process: byPid(s.ev.pid),
    signal: SIG.UNSPECIFIED }), Code.Unimplemented, undefined,
  'SIGNAL_UNSPECIFIED');
  await fails(c.sendSignal({ process: byPid(s.ev.pid), signal: 2 }),
      Code.Unimplemented, undefined, 'signal 2');
  const t0 = Date.now();
  await c.sendSignal({ process: byPid(s.ev.pid), signal: SIG.KILL });
  await s.finish(2000);
  check(Date.now() - t0 <= 1000, `end ${Date.now() - t0} ms after SIGKILL`);
  signalEnd(s.ev, 'killed');
  await waitFor(() => gone(child), 1000, `background child ${child} gone`);
  s = startS(c, { process: { cmd: '/bin/sleep', args: ['30'] }, tag: 'sl' });
  await s.until((e) => e.pid);
  await c.sendSignal({ process: byTag('sl'), signal: SIG.TERM });
  signalEnd(await s.finish(), 'terminated');
  await fails(c.sendSignal({ process: byPid(999999), signal: SIG.KILL }),
      Code.NotFound, 'process with pid 999999 not found', 'unknown pid');
  await fails(c.sendSignal({ process: byTag('zzz'), signal: SIG.KILL }),
      Code.NotFound, 'process with tag zzz not found', 'unknown tag');
  await fails(c.sendSignal({ signal: SIG.KILL }), Code.InvalidArgument,
      'process selector required', 'no selector');
});

// ---------------------------------------------------------------- Update

procTest('update_pty', async ({ c }) => {
  const s = startS(c, sh('read x; stty size; read y; stty size',
      { pty: { size: { cols: 30, rows: 10 } } }));
  await s.until((e) => e.pid);
  await c.sendInput({ process: byPid(s.ev.pid), input: ptyIn('a\n') });
  await s.until((e) => e.pty.includes('10 30'));
  await c.update({ process: byPid(s.ev.pid),
    pty: { size: { cols: 132, rows: 50 } } });
  await c.update({ process: byPid(s.ev.pid) });	// no pty: a no-op
  await c.sendInput({ process: byPid(s.ev.pid), input: ptyIn('b\n') });
  await s.finish();
  check(s.ev.pty.includes('50 132'), `stty after Update: ${s.ev.pty}`);
  check(s.ev.data.every(([f]) => f === 'pty'), 'non-pty data of a PTY');
  cleanEnd(s.ev);
  const p = startS(c, sh('sleep 5'));
  try {
    await p.until((e) => e.pid);
    await fails(c.update({ process: byPid(p.ev.pid), pty: PTY80 }),
        Code.FailedPrecondition, 'tty not assigned to process',
        'Update of a pipe process');
    await c.update({ process: byPid(p.ev.pid) });
  } finally {
    p.close();
  }
});

// B19 with bash -i -l, as the SDKs start terminals.
procTest('pty_bash_lifecycle', async ({ c, d }) => {
  const count = path.join(d, 'ptycount');
  const s = startS(c, { process: { cmd: '/bin/bash', args: ['-i', '-l'],
    envs: { TERM: 'xterm-256color' } }, pty: PTY80 });
  await s.until((e) => e.pid);
  await c.update({ process: byPid(s.ev.pid),
    pty: { size: { cols: 100, rows: 40 } } });
  await c.sendInput({ process: byPid(s.ev.pid),
    input: ptyIn(`stty size; echo $$ >> ${count}; exit 5\n`) });
  await s.finish(15000);
  check(s.ev.pty.includes('40 100'), `stty size: ${s.ev.pty.slice(-200)}`);
  check(s.ev.data.every(([f]) => f === 'pty'), 'non-pty data of a PTY');
  cleanEnd(s.ev, 5);
  eq(fs.readFileSync(count, 'utf8'), `${s.ev.pid}\n`, 'one spawn');
});

// ------------------------------------------------ keepalive and deadline

procTest('keepalive_events', async ({ c }) => {
  const s = startS(c, { process: { cmd: '/bin/sleep', args: ['2.5'] } },
      { headers: { 'Keepalive-Ping-Interval': '1' } });
  const ev = await s.finish();
  check(ev.keepalives >= 2, `keepalives in 2.5 s at 1 s: ${ev.keepalives}`);
  cleanEnd(ev);
});

// The deadline ends the stream with deadline_exceeded and kills the
// process (the client enforces the same deadline and closes its side at
// the same moment).
procTest('deadline_kills', async ({ c }) => {
  const s = startS(c, { process: { cmd: '/bin/sleep', args: ['30'] } },
      { timeoutMs: 500 });
  await s.until((e) => e.pid);
  const t0 = Date.now();
  await rejectsWith(s.finish(5000), Code.DeadlineExceeded,
      'Start past 500 ms');
  check(Date.now() - t0 < 2000, `deadline after ${Date.now() - t0} ms`);
  await waitFor(() => gone(s.ev.pid), 2000,
      `process ${s.ev.pid} killed at the deadline`);
  eq((await c.list({})).processes.length, 0, 'listed after the deadline');
}, { timeoutMs: 20000 });

await run();
