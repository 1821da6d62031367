// fs_connect.mjs: every filesystem.Filesystem RPC through the ConnectRPC
// node client (@connectrpc/connect-node, Connect protocol over HTTP/1.1),
// each test in both codecs: JSON (application/json, connect+json) and
// binary (application/proto, connect+proto).  One agent and one temporary
// directory per test.  SPEC.md section 7; cases B02, B07, B09, B20.
//
//     ENVD_BIN=build/envd node tests/node/fs_connect.mjs [test names]

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { Code } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';

import {
  Pull, basicAuth, check, connectClient, deepEq, ensureUser, enumValue, eq,
  groupOf, idName, needRoot, ownerOf, rejectsWith, run, services, show,
  sleep, test, waitFor, withAgent, withTempDir, within,
} from './lib.mjs';

const { Filesystem } = services();

const FT = {
  UNSPECIFIED: enumValue('filesystem.FileType', 'FILE_TYPE_UNSPECIFIED'),
  FILE: enumValue('filesystem.FileType', 'FILE_TYPE_FILE'),
  DIR: enumValue('filesystem.FileType', 'FILE_TYPE_DIRECTORY'),
};
const ET = {
  CREATE: enumValue('filesystem.EventType', 'EVENT_TYPE_CREATE'),
  WRITE: enumValue('filesystem.EventType', 'EVENT_TYPE_WRITE'),
  REMOVE: enumValue('filesystem.EventType', 'EVENT_TYPE_REMOVE'),
  RENAME: enumValue('filesystem.EventType', 'EVENT_TYPE_RENAME'),
};
const etName = (n) => Object.keys(ET).find((k) => ET[k] === n) || String(n);

const FORMATS = ['json', 'binary'];
const TEST_USER = 'envdtest';

function client(agent, fmt, headers = null) {
  return connectClient(Filesystem, agent, fmt, headers);
}

// Registers name[json] and name[binary]; fn gets {a, c, d, fmt}.
function fsTest(name, fn, opts) {
  for (const fmt of FORMATS) {
    test(`${name}[${fmt}]`, () => withAgent((a) => withTempDir(
        (d) => fn({ a, c: client(a, fmt), d, fmt }))), opts);
  }
}

function write(p, data = 'x', mode = 0o644) {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
  fs.chmodSync(p, mode);
}

// The entry fields that come from lstat of p, as the agent must fill them.
function checkStatFields(e, p, what) {
  const st = fs.lstatSync(p, { bigint: true });
  eq(e.size, st.size, `${what} size`);
  eq(e.owner, ownerOf({ uid: Number(st.uid) }), `${what} owner`);
  eq(e.group, groupOf({ gid: Number(st.gid) }), `${what} group`);
  check(e.modifiedTime, `${what}: no modifiedTime`);
  eq(e.modifiedTime.seconds, st.mtimeNs / 1000000000n,
      `${what} modifiedTime.seconds`);
  eq(e.modifiedTime.nanos, Number(st.mtimeNs % 1000000000n),
      `${what} modifiedTime.nanos`);
}

// ----------------------------------------------------------------- Stat

fsTest('stat_file', async ({ c, d }) => {
  const p = path.join(d, 'a.txt');
  write(p, 'hello\n', 0o644);
  const { entry: e } = await c.stat({ path: p });
  eq(e.name, 'a.txt', 'name');
  eq(e.type, FT.FILE, 'type');
  eq(e.path, p, 'path');
  eq(e.size, 6n, 'size');
  eq(e.mode, 0o644, 'mode');
  eq(e.permissions, '-rw-r--r--', 'permissions');
  eq(e.symlinkTarget, undefined, 'symlinkTarget of a plain file');
  checkStatFields(e, p, 'file');
});

fsTest('stat_dir', async ({ c, d }) => {
  const p = path.join(d, 'sub');
  fs.mkdirSync(p);
  fs.chmodSync(p, 0o750);
  const { entry: e } = await c.stat({ path: p });
  eq(e.name, 'sub', 'name');
  eq(e.type, FT.DIR, 'type');
  eq(e.path, p, 'path');
  eq(e.mode, 0o750, 'mode');
  eq(e.permissions, 'drwxr-x---', 'permissions');
  checkStatFields(e, p, 'dir');
});

