// process_sdk.mjs: the e2b JavaScript SDK's commands and pty modules
// against envd, in the SDK's debug mode (Sandbox.create({debug: true,
// sandboxUrl}): no cloud API, the newest agent version assumed, Connect JSON
// over HTTP/1.1 with undici).  commands.run sends
// Start {cmd: "/bin/bash", args: ["-l", "-c", cmd]}; pty.create sends
// /bin/bash -i -l under a PTY with TERM=xterm-256color.  SPEC.md 6; cases
// B10, B11, B12, B19.
//
//     ENVD_BIN=build/envd node tests/node/process_sdk.mjs [test names]

import fs from 'node:fs';
import path from 'node:path';

import {
  CommandExitError, Sandbox, SandboxError, TimeoutError,
} from 'e2b';

import {
  check, ensureUser, eq, needRoot, run, show, test, waitFor,
  withAgent, withTempDir,
} from './lib.mjs';

const TEST_USER = 'envdtest';

async function sandbox(a) {
  const s = await Sandbox.create({ debug: true, sandboxUrl: a.url });
  eq(s.sandboxId, 'debug_sandbox_id', 'sandboxId in debug mode');
  return s;
}

// fn gets {a, s, d}: the agent, a debug sandbox on it, a temporary dir.
// Whatever is still running at the end is killed, so nothing outlives the
// test (user processes have process groups of their own).
const sdkTest = (name, fn, opts) => test(name, () => withAgent(
    (a) => withTempDir(async (d) => {
      const s = await sandbox(a);
      try {
        await fn({ a, s, d });
      } finally {
        try {
          const left = await s.commands.list();
          for (const p of left) await s.commands.kill(p.pid);
        } catch { /* the agent may be gone: withAgent reports it */ }
      }
    })), opts);

async function rejectsAs(p, cls, what) {
  let v;
  try {
    v = await p;
  } catch (e) {
    check(e instanceof cls, `${what}: got ${e && e.name}: ` +
        `${e && e.message}, want ${cls.name}`);
    return e;
  }
  throw new Error(`${what}: succeeded with ${show(v)}, want ${cls.name}`);
}

const gone = (pid) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return e.code === 'ESRCH';
  }
};

// ------------------------------------------------------------------ run

sdkTest('sdk_run_output', async ({ s }) => {
  const out = [];
  const err = [];
  const r = await s.commands.run('echo out; echo err >&2; printf "no newline"',
      { onStdout: (x) => out.push(x), onStderr: (x) => err.push(x) });
  eq(r.exitCode, 0, 'exitCode');
  eq(r.stdout, 'out\nno newline', 'stdout');
  eq(r.stderr, 'err\n', 'stderr');
  eq(r.error, undefined, 'error of a clean exit');
  eq(out.join(''), r.stdout, 'onStdout chunks');
  eq(err.join(''), r.stderr, 'onStderr chunks');
});

// B12: a process that ran carries no `error`, only its exit code.
sdkTest('sdk_run_nonzero_exit', async ({ s }) => {
  const e = await rejectsAs(
      s.commands.run('echo partial; echo bad >&2; exit 3'),
      CommandExitError, 'exit 3');
  eq(e.exitCode, 3, 'exitCode');
  eq(e.stderr, 'bad\n', 'stderr');
  eq(e.stdout, 'partial\n', 'stdout');
  eq(e.error, undefined, 'error of an ordinary non-zero exit');
  const m = await rejectsAs(s.commands.run('definitely-missing-cmd-xyz'),
      CommandExitError, 'missing command');
  eq(m.exitCode, 127, 'exitCode of a missing command');
  check(/not found/.test(m.stderr), `stderr ${show(m.stderr)}`);
});

sdkTest('sdk_run_envs_cwd', async ({ s, d }) => {
  const r = await s.commands.run('echo "$FOO|$BAR"; pwd',
      { envs: { FOO: 'foo value', BAR: 'b=c' }, cwd: d });
  eq(r.stdout, `foo value|b=c\n${d}\n`, 'envs and cwd');
  const h = await s.commands.run('pwd; echo $HOME $USER');
  eq(h.stdout, '/root\n/root root\n', 'default cwd and env (root)');
  await rejectsAs(s.commands.run('true', { cwd: path.join(d, 'nope') }),
      SandboxError, 'missing cwd');
});

