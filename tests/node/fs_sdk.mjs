// fs_sdk.mjs: the e2b JavaScript SDK's filesystem module against envd, in
// the SDK's debug mode: Sandbox.create({debug: true, sandboxUrl}) calls no
// cloud API and sends nothing to the agent on its own (the sandbox id is
// "debug_sandbox_id" and the SDK assumes the newest agent, so no default
// user is sent: the agent's default user, root, applies).  Every call then
// goes to the agent as Connect JSON over HTTP/1.1 (undici).  files.read and
// files.write use /files and are left out here.
//
//     ENVD_BIN=build/envd node tests/node/fs_sdk.mjs [test names]

import fs from 'node:fs';
import path from 'node:path';

import {
  AuthenticationError, FileNotFoundError, InvalidArgumentError, Sandbox,
} from 'e2b';

import {
  check, deepEq, ensureUser, eq, httpGet, needRoot, ownerOf, groupOf, run,
  show, sleep, test, waitFor, withAgent, withTempDir,
} from './lib.mjs';

const TEST_USER = 'envdtest';

async function sandbox(a) {
  const s = await Sandbox.create({ debug: true, sandboxUrl: a.url });
  eq(s.sandboxId, 'debug_sandbox_id', 'sandboxId in debug mode');
  return s;
}

// fn gets {a, s, d}: the agent, a debug sandbox on it, a temporary dir.
const sdkTest = (name, fn, opts) => test(name, () => withAgent(
    (a) => withTempDir(async (d) => fn({ a, s: await sandbox(a), d }))), opts);

function write(p, data = 'x', mode = 0o644) {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
  fs.chmodSync(p, mode);
}

async function rejectsAs(p, cls, what) {
  try {
    const v = await p;
    throw new Error(`${what}: succeeded with ${show(v)}, want ${cls.name}`);
  } catch (e) {
    check(e instanceof cls, `${what}: got ${e && e.name}: ${e && e.message}, ` +
        `want ${cls.name}`);
    return e;
  }
}

// d/a/x.txt, d/a/y/z.txt, d/b.txt, d/c -> a
function tree(d) {
  write(path.join(d, 'b.txt'), 'bb');
  write(path.join(d, 'a', 'x.txt'), 'xx');
  write(path.join(d, 'a', 'y', 'z.txt'), 'zz');
  fs.symlinkSync('a', path.join(d, 'c'));
}

// A POST /init with a JSON body; resolves the status.
async function init(a, body) {
  const r = await fetch(`${a.url}/init`, { method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body) });
  await r.arrayBuffer();
  return r.status;
}

// ------------------------------------------------------------ connecting

// Debug mode sends nothing on create or connect: the first request the
// agent sees is the first files call.
test('sdk_debug_connect', () => withAgent(async (a) => {
  const s = await Sandbox.connect('some-id', { debug: true, sandboxUrl: a.url });
  eq(s.sandboxId, 'some-id', 'sandboxId');
  eq(await s.files.exists('/'), true, 'exists(/) through Sandbox.connect');
  const h = await httpGet(a.port, '/health');
  check(h.status >= 200 && h.status < 300, `/health ${h.status}`);
}));

// CLIENTS.md: with a token set by /init, calls need X-Access-Token, which a
// sandbox made with envdAccessToken sends.  new Sandbox() also needs an
// envdVersion (the SDK compares it before each call); the debug one,
// 99.99.99, keeps the SDK from sending its old default user "user".
test('sdk_access_token', () => withAgent(async (a) => {
  const TOKEN = 'sdk-token-1';
  eq(await init(a, { accessToken: TOKEN }), 204, 'POST /init accessToken');
  const anon = await sandbox(a);
  await rejectsAs(anon.files.exists('/'), AuthenticationError,
      'exists without the token');
  const wrong = new Sandbox({ debug: true, sandboxUrl: a.url, sandboxId: 'x',
    envdVersion: '99.99.99', envdAccessToken: 'not-the-token' });
  await rejectsAs(wrong.files.exists('/'), AuthenticationError,
      'exists with a wrong token');
  const s = new Sandbox({ debug: true, sandboxUrl: a.url, sandboxId: 'x',
    envdVersion: '99.99.99', envdAccessToken: TOKEN });
  eq(await s.files.exists('/'), true, 'exists with the token');
  const e = await s.files.getInfo('/');
  eq(e.type, 'dir', 'getInfo(/) with the token');
}));

// --------------------------------------------------------------- list