// B09: a link reports its target's type and mode, its own path and lstat
// size, and the fully resolved target.
fsTest('stat_symlink', async ({ c, d }) => {
  write(path.join(d, 'real', 'a.txt'), 'abc', 0o640);
  fs.symlinkSync('real/a.txt', path.join(d, 'hop1'));
  fs.symlinkSync('hop1', path.join(d, 'f.lnk'));	// two hops
  fs.symlinkSync(path.join(d, 'real'), path.join(d, 'dir.lnk'));
  let { entry: e } = await c.stat({ path: path.join(d, 'f.lnk') });
  eq(e.name, 'f.lnk', 'name');
  eq(e.type, FT.FILE, 'type (target type)');
  eq(e.path, path.join(d, 'f.lnk'), 'path (the link, not the target)');
  eq(e.symlinkTarget, path.join(d, 'real', 'a.txt'),
      'symlinkTarget (fully resolved)');
  eq(e.mode, 0o640, 'mode (target bits)');
  eq(e.size, BigInt('hop1'.length), 'size (lstat of the link)');
  check(e.permissions.startsWith('L'),
      `permissions of a link: ${e.permissions}`);
  ({ entry: e } = await c.stat({ path: path.join(d, 'dir.lnk') }));
  eq(e.type, FT.DIR, 'type of a link to a dir');
  eq(e.symlinkTarget, path.join(d, 'real'), 'symlinkTarget of dir link');
});

fsTest('stat_dangling_symlink', async ({ c, d }) => {
  const p = path.join(d, 'dangling');
  fs.symlinkSync('/nonexistent-envd-target', p);
  const { entry: e } = await c.stat({ path: p });
  eq(e.type, FT.UNSPECIFIED, 'type of a broken link');
  eq(e.path, p, 'path');
  eq(e.mode, 0, 'mode of a broken link');
  check(typeof e.symlinkTarget === 'string' && e.symlinkTarget.length > 0,
      `symlinkTarget missing on a broken link: ${show(e.symlinkTarget)}`);
});

fsTest('stat_missing_not_found', async ({ c, d }) => {
  await rejectsWith(c.stat({ path: path.join(d, 'nope') }), Code.NotFound,
      'Stat of a missing path');
});

// The default user is root until /init says otherwise.
fsTest('stat_tilde_is_home', async ({ c }) => {
  const home = fs.readFileSync('/etc/passwd', 'utf8').split('\n')
      .find((l) => l.startsWith('root:')).split(':')[5];
  let { entry: e } = await c.stat({ path: '~' });
  eq(e.path, home, 'path of ~');
  eq(e.type, FT.DIR, 'type of ~');
  ({ entry: e } = await c.stat({ path: '' }));
  eq(e.path, home, 'path of "" (no default workdir)');
  await rejectsWith(c.stat({ path: '~nosuchuser/x' }), Code.InvalidArgument,
      'Stat of ~name');
});

// -------------------------------------------------------------- MakeDir

fsTest('makedir_new', async ({ c, d }) => {
  const p = path.join(d, 'new');
  const { entry: e } = await c.makeDir({ path: p });
  eq(e.name, 'new', 'name');
  eq(e.type, FT.DIR, 'type');
  eq(e.path, p, 'path');
  check(fs.statSync(p).isDirectory(), 'not a directory on disk');
  eq(e.mode, fs.statSync(p).mode & 0o777, 'mode');
  check(e.permissions.startsWith('d'), `permissions ${e.permissions}`);
});

fsTest('makedir_existing_already_exists', async ({ c, d }) => {
  await rejectsWith(c.makeDir({ path: d }), Code.AlreadyExists,
      'MakeDir of an existing directory');
});

fsTest('makedir_on_file_invalid_argument', async ({ c, d }) => {
  const p = path.join(d, 'f');
  write(p);
  await rejectsWith(c.makeDir({ path: p }), Code.InvalidArgument,
      'MakeDir on a file');
  eq(fs.readFileSync(p, 'utf8'), 'x', 'the file after MakeDir');
});