sdkTest('sdk_run_as_user', async ({ s }) => {
  let r = await s.commands.run('id -un', { user: 'root' });
  eq(r.stdout, 'root\n', "user 'root'");
  needRoot();
  ensureUser(TEST_USER);
  r = await s.commands.run('id -un; echo $HOME $USER $LOGNAME; pwd',
      { user: TEST_USER });
  const home = `/home/${TEST_USER}`;
  eq(r.stdout, `${TEST_USER}\n${home} ${TEST_USER} ${TEST_USER}\n${home}\n`,
      'as the test user');
});

// The deadline (Connect-Timeout-Ms from timeoutMs) ends the call with a
// TimeoutError and kills the process: SPEC 6.2 "Lifetime".
sdkTest('sdk_run_timeout', async ({ a, s, d }) => {
  const pidFile = path.join(d, 'pid');
  const t0 = Date.now();
  await rejectsAs(s.commands.run(`echo $$ > ${pidFile}; exec sleep 30`,
      { timeoutMs: 1000 }), TimeoutError, 'timeoutMs 1000');
  const el = Date.now() - t0;
  check(el >= 900 && el < 5000, `timeout after ${el} ms`);
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  check(pid > 1, `pid ${pid}`);
  await waitFor(() => gone(pid), 3000,
      `the process (pid ${pid}) to be killed at its deadline`);
  eq((await s.commands.list()).length, 0, 'processes left');
}, { timeoutMs: 20000 });

// --------------------------------------------------- background, list, kill

sdkTest('sdk_background_list_kill', async ({ s }) => {
  const h = await s.commands.run('sleep 1000 & echo $!; wait',
      { background: true });
  check(h.pid > 1, `pid ${h.pid}`);
  await waitFor(() => h.stdout.includes('\n'), 5000, 'the child pid');
  const child = Number(h.stdout.trim());
  const ps = await s.commands.list();
  eq(ps.length, 1, `listed processes ${show(ps)}`);
  eq(ps[0].pid, h.pid, 'listed pid');
  eq(ps[0].cmd, '/bin/bash', 'listed cmd');
  eq(ps[0].args.join(' '), '-l -c sleep 1000 & echo $!; wait', 'listed args');
  const t0 = Date.now();
  eq(await s.commands.kill(h.pid), true, 'kill');
  const e = await rejectsAs(h.wait(), CommandExitError, 'wait after kill');
  check(Date.now() - t0 < 1500, `end ${Date.now() - t0} ms after kill`);
  eq(e.exitCode, -1, 'exitCode after SIGKILL');
  // B10: the whole process group goes.
  await waitFor(() => gone(child), 1000, `background child ${child} gone`);
  eq((await s.commands.list()).length, 0, 'listed after kill');
  eq(await s.commands.kill(h.pid), false, 'kill of an ended process');
});

sdkTest('sdk_handle_kill_and_disconnect', async ({ d, s }) => {
  const f = path.join(d, 'after');
  const h = await s.commands.run(`sleep 1; echo done > ${f}`,
      { background: true });
  await h.disconnect();
  await waitFor(() => fs.existsSync(f), 5000, 'the disconnected command');
  const k = await s.commands.run('sleep 30', { background: true });
  eq(await k.kill(), true, 'handle.kill');
  await rejectsAs(k.wait(), CommandExitError, 'wait after handle.kill');
});

// ----------------------------------------------------------------- stdin

sdkTest('sdk_stdin', async ({ s }) => {
  const out = [];
  const h = await s.commands.run('cat', { background: true, stdin: true,
    onStdout: (x) => out.push(x) });
  await s.commands.sendStdin(h.pid, 'hello\n');
  await waitFor(() => out.join('') === 'hello\n', 5000, 'echo of stdin');
  await h.sendStdin(new TextEncoder().encode('bytes\n'));
  await waitFor(() => out.join('') === 'hello\nbytes\n', 5000, 'second echo');
  if (!s.commands.supportsStdinClose) {
    console.log('  (this SDK has no closeStdin: killing instead)');
    await h.kill();
    return;
  }
  await s.commands.closeStdin(h.pid);
  const r = await h.wait();
  eq(r.exitCode, 0, 'cat after closeStdin');
  eq(r.stdout, 'hello\nbytes\n', 'stdout');
  // The handle's closeStdin, on a program that reads to EOF.
  const w = await s.commands.run('wc -c', { background: true, stdin: true });
  await w.sendStdin('12345');
  await w.closeStdin();
  eq((await w.wait()).stdout.trim(), '5', 'wc -c');
  // Without stdin: true the process reads /dev/null (B11).
  const n = await s.commands.run('wc -c');
  eq(n.stdout.trim(), '0', 'wc -c without stdin');
});