sdkTest('sdk_list_depth1', async ({ s, d }) => {
  tree(d);
  const es = await s.files.list(d);
  deepEq(es.map((e) => e.name), ['a', 'b.txt', 'c'], 'names');
  deepEq(es.map((e) => e.type), ['dir', 'file', 'dir'], 'types');
  deepEq(es.map((e) => e.path), ['a', 'b.txt', 'c'].map((n) => path.join(d, n)),
      'paths');
  eq(es[1].size, 2, 'size of b.txt');
  eq(es[2].symlinkTarget, path.join(d, 'a'), 'symlinkTarget of c');
});

sdkTest('sdk_list_depth2', async ({ s, d }) => {
  tree(d);
  const es = await s.files.list(d, { depth: 2 });
  deepEq(es.map((e) => path.relative(d, e.path)),
      ['a', 'a/x.txt', 'a/y', 'b.txt', 'c'], 'entries at depth 2');
  deepEq(es.map((e) => e.type), ['dir', 'file', 'dir', 'file', 'dir'], 'types');
});

sdkTest('sdk_list_errors', async ({ s, d }) => {
  await rejectsAs(s.files.list(path.join(d, 'nope')), FileNotFoundError,
      'list of a missing dir');
  write(path.join(d, 'f'));
  await rejectsAs(s.files.list(path.join(d, 'f')), InvalidArgumentError,
      'list of a file');
});

// ------------------------------------------------------ exists, getInfo

sdkTest('sdk_exists', async ({ s, d }) => {
  write(path.join(d, 'f'));
  eq(await s.files.exists(path.join(d, 'f')), true, 'exists(file)');
  eq(await s.files.exists(d), true, 'exists(dir)');
  eq(await s.files.exists(path.join(d, 'nope')), false, 'exists(missing)');
  eq(await s.files.exists(path.join(d, 'nope', 'deeper')), false,
      'exists(missing/deeper)');
});

sdkTest('sdk_get_info', async ({ s, d }) => {
  const p = path.join(d, 'info.txt');
  write(p, 'hello\n', 0o644);
  const st = fs.statSync(p);
  const e = await s.files.getInfo(p);
  eq(e.name, 'info.txt', 'name');
  eq(e.type, 'file', 'type');
  eq(e.path, p, 'path');
  eq(e.size, 6, 'size');
  eq(e.mode, 0o644, 'mode');
  eq(e.permissions, '-rw-r--r--', 'permissions');
  eq(e.owner, ownerOf(st), 'owner');
  eq(e.group, groupOf(st), 'group');
  check(e.modifiedTime instanceof Date, `modifiedTime ${show(e.modifiedTime)}`);
  eq(e.modifiedTime.getTime(), Math.floor(st.mtimeMs), 'modifiedTime');
  const di = await s.files.getInfo(d);
  eq(di.type, 'dir', 'type of a dir');
  eq(di.name, path.basename(d), 'name of a dir');
  check(di.permissions.startsWith('d'), `permissions ${di.permissions}`);
  await rejectsAs(s.files.getInfo(path.join(d, 'nope')), FileNotFoundError,
      'getInfo of a missing path');
});

// ------------------------------------------------------------- makeDir

sdkTest('sdk_make_dir', async ({ s, d }) => {
  const p = path.join(d, 'new', 'nested');
  eq(await s.files.makeDir(p), true, 'makeDir of a new dir');
  check(fs.statSync(p).isDirectory(), 'not made');
  eq(await s.files.makeDir(p), false, 'makeDir of an existing dir');
  write(path.join(d, 'f'));
  await rejectsAs(s.files.makeDir(path.join(d, 'f')), InvalidArgumentError,
      'makeDir on a file');
});

sdkTest('sdk_make_dir_as_user', async ({ s, d }) => {
  needRoot();
  ensureUser(TEST_USER);
  fs.chmodSync(d, 0o777);
  const p = path.join(d, 'users-dir');
  eq(await s.files.makeDir(p, { user: TEST_USER }), true, 'makeDir as user');
  const e = await s.files.getInfo(p);
  eq(e.owner, TEST_USER, 'owner');
  eq(e.type, 'dir', 'type');
  eq(await s.files.makeDir(p, { user: 'root' }), false, 'again as root');
});

// ------------------------------------------------------ rename, remove