fsTest('makedir_nested_parents', async ({ c, d }) => {
  const p = path.join(d, 'x', 'y', 'z');
  const { entry: e } = await c.makeDir({ path: p });
  eq(e.path, p, 'path');
  eq(e.name, 'z', 'name');
  for (const q of ['x', 'x/y', 'x/y/z']) {
    check(fs.statSync(path.join(d, q)).isDirectory(), `${q} not made`);
  }
});

// ----------------------------------------------------------------- Move

fsTest('move_file', async ({ c, d }) => {
  const src = path.join(d, 'a.txt');
  const dst = path.join(d, 'b.txt');
  write(src, 'moved');
  const { entry: e } = await c.move({ source: src, destination: dst });
  eq(e.name, 'b.txt', 'name');
  eq(e.path, dst, 'path');
  eq(e.type, FT.FILE, 'type');
  eq(e.size, 5n, 'size');
  check(!fs.existsSync(src), 'source still there');
  eq(fs.readFileSync(dst, 'utf8'), 'moved', 'destination content');
});

fsTest('move_dir', async ({ c, d }) => {
  write(path.join(d, 'src', 'in.txt'));
  const dst = path.join(d, 'dst');
  const { entry: e } = await c.move({ source: path.join(d, 'src'),
    destination: dst });
  eq(e.type, FT.DIR, 'type');
  eq(e.path, dst, 'path');
  check(fs.existsSync(path.join(dst, 'in.txt')), 'content not moved');
});

fsTest('move_missing_not_found', async ({ c, d }) => {
  await rejectsWith(c.move({ source: path.join(d, 'nope'),
    destination: path.join(d, 'x') }), Code.NotFound, 'Move of a missing source');
  check(!fs.existsSync(path.join(d, 'x')), 'destination appeared');
});

fsTest('move_creates_parents', async ({ c, d }) => {
  const src = path.join(d, 'a.txt');
  const dst = path.join(d, 'p', 'q', 'a.txt');
  write(src, 'deep');
  const { entry: e } = await c.move({ source: src, destination: dst });
  eq(e.path, dst, 'path');
  eq(fs.readFileSync(dst, 'utf8'), 'deep', 'content');
  check(fs.statSync(path.join(d, 'p', 'q')).isDirectory(), 'parents');
});

// -------------------------------------------------------------- ListDir

// d/a/x.txt, d/a/y/z.txt, d/b.txt, d/c -> a (a link to a directory)
function tree(d) {
  write(path.join(d, 'b.txt'), 'bb');
  write(path.join(d, 'a', 'x.txt'), 'xx');
  write(path.join(d, 'a', 'y', 'z.txt'), 'zz');
  fs.symlinkSync('a', path.join(d, 'c'));
}

fsTest('listdir_depth1_sorted', async ({ c, d }) => {
  tree(d);
  for (const depth of [1, 0]) {
    const { entries } = await c.listDir({ path: d, depth });
    deepEq(entries.map((e) => e.path), ['a', 'b.txt', 'c'].map(
        (n) => path.join(d, n)), `paths at depth ${depth}`);
    deepEq(entries.map((e) => e.name), ['a', 'b.txt', 'c'], 'names');
    deepEq(entries.map((e) => e.type), [FT.DIR, FT.FILE, FT.DIR], 'types');
    eq(entries[1].size, 2n, 'size of b.txt');
    eq(entries[2].symlinkTarget, path.join(d, 'a'), 'symlinkTarget of c');
  }
});

fsTest('listdir_depth2_preorder', async ({ c, d }) => {
  tree(d);
  const { entries } = await c.listDir({ path: d, depth: 2 });
  deepEq(entries.map((e) => path.relative(d, e.path)),
      ['a', 'a/x.txt', 'a/y', 'b.txt', 'c'],
      'depth 2: sorted, pre-order, the link c not descended into');
  deepEq(entries.map((e) => e.name), ['a', 'x.txt', 'y', 'b.txt', 'c'],
      'names');
  const { entries: e3 } = await c.listDir({ path: d, depth: 5 });
  deepEq(e3.map((e) => path.relative(d, e.path)),
      ['a', 'a/x.txt', 'a/y', 'a/y/z.txt', 'b.txt', 'c'], 'depth 5');
});