// ---------------------------------------------------------------- connect

sdkTest('sdk_connect', async ({ s }) => {
  const h = await s.commands.run('echo early; read x; echo "got $x"; exit 2',
      { background: true, stdin: true });
  await waitFor(() => h.stdout === 'early\n', 5000, 'first line');
  const seen = [];
  const c = await s.commands.connect(h.pid, { onStdout: (x) => seen.push(x) });
  eq(c.pid, h.pid, 'connected pid');
  await s.commands.sendStdin(h.pid, 'abc\n');
  const e1 = await rejectsAs(c.wait(), CommandExitError, 'connected wait');
  eq(e1.exitCode, 2, 'exitCode on the Connect stream');
  eq(e1.stdout, 'got abc\n', 'live output only, no replay');
  eq(seen.join(''), 'got abc\n', 'onStdout of the connection');
  const e2 = await rejectsAs(h.wait(), CommandExitError, 'original wait');
  eq(e2.stdout, 'early\ngot abc\n', 'original stream');
  await rejectsAs(s.commands.connect(h.pid), SandboxError,
      'connect to an ended process');
});

// ----------------------------------------------------------------- volume

sdkTest('sdk_concurrent_runs', async ({ s }) => {
  const rs = await Promise.all([...Array(8).keys()].map((i) =>
    s.commands.run(`echo start-${i}; sleep 0.5; echo end-${i} >&2`)));
  rs.forEach((r, i) => {
    eq(r.stdout, `start-${i}\n`, `stdout ${i}`);
    eq(r.stderr, `end-${i}\n`, `stderr ${i}`);
    eq(r.exitCode, 0, `exitCode ${i}`);
  });
});

sdkTest('sdk_1mb_output', async ({ s, d }) => {
  const f = path.join(d, 'f');
  const r = await s.commands.run(`dd if=/dev/urandom of=${f} bs=1000000 ` +
      `count=1 status=none; base64 -w0 ${f}`);
  const want = fs.readFileSync(f).toString('base64');
  eq(r.stdout.length, want.length, 'length of the base64 output');
  check(r.stdout === want, 'output differs from the file');
}, { timeoutMs: 60000 });

// -------------------------------------------------------------------- pty

sdkTest('sdk_pty', async ({ s }) => {
  let out = Buffer.alloc(0);
  const h = await s.pty.create({ cols: 80, rows: 24,
    onData: (b) => { out = Buffer.concat([out, Buffer.from(b)]); } });
  check(h.pid > 1, `pid ${h.pid}`);
  const enc = (t) => new TextEncoder().encode(t);
  const waitOut = async (pred, ms, what) => {
    try {
      await waitFor(pred, ms, what);
    } catch (e) {
      const tail = show(out.toString().slice(-300));
      throw new Error(`${e.message}; output ${tail}`);
    }
  };
  await s.pty.sendInput(h.pid, enc('stty size; echo "T=$TERM"\n'));
  await waitOut(() => out.includes('24 80') &&
      out.includes('T=xterm-256color'), 10000, 'size 24 80 and TERM');
  await s.pty.resize(h.pid, { cols: 100, rows: 40 });
  await s.pty.sendInput(h.pid, enc('stty size\n'));
  await waitOut(() => out.includes('40 100'), 5000, 'size 40 100');
  const ps = await s.commands.list();
  check(ps.some((p) => p.pid === h.pid && p.cmd === '/bin/bash'),
      `pty in the list: ${show(ps)}`);
  eq(await s.pty.kill(h.pid), true, 'pty.kill');
  const e = await rejectsAs(h.wait(), CommandExitError, 'wait after pty.kill');
  eq(e.exitCode, -1, 'exitCode after kill');
  eq(await s.pty.kill(h.pid), false, 'pty.kill of an ended pty');
  check(!(await s.commands.list()).some((p) => p.pid === h.pid),
      'pty still listed after kill');
});

sdkTest('sdk_pty_exit', async ({ s }) => {
  const chunks = [];
  const h = await s.pty.create({ cols: 80, rows: 24,
    onData: (b) => chunks.push(Buffer.from(b)) });
  await s.pty.sendInput(h.pid, new TextEncoder().encode('exit 0\n'));
  const r = await h.wait();
  eq(r.exitCode, 0, 'exitCode of an exited shell');
  check(chunks.length > 0, 'no pty output');
});

await run();