sdkTest('sdk_rename', async ({ s, d }) => {
  const src = path.join(d, 'old.txt');
  const dst = path.join(d, 'moved', 'new.txt');
  write(src, 'content');
  const e = await s.files.rename(src, dst);
  eq(e.name, 'new.txt', 'name');
  eq(e.path, dst, 'path');
  eq(e.type, 'file', 'type');
  eq(e.size, 7, 'size');
  check(!fs.existsSync(src), 'source still there');
  eq(fs.readFileSync(dst, 'utf8'), 'content', 'content');
  await rejectsAs(s.files.rename(src, dst), FileNotFoundError,
      'rename of a missing source');
});

sdkTest('sdk_remove', async ({ s, d }) => {
  tree(d);
  await s.files.remove(path.join(d, 'b.txt'));
  check(!fs.existsSync(path.join(d, 'b.txt')), 'file still there');
  await s.files.remove(path.join(d, 'a'));
  check(!fs.existsSync(path.join(d, 'a')), 'dir still there');
  await s.files.remove(path.join(d, 'nope'));
  eq(await s.files.exists(path.join(d, 'a')), false, 'exists after remove');
});

// ------------------------------------------------------------ watchDir

const has = (evs, name, type) => evs.some((e) => e.name === name &&
    e.type === type);

async function waitEvents(evs, pred, what) {
  await waitFor(() => pred(evs), 5000, `${what} (got ${show(evs)})`);
}

sdkTest('sdk_watch_dir', async ({ s, d }) => {
  const evs = [];
  let exited = null;
  const h = await s.files.watchDir(d, (e) => { evs.push(e); },
      { onExit: (err) => { exited = err || 'clean'; } });
  try {
    const f = path.join(d, 'w.txt');
    fs.writeFileSync(f, 'data');
    await waitEvents(evs, (e) => has(e, 'w.txt', 'create') &&
        has(e, 'w.txt', 'write'), 'create and write of w.txt');
    check(evs.every((e) => typeof e.name === 'string' && e.type),
        `events with name and type: ${show(evs)}`);
    fs.chmodSync(f, 0o600);
    await waitEvents(evs, (e) => has(e, 'w.txt', 'chmod'), 'chmod of w.txt');
    fs.renameSync(f, path.join(d, 'w2.txt'));
    await waitEvents(evs, (e) => has(e, 'w.txt', 'rename') &&
        has(e, 'w2.txt', 'create'), 'rename of w.txt');
    fs.unlinkSync(path.join(d, 'w2.txt'));
    await waitEvents(evs, (e) => has(e, 'w2.txt', 'remove'), 'remove of w2.txt');
  } finally {
    await h.stop();
  }
  const n = evs.length;
  write(path.join(d, 'after-stop.txt'));
  await sleep(300);
  eq(evs.length, n, `events after stop(): ${show(evs.slice(n))}`);
  check(exited === null || exited === 'clean' || exited,
      `onExit ${show(exited)}`);
});

sdkTest('sdk_watch_dir_recursive', async ({ s, d }) => {
  fs.mkdirSync(path.join(d, 'pre'));
  const evs = [];
  const h = await s.files.watchDir(d, (e) => { evs.push(e); },
      { recursive: true });
  try {
    write(path.join(d, 'pre', 'in.txt'));
    await waitEvents(evs, (e) => has(e, 'pre/in.txt', 'create'),
        'create of pre/in.txt');
    fs.mkdirSync(path.join(d, 'sub'));
    await waitEvents(evs, (e) => has(e, 'sub', 'create'), 'create of sub');
    await sleep(200);
    write(path.join(d, 'sub', 'deep.txt'));
    await waitEvents(evs, (e) => has(e, 'sub/deep.txt', 'create'),
        'create of sub/deep.txt');
  } finally {
    await h.stop();
  }
});

sdkTest('sdk_watch_dir_not_recursive', async ({ s, d }) => {
  fs.mkdirSync(path.join(d, 'pre'));
  const evs = [];
  const h = await s.files.watchDir(d, (e) => { evs.push(e); });
  try {
    write(path.join(d, 'pre', 'in.txt'));
    await sleep(100);
    write(path.join(d, 'top.txt'));
    await waitEvents(evs, (e) => has(e, 'top.txt', 'create'), 'create of top.txt');
    check(!evs.some((e) => e.name.includes('in.txt')),
        `subdirectory event in a plain watch: ${show(evs)}`);
  } finally {
    await h.stop();
  }
});

sdkTest('sdk_watch_dir_missing', async ({ s, d }) => {
  await rejectsAs(s.files.watchDir(path.join(d, 'nope'), () => {}),
      FileNotFoundError, 'watchDir of a missing dir');
});

await run();