// B09: entries listed through a link keep the requested prefix.
fsTest('listdir_through_symlink_rebased', async ({ c, d }) => {
  tree(d);
  const { entries } = await c.listDir({ path: path.join(d, 'c'), depth: 2 });
  deepEq(entries.map((e) => e.path),
      ['x.txt', 'y', 'y/z.txt'].map((n) => path.join(d, 'c', n)),
      'paths under the link');
});

// B09: cycles through links terminate; a self-loop is failed_precondition.
fsTest('listdir_symlink_cycles', async ({ c, d }) => {
  const s = path.join(d, 's');
  write(path.join(s, 'real', 'a.txt'));
  fs.symlinkSync(s, path.join(s, 'real', 'up'));
  fs.symlinkSync(path.join(s, 'self'), path.join(s, 'self'));
  const { entries } = await within(c.listDir({ path: s, depth: 3 }), 3000,
      'ListDir of a tree with a cycle');
  deepEq(entries.map((e) => path.relative(s, e.path)),
      ['real', 'real/a.txt', 'real/up', 'self'], 'entries');
  await rejectsWith(c.listDir({ path: path.join(s, 'self') }),
      Code.FailedPrecondition, 'ListDir of a link to itself');
});

fsTest('listdir_missing_not_found', async ({ c, d }) => {
  await rejectsWith(c.listDir({ path: path.join(d, 'nope') }), Code.NotFound,
      'ListDir of a missing path');
});

fsTest('listdir_file_invalid_argument', async ({ c, d }) => {
  write(path.join(d, 'f'));
  await rejectsWith(c.listDir({ path: path.join(d, 'f') }),
      Code.InvalidArgument, 'ListDir of a file');
});

fsTest('listdir_empty', async ({ c, d }) => {
  const { entries } = await c.listDir({ path: d, depth: 3 });
  deepEq(entries, [], 'entries of an empty directory');
});

// --------------------------------------------------------------- Remove

fsTest('remove_file', async ({ c, d }) => {
  const p = path.join(d, 'f');
  write(p);
  await c.remove({ path: p });
  check(!fs.existsSync(p), 'file still there');
});

fsTest('remove_tree', async ({ c, d }) => {
  tree(d);
  const p = path.join(d, 'a');
  await c.remove({ path: p });
  check(!fs.existsSync(p), 'tree still there');
  check(fs.existsSync(path.join(d, 'b.txt')), 'sibling removed');
});

fsTest('remove_missing_succeeds', async ({ c, d }) => {
  await c.remove({ path: path.join(d, 'nope') });
  await c.remove({ path: path.join(d, 'nope', 'deeper') });
});

fsTest('remove_symlink_not_followed', async ({ c, d }) => {
  tree(d);
  await c.remove({ path: path.join(d, 'c') });
  check(!fs.existsSync(path.join(d, 'c')), 'link still there');
  check(fs.existsSync(path.join(d, 'a', 'x.txt')), 'the target was removed');
});

// ------------------------------------------------------------- WatchDir

const fsEvents = (msgs) => msgs.filter((m) => m.event.case === 'filesystem')
    .map((m) => ({ name: m.event.value.name, type: etName(m.event.value.type) }));
const has = (evs, name, type) => evs.some((e) => e.name === name &&
    e.type === type);
const indexOf = (evs, name, type) => evs.findIndex((e) => e.name === name &&
    e.type === type);

async function openWatch(c, req) {
  const ac = new AbortController();
  const pull = new Pull(c.watchDir(req, { signal: ac.signal }));
  const first = await pull.next(3000, 'WatchDir start');
  check(!first.done, 'WatchDir ended before its start event');
  eq(first.value.event.case, 'start', 'first WatchDir message');
  return { pull, close: () => ac.abort() };
}

async function waitEvents(pull, pred, what) {
  const msgs = await pull.until((m) => pred(fsEvents(m)), 5000, what);
  return fsEvents(msgs);
}

fsTest('watchdir_create_write_remove', async ({ c, d }) => {
  const w = await openWatch(c, { path: d });
  try {
    const f = path.join(d, 'f.txt');
    fs.writeFileSync(f, 'hello');
    let evs = await waitEvents(w.pull, (e) => has(e, 'f.txt', 'CREATE') &&
        has(e, 'f.txt', 'WRITE'), 'CREATE and WRITE of f.txt');
    check(indexOf(evs, 'f.txt', 'CREATE') < indexOf(evs, 'f.txt', 'WRITE'),
        `WRITE before CREATE: ${show(evs)}`);
    fs.unlinkSync(f);
    evs = await waitEvents(w.pull, (e) => has(e, 'f.txt', 'REMOVE'),
        'REMOVE of f.txt');
    fs.mkdirSync(path.join(d, 'sub'));
    await waitEvents(w.pull, (e) => has(e, 'sub', 'CREATE'), 'CREATE of sub');
    write(path.join(d, 'g.txt'));
    fs.renameSync(path.join(d, 'g.txt'), path.join(d, 'h.txt'));
    await waitEvents(w.pull, (e) => has(e, 'g.txt', 'RENAME') &&
        has(e, 'h.txt', 'CREATE'), 'RENAME g.txt and CREATE h.txt');
  } finally {
    w.close();
  }
});

fsTest('watchdir_recursive', async ({ c, d }) => {
  fs.mkdirSync(path.join(d, 'pre'));
  const w = await openWatch(c, { path: d, recursive: true });
  try {
    write(path.join(d, 'pre', 'h.txt'));
    await waitEvents(w.pull, (e) => has(e, 'pre/h.txt', 'CREATE'),
        'CREATE of pre/h.txt in an existing subdirectory');
    fs.mkdirSync(path.join(d, 'sub'));
    await waitEvents(w.pull, (e) => has(e, 'sub', 'CREATE'), 'CREATE of sub');
    await sleep(200);	// the agent adds its watch on sub
    write(path.join(d, 'sub', 'g.txt'));
    await waitEvents(w.pull, (e) => has(e, 'sub/g.txt', 'CREATE') &&
        has(e, 'sub/g.txt', 'WRITE'), 'events of sub/g.txt in a new subdir');
  } finally {
    w.close();
  }
});

fsTest('watchdir_not_recursive_skips_subdirs', async ({ c, d }) => {
  fs.mkdirSync(path.join(d, 'pre'));
  const w = await openWatch(c, { path: d });
  try {
    write(path.join(d, 'pre', 'h.txt'));
    await sleep(100);
    write(path.join(d, 'top.txt'));
    const evs = await waitEvents(w.pull, (e) => has(e, 'top.txt', 'CREATE'),
        'CREATE of top.txt');
    check(!evs.some((e) => e.name.includes('h.txt')),
        `non-recursive watch reported a subdirectory's file: ${show(evs)}`);
  } finally {
    w.close();
  }
});

fsTest('watchdir_missing_not_found', async ({ c, d }) => {
  const pull = new Pull(c.watchDir({ path: path.join(d, 'nope') }));
  await rejectsWith(pull.next(3000, 'WatchDir of a missing dir'),
      Code.NotFound, 'WatchDir of a missing dir');
});

fsTest('watchdir_file_invalid_argument', async ({ c, d }) => {
  write(path.join(d, 'f'));
  const pull = new Pull(c.watchDir({ path: path.join(d, 'f') }));
  await rejectsWith(pull.next(3000, 'WatchDir of a file'),
      Code.InvalidArgument, 'WatchDir of a file');
});

// Two watches of the same directory each get the events.
fsTest('watchdir_two_streams', async ({ c, d }) => {
  const w1 = await openWatch(c, { path: d });
  const w2 = await openWatch(c, { path: d });
  try {
    write(path.join(d, 'both.txt'));
    await waitEvents(w1.pull, (e) => has(e, 'both.txt', 'CREATE'), 'stream 1');
    await waitEvents(w2.pull, (e) => has(e, 'both.txt', 'CREATE'), 'stream 2');
  } finally {
    w1.close();
    w2.close();
  }
  // The agent dropped both watches cleanly and still answers.
  await sleep(100);
  await c.stat({ path: d });
});

// ------------------------------------------- CreateWatcher and friends

// Polls GetWatcherEvents until pred(all events so far); returns the
// batches (each a list of {name, type}).
async function pollEvents(c, id, pred, what) {
  const batches = [];
  const all = () => batches.flat();
  await waitFor(async () => {
    const r = await c.getWatcherEvents({ watcherId: id });
    batches.push(r.events.map((e) => ({ name: e.name, type: etName(e.type) })));
    return pred(all());
  }, 5000, `${what} (got ${show(batches)})`, 20);
  return batches;
}

fsTest('watcher_poll_collects_and_drains', async ({ c, d }) => {
  const { watcherId: id } = await c.createWatcher({ path: d });
  check(typeof id === 'string' && id.length > 0, `watcherId ${show(id)}`);
  let r = await c.getWatcherEvents({ watcherId: id });
  deepEq(r.events, [], 'events before any change');
  write(path.join(d, 'one.txt'));
  let b = await pollEvents(c, id, (e) => has(e, 'one.txt', 'CREATE') &&
      has(e, 'one.txt', 'WRITE'), 'events of one.txt');
  await sleep(200);
  r = await c.getWatcherEvents({ watcherId: id });
  b.push(r.events.map((e) => ({ name: e.name, type: etName(e.type) })));
  eq(b.flat().filter((e) => e.name === 'one.txt' && e.type === 'CREATE')
      .length, 1, `CREATE one.txt delivered once (batches ${show(b)})`);
  r = await c.getWatcherEvents({ watcherId: id });
  deepEq(r.events, [], 'events after the list was drained');
  // Collected across calls: the second file only in later batches.
  write(path.join(d, 'two.txt'));
  b = await pollEvents(c, id, (e) => has(e, 'two.txt', 'CREATE'),
      'events of two.txt');
  check(!b.flat().some((e) => e.name === 'one.txt'),
      `old events repeated: ${show(b)}`);
  fs.unlinkSync(path.join(d, 'two.txt'));
  await pollEvents(c, id, (e) => has(e, 'two.txt', 'REMOVE'),
      'REMOVE of two.txt');
  await c.removeWatcher({ watcherId: id });
  await rejectsWith(c.getWatcherEvents({ watcherId: id }), Code.NotFound,
      'GetWatcherEvents after RemoveWatcher');
});

fsTest('watcher_recursive', async ({ c, d }) => {
  fs.mkdirSync(path.join(d, 'pre'));
  const { watcherId: id } = await c.createWatcher({ path: d, recursive: true });
  write(path.join(d, 'pre', 'in.txt'));
  await pollEvents(c, id, (e) => has(e, 'pre/in.txt', 'CREATE'),
      'CREATE of pre/in.txt');
  await c.removeWatcher({ watcherId: id });
});

fsTest('watcher_unknown_id_not_found', async ({ c }) => {
  await rejectsWith(c.getWatcherEvents({ watcherId: 'w-no-such-watcher' }),
      Code.NotFound, 'GetWatcherEvents of an unknown id');
  await rejectsWith(c.removeWatcher({ watcherId: 'w-no-such-watcher' }),
      Code.NotFound, 'RemoveWatcher of an unknown id');
});

fsTest('watcher_missing_and_file', async ({ c, d }) => {
  await rejectsWith(c.createWatcher({ path: path.join(d, 'nope') }),
      Code.NotFound, 'CreateWatcher of a missing dir');
  write(path.join(d, 'f'));
  await rejectsWith(c.createWatcher({ path: path.join(d, 'f') }),
      Code.InvalidArgument, 'CreateWatcher of a file');
});

// A unary JSON call on its own connection, closed after the answer.
function unaryOnce(a, method, body) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = http.request({ host: '127.0.0.1', port: a.port, method: 'POST',
      path: `/filesystem.Filesystem/${method}`, agent: false, headers: {
        'Content-Type': 'application/json', 'Connect-Protocol-Version': '1',
        'Content-Length': data.length, Connection: 'close' } }, (res) => {
      const chunks = [];
      res.on('data', (x) => chunks.push(x));
      res.on('end', () => resolve({ status: res.statusCode,
        body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

// B20: the watcher outlives the CreateWatcher call and its connection.
fsTest('watcher_outlives_create_call_b20', async ({ a, c, d }) => {
  const wd = path.join(d, 'watch_test');
  await c.makeDir({ path: wd });
  const r = await unaryOnce(a, 'CreateWatcher', { path: wd });
  eq(r.status, 200, `CreateWatcher status (${r.body})`);
  const id = JSON.parse(r.body).watcherId;
  check(id, `no watcherId in ${r.body}`);
  await sleep(300);	// the creating connection is gone by now
  const first = await c.getWatcherEvents({ watcherId: id });
  deepEq(first.events, [], 'first poll');
  fs.writeFileSync(path.join(wd, 'test.txt'), 'hello world');
  const b = await pollEvents(c, id, (e) => e.length > 0, 'any event');
  deepEq(b.flat()[0], { name: 'test.txt', type: 'CREATE' }, 'first event');
  await c.removeWatcher({ watcherId: id });
  await rejectsWith(c.getWatcherEvents({ watcherId: id }), Code.NotFound,
      'GetWatcherEvents after RemoveWatcher');
});

// ------------------------------------------------------------ the user

// B02: the directory belongs to the user named in Basic auth, and the
// agent acts with that user's rights.
for (const fmt of FORMATS) {
  test(`makedir_as_user_basic_auth[${fmt}]`, async () => {
    needRoot();
    ensureUser(TEST_USER);
    await withAgent((a) => withTempDir(async (d) => {
      fs.chmodSync(d, 0o777);
      const c = client(a, fmt, { Authorization: basicAuth(TEST_USER) });
      const p = path.join(d, 'mine', 'sub');
      const { entry: e } = await c.makeDir({ path: p });
      const st = fs.statSync(p);
      const uid = Number(fs.readFileSync('/etc/passwd', 'utf8').split('\n')
          .find((l) => l.startsWith(`${TEST_USER}:`)).split(':')[2]);
      eq(e.owner, TEST_USER, 'entry.owner');
      eq(e.group, idName('/etc/group', st.gid), 'entry.group');
      eq(st.uid, uid, 'owner on disk');
      eq(fs.statSync(path.join(d, 'mine')).uid, uid, 'owner of the new parent');
      eq(fs.statSync(d).uid, 0, 'owner of the existing parent');
      // Relative paths are joined to the user's home.
      const rel = `envd-node-rel-${process.pid}-${fmt}`;
      try {
        const { entry: r } = await c.makeDir({ path: rel });
        eq(r.path, `/home/${TEST_USER}/${rel}`, 'relative path resolution');
        eq(r.owner, TEST_USER, 'owner of the relative dir');
      } finally {
        fs.rmSync(`/home/${TEST_USER}/${rel}`, { recursive: true, force: true });
      }
      // Root's private directory is closed to the user.
      fs.mkdirSync(path.join(d, 'private'), { mode: 0o700 });
      fs.chmodSync(path.join(d, 'private'), 0o700);
      await rejectsWith(c.makeDir({ path: path.join(d, 'private', 'x') }),
          Code.PermissionDenied, 'MakeDir in a root-only directory as the user');
      // Root, by name, still can.
      const rc = client(a, fmt, { Authorization: basicAuth('root') });
      const { entry: re } = await rc.makeDir({ path: path.join(d, 'private',
        'x') });
      eq(re.owner, 'root', 'owner as root');
    }));
  });

  test(`unknown_user_unauthenticated[${fmt}]`, () => withAgent(async (a) => {
    const c = client(a, fmt, { Authorization: basicAuth('no-such-user-envd') });
    await rejectsWith(c.stat({ path: '/' }), Code.Unauthenticated,
        'Stat as an unknown user');
    await rejectsWith(c.makeDir({ path: '/tmp/envd-node-never' }),
        Code.Unauthenticated, 'MakeDir as an unknown user');
    check(!fs.existsSync('/tmp/envd-node-never'), 'made a dir anyway');
  }));
}

await run();
