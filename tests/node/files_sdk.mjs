// files_sdk.mjs: file transfer (GET and POST /files) through the e2b
// JavaScript SDK in debug mode: files.read in its four formats, files.write
// of every data type in both upload forms the SDK has (multipart/form-data,
// and application/octet-stream with Transfer-Encoding: chunked, optionally
// with Content-Encoding: gzip), a 1 MiB binary round trip, empty files
// (B01), raw and gzip bodies (B04, B05), the SDK's signed download and
// upload URLs (B23) and writes as another user.
//
// What the SDK sends (e2b 2.51.0, debug mode, so envd version 99.99.99):
//   - files.write with string/ArrayBuffer/Blob data: one multipart POST with
//     a part "file" per entry; for one file the query has path=, for an
//     array the query has no path and each part's filename is the full path;
//   - a ReadableStream entry, useOctetStream: true or gzip: true: one
//     octet-stream POST per entry (in parallel), path= in the query, a
//     chunked body (gzip: true pipes it through CompressionStream('gzip'));
//   - files.read({gzip: true}) sends Accept-Encoding: gzip (undici inflates);
//   - username= only when opts.user is given (no default user in debug).
//
//     ENVD_BIN=build/envd node tests/node/files_sdk.mjs [test names]

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

import {
  AuthenticationError, FileNotFoundError, InvalidArgumentError, NotFoundError,
  Sandbox,
} from 'e2b';

import {
  IS_ROOT, Skip, check, deepEq, ensureUser, eq, ownerOf, run, show, test,
  withAgent, withTempDir,
} from './lib.mjs';

const TEST_USER = 'envdtest';
const TOKEN = 'tok123';
const MiB = 1024 * 1024;

async function sandbox(a) {
  const s = await Sandbox.create({ debug: true, sandboxUrl: a.url });
  eq(s.sandboxId, 'debug_sandbox_id', 'sandboxId in debug mode');
  return s;
}

// fn gets {a, s, d}: the agent, a debug sandbox on it, a temporary dir.
const sdkTest = (name, fn, opts) => test(name, () => withAgent(
    (a) => withTempDir(async (d) => fn({ a, s: await sandbox(a), d }))), opts);

async function rejectsAs(p, cls, what) {
  let v;
  try {
    v = await p;
  } catch (e) {
    check(e instanceof cls, `${what}: got ${e && e.name}: ${e && e.message}, ` +
        `want ${cls.name}`);
    return e;
  }
  throw new Error(`${what}: succeeded with ${show(v)}, want ${cls.name}`);
}

// Compares two byte sequences without printing a megabyte on failure.
function sameBytes(got, want, what) {
  const g = Buffer.from(got.buffer ? new Uint8Array(got.buffer,
      got.byteOffset, got.byteLength) : new Uint8Array(got));
  const w = Buffer.from(want);
  if (g.length !== w.length) {
    throw new Error(`${what}: ${g.length} bytes, want ${w.length}`);
  }
  const i = g.findIndex((b, k) => b !== w[k]);
  if (i >= 0) {
    throw new Error(`${what}: first difference at byte ${i} ` +
        `(got ${g[i]}, want ${w[i]})`);
  }
}

function fileBytes(p) {
  return fs.readFileSync(p);
}

// A web ReadableStream giving the chunks one by one (each pull is a
// separate chunk of the chunked body).
function streamOf(chunks) {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < chunks.length) c.enqueue(new Uint8Array(chunks[i++]));
      else c.close();
    },
  });
}

async function drain(stream) {
  const parts = [];
  for await (const c of stream) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

function arrayBufferOf(buf) {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
}

// GET url (no token, no Accept-Encoding beyond what is asked) with fetch's
// raw status and bytes.  undici inflates gzip by itself, so ask for
// identity unless told otherwise.
async function rawGet(url, headers = {}) {
  const r = await fetch(url, { headers: { 'Accept-Encoding': 'identity',
    ...headers } });
  return { status: r.status, headers: r.headers,
    body: Buffer.from(await r.arrayBuffer()) };
}

// WriteInfo as the SDK returns it, without the (undefined) metadata field.
const info = (w) => ({ name: w.name, path: w.path, type: w.type });
const wantInfo = (p) => ({ name: path.basename(p), path: p, type: 'file' });

// ------------------------------------------------------------------ read

sdkTest('sdk_read_formats', async ({ s, d }) => {
  const p = path.join(d, 'r.txt');
  const text = 'héllo wörld\nline 2 ✓\n';
  fs.writeFileSync(p, text);
  eq(await s.files.read(p), text, 'read (text, the default)');
  eq(await s.files.read(p, { format: 'text' }), text, 'read format text');
  const b = await s.files.read(p, { format: 'bytes' });
  check(b instanceof Uint8Array, `bytes is a ${b && b.constructor.name}`);
  sameBytes(b, Buffer.from(text), 'read format bytes');
  const blob = await s.files.read(p, { format: 'blob' });
  check(blob instanceof Blob, `blob is a ${blob && blob.constructor.name}`);
  eq(blob.size, Buffer.byteLength(text), 'blob size');
  eq(await blob.text(), text, 'blob text');
  const st = await s.files.read(p, { format: 'stream' });
  check(st instanceof ReadableStream, 'stream is a ReadableStream');
  eq((await drain(st)).toString(), text, 'read format stream');
  // gzip: the SDK asks for Accept-Encoding: gzip; undici inflates it.
  eq(await s.files.read(p, { gzip: true }), text, 'read gzip text');
  sameBytes(await s.files.read(p, { format: 'bytes', gzip: true }),
      Buffer.from(text), 'read gzip bytes');
  eq((await drain(await s.files.read(p, { format: 'stream', gzip: true })))
      .toString(), text, 'read gzip stream');
});

sdkTest('sdk_read_symlink', async ({ s, d }) => {
  const p = path.join(d, 'target.txt');
  fs.writeFileSync(p, 'through the link');
  fs.symlinkSync(p, path.join(d, 'link'));
  eq(await s.files.read(path.join(d, 'link')), 'through the link',
      'read through a symlink');
});

sdkTest('sdk_read_errors', async ({ s, d }) => {
  const e = await rejectsAs(s.files.read(path.join(d, 'missing.txt')),
      FileNotFoundError, 'read of a missing file');
  check(e instanceof NotFoundError, 'FileNotFoundError is a NotFoundError');
  check(e.message.includes('missing.txt'),
      `message names the path: ${e.message}`);
  await rejectsAs(s.files.read(path.join(d, 'no', 'such', 'dir', 'f')),
      FileNotFoundError, 'read below a missing directory');
  await rejectsAs(s.files.read(path.join(d, 'missing.txt'),
      { format: 'stream' }), FileNotFoundError, 'stream read of a missing file');
  await rejectsAs(s.files.read(path.join(d, 'missing.txt'),
      { format: 'bytes' }), FileNotFoundError, 'bytes read of a missing file');
  await rejectsAs(s.files.read(d), InvalidArgumentError, 'read of a directory');
  await rejectsAs(s.files.read(d, { format: 'stream' }), InvalidArgumentError,
      'stream read of a directory');
  // /dev/null/x: stat fails with ENOTDIR, which envd reports as 500 "error
  // checking path" (an SDK error of no particular class); not a success.
  await rejectsAs(s.files.read('/dev/null/x'), Error,
      'read below a non-directory');
  // A device is not a regular file (would stream forever for /dev/zero).
  await rejectsAs(s.files.read('/dev/zero', { format: 'bytes' }),
      InvalidArgumentError, 'read of /dev/zero');
  // ~other is refused (cannot expand another user's home).
  await rejectsAs(s.files.read('~nobody/x'), InvalidArgumentError,
      'read of ~nobody/x');
  // The agent still serves afterwards.
  fs.writeFileSync(path.join(d, 'after'), 'ok');
  eq(await s.files.read(path.join(d, 'after')), 'ok', 'read after errors');
});

// ----------------------------------------------------------------- write

sdkTest('sdk_write_string', async ({ s, d }) => {
  const p = path.join(d, 'w.txt');
  const w = await s.files.write(p, 'hello, wörld\n');
  deepEq(info(w), wantInfo(p), 'WriteInfo of a string write');
  eq(fs.readFileSync(p, 'utf8'), 'hello, wörld\n', 'stored string');
  eq(fs.statSync(p).mode & 0o777, 0o644, 'mode of a new file');
  // Overwriting truncates: a shorter string leaves nothing of the old one.
  deepEq(info(await s.files.write(p, 'short')), wantInfo(p),
      'WriteInfo of an overwrite');
  eq(fs.readFileSync(p, 'utf8'), 'short', 'after overwrite with less');
  await s.files.write(p, 'a longer replacement than before');
  eq(fs.readFileSync(p, 'utf8'), 'a longer replacement than before',
      'after overwrite with more');
  eq(await s.files.read(p), 'a longer replacement than before',
      'read back after overwrites');
});

sdkTest('sdk_write_creates_parents', async ({ s, d }) => {
  const p = path.join(d, 'a', 'b', 'c', 'deep.txt');
  deepEq(info(await s.files.write(p, 'deep')), wantInfo(p),
      'WriteInfo in new dirs');
  eq(fs.readFileSync(p, 'utf8'), 'deep', 'stored in new dirs');
  for (const sub of ['a', 'a/b', 'a/b/c']) {
    const st = fs.statSync(path.join(d, sub));
    check(st.isDirectory(), `${sub} is a directory`);
    eq(st.mode & 0o777, 0o755, `mode of created ${sub}`);
  }
  // The same with octet-stream (its own code path in the agent).
  const q = path.join(d, 'x', 'y', 'raw.txt');
  deepEq(info(await s.files.write(q, 'raw', { useOctetStream: true })),
      wantInfo(q), 'WriteInfo octet-stream in new dirs');
  eq(fs.readFileSync(q, 'utf8'), 'raw', 'stored octet-stream in new dirs');
  // A parent that is a file: an error, and the file is untouched.
  fs.writeFileSync(path.join(d, 'plain'), 'keep');
  let threw = null;
  try {
    await s.files.write(path.join(d, 'plain', 'sub', 'f.txt'), 'x');
  } catch (e) {
    threw = e;
  }
  check(threw, 'write below a regular file succeeded');
  eq(fs.readFileSync(path.join(d, 'plain'), 'utf8'), 'keep',
      'the blocking file is untouched');
  // Writing onto a directory is a 400.
  fs.mkdirSync(path.join(d, 'isdir'));
  await rejectsAs(s.files.write(path.join(d, 'isdir'), 'x'),
      InvalidArgumentError, 'write onto a directory');
  await rejectsAs(s.files.write(path.join(d, 'isdir'), 'x',
      { useOctetStream: true }), InvalidArgumentError,
  'octet-stream write onto a directory');
});

sdkTest('sdk_write_data_types', async ({ s, d }) => {
  const bin = randomBytes(5000);
  // ArrayBuffer (multipart).
  const pa = path.join(d, 'ab.bin');
  deepEq(info(await s.files.write(pa, arrayBufferOf(bin))), wantInfo(pa),
      'WriteInfo ArrayBuffer');
  sameBytes(fileBytes(pa), bin, 'stored ArrayBuffer');
  // Uint8Array (not in the SDK's types, but Blob([u8]) takes it).
  const pu = path.join(d, 'u8.bin');
  await s.files.write(pu, new Uint8Array(bin));
  sameBytes(fileBytes(pu), bin, 'stored Uint8Array');
  // Blob of several parts (multipart).
  const pb = path.join(d, 'blob.bin');
  const blob = new Blob(['text head|', bin.subarray(0, 100), '|tail']);
  deepEq(info(await s.files.write(pb, blob)), wantInfo(pb), 'WriteInfo Blob');
  sameBytes(fileBytes(pb), Buffer.from(await blob.arrayBuffer()),
      'stored Blob');
  // ReadableStream: octet-stream, chunked, streamed (B04: 3 chunks,
  // 100 000 bytes, no Content-Length).
  const big = randomBytes(100000);
  const ps = path.join(d, 'stream.bin');
  deepEq(info(await s.files.write(ps, streamOf([big.subarray(0, 1),
    big.subarray(1, 60000), big.subarray(60000)]))), wantInfo(ps),
  'WriteInfo ReadableStream');
  sameBytes(fileBytes(ps), big, 'stored ReadableStream');
  // ReadableStream forced to multipart (the SDK buffers it into a Blob).
  const pm = path.join(d, 'stream-mp.bin');
  await s.files.write(pm, streamOf([bin.subarray(0, 10), bin.subarray(10)]),
      { useOctetStream: false });
  sameBytes(fileBytes(pm), bin, 'stored ReadableStream as multipart');
  // A stream of many small chunks.
  const pc = path.join(d, 'chunks.txt');
  const chunks = Array.from({ length: 200 }, (_, i) => Buffer.from(`${i},`));
  await s.files.write(pc, streamOf(chunks));
  eq(fs.readFileSync(pc, 'utf8'), Buffer.concat(chunks).toString(),
      'stored 200-chunk stream');
});

sdkTest('sdk_write_octet_stream', async ({ s, d }) => {
  const bin = randomBytes(70000);
  const cases = [
    ['oct-string.txt', 'octet ✓ string\n', Buffer.from('octet ✓ string\n')],
    ['oct-ab.bin', arrayBufferOf(bin), bin],
    ['oct-blob.bin', new Blob([bin]), bin],
  ];
  for (const [name, data, want] of cases) {
    const p = path.join(d, name);
    deepEq(info(await s.files.write(p, data, { useOctetStream: true })),
        wantInfo(p), `WriteInfo octet-stream ${name}`);
    sameBytes(fileBytes(p), want, `stored octet-stream ${name}`);
  }
  // Overwrite through octet-stream truncates.
  const p = path.join(d, 'oct-ab.bin');
  await s.files.write(p, 'tiny', { useOctetStream: true });
  eq(fs.readFileSync(p, 'utf8'), 'tiny', 'octet-stream overwrite');
});

sdkTest('sdk_write_gzip', async ({ s, d }) => {
  // B05 (1): the SDK gzips the whole octet-stream body.
  const p = path.join(d, 'g.txt');
  deepEq(info(await s.files.write(p, 'hello\n', { gzip: true })), wantInfo(p),
      'WriteInfo gzip string');
  eq(fs.readFileSync(p, 'utf8'), 'hello\n', 'stored gzip string');
  eq(await s.files.read(p, { gzip: true }), 'hello\n', 'read gzip back');
  const bin = randomBytes(200000);
  for (const [name, data] of [
    ['g-ab.bin', arrayBufferOf(bin)],
    ['g-blob.bin', new Blob([bin])],
    ['g-stream.bin', streamOf([bin.subarray(0, 5), bin.subarray(5, 150000),
      bin.subarray(150000)])],
  ]) {
    const q = path.join(d, name);
    deepEq(info(await s.files.write(q, data, { gzip: true })), wantInfo(q),
        `WriteInfo gzip ${name}`);
    sameBytes(fileBytes(q), bin, `stored gzip ${name}`);
  }
  // Very compressible data: the gzip body is far smaller than the file.
  const zeros = Buffer.alloc(3 * MiB, 0x61);
  const pz = path.join(d, 'zeros.txt');
  await s.files.write(pz, new Blob([zeros]), { gzip: true });
  sameBytes(fileBytes(pz), zeros, 'stored compressible gzip');
  sameBytes(await s.files.read(pz, { format: 'bytes', gzip: true }), zeros,
      'read compressible gzip');
});

sdkTest('sdk_write_multiple', async ({ s, d }) => {
  const bin = randomBytes(3000);
  const entries = [
    { path: path.join(d, 'm1.txt'), data: 'first' },
    { path: path.join(d, 'sub', 'm2.bin'), data: arrayBufferOf(bin) },
    { path: path.join(d, 'sub', 'deeper', 'm3.txt'), data: new Blob(['third']) },
  ];
  // Multipart: one request, filename = full path, no path query.
  const ws = await s.files.write(entries);
  check(Array.isArray(ws), `write(array) gives an array: ${show(ws)}`);
  deepEq(ws.map(info), entries.map((e) => wantInfo(e.path)),
      'WriteInfo list (multipart)');
  eq(fs.readFileSync(entries[0].path, 'utf8'), 'first', 'm1');
  sameBytes(fileBytes(entries[1].path), bin, 'm2');
  eq(fs.readFileSync(entries[2].path, 'utf8'), 'third', 'm3');
  // One entry in an array still gives an array.
  const one = await s.files.write([{ path: path.join(d, 'single.txt'),
    data: 'solo' }]);
  deepEq(one.map(info), [wantInfo(path.join(d, 'single.txt'))],
      'WriteInfo list of one');
  // writeFiles is the same call.
  const wf = await s.files.writeFiles([{ path: path.join(d, 'wf.txt'),
    data: 'wf' }]);
  deepEq(wf.map(info), [wantInfo(path.join(d, 'wf.txt'))], 'writeFiles');
  eq(fs.readFileSync(path.join(d, 'wf.txt'), 'utf8'), 'wf', 'writeFiles data');
  // Octet-stream: one POST per entry, concurrently.
  const oct = Array.from({ length: 6 }, (_, i) => ({
    path: path.join(d, 'oct', `f${i}.txt`), data: `octet ${i}`.repeat(i + 1) }));
  const wo = await s.files.write(oct, { useOctetStream: true });
  deepEq(wo.map(info), oct.map((e) => wantInfo(e.path)),
      'WriteInfo list (octet-stream)');
  for (const e of oct) {
    eq(fs.readFileSync(e.path, 'utf8'), e.data, `stored ${e.path}`);
  }
  // Mixed with a stream: the SDK switches everything to octet-stream.
  const mixed = [
    { path: path.join(d, 'mix', 'a.txt'), data: 'plain' },
    { path: path.join(d, 'mix', 'b.bin'), data: streamOf([bin]) },
  ];
  const wm = await s.files.write(mixed, { gzip: true });
  deepEq(wm.map(info), mixed.map((e) => wantInfo(e.path)),
      'WriteInfo list (gzip, mixed)');
  eq(fs.readFileSync(mixed[0].path, 'utf8'), 'plain', 'mix a');
  sameBytes(fileBytes(mixed[1].path), bin, 'mix b');
  // Overwriting several at once.
  await s.files.write(entries.map((e) => ({ path: e.path, data: 'again' })));
  for (const e of entries) {
    eq(fs.readFileSync(e.path, 'utf8'), 'again', `overwritten ${e.path}`);
  }
  // Empty list: no request, [].
  deepEq(await s.files.write([]), [], 'write([])');
});

sdkTest('sdk_write_relative_path', async ({ s }) => {
  // A relative path is under the user's home (root: /root, as no user is
  // sent in debug mode and the agent's default user is root).
  const home = IS_ROOT ? '/root' : process.env.HOME;
  const rel = `envd-files-sdk-${process.pid}/rel.txt`;
  const dir = path.join(home, path.dirname(rel));
  try {
    const w = await s.files.write(rel, 'relative');
    deepEq(info(w), wantInfo(path.join(home, rel)), 'WriteInfo relative');
    eq(fs.readFileSync(path.join(home, rel), 'utf8'), 'relative',
        'stored under home');
    eq(await s.files.read(rel), 'relative', 'read relative');
    eq(await s.files.read(`~/${rel}`), 'relative', 'read ~/relative');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ------------------------------------------------------------ large, empty

sdkTest('sdk_binary_1mib', async ({ a, s, d }) => {
  const bin = randomBytes(MiB);
  const p = path.join(d, 'big.bin');
  deepEq(info(await s.files.write(p, arrayBufferOf(bin))), wantInfo(p),
      'WriteInfo 1 MiB');
  sameBytes(fileBytes(p), bin, 'stored 1 MiB (multipart)');
  sameBytes(await s.files.read(p, { format: 'bytes' }), bin,
      'read 1 MiB bytes');
  sameBytes(Buffer.from(await (await s.files.read(p, { format: 'blob' }))
      .arrayBuffer()), bin, 'read 1 MiB blob');
  sameBytes(await drain(await s.files.read(p, { format: 'stream' })), bin,
      'read 1 MiB stream');
  sameBytes(await s.files.read(p, { format: 'bytes', gzip: true }), bin,
      'read 1 MiB gzip');
  // Plain node fetch, identity: exact Content-Length and bytes.
  const q = `${a.url}/files?path=${encodeURIComponent(p)}`;
  const r = await rawGet(q);
  eq(r.status, 200, 'GET status');
  eq(r.headers.get('content-length'), String(MiB), 'Content-Length');
  eq(r.headers.get('content-encoding'), null, 'no Content-Encoding');
  sameBytes(r.body, bin, 'GET body');
  // Raw gzip: the body really is gzip and inflates to the file.
  const rz = await new Promise((resolve, reject) => {
    import('node:http').then(({ default: http }) => {
      http.get(q, { headers: { 'Accept-Encoding': 'gzip' }, agent: false },
          (res) => {
            const cs = [];
            res.on('data', (c) => cs.push(c));
            res.on('end', () => resolve({ status: res.statusCode,
              headers: res.headers, body: Buffer.concat(cs) }));
            res.on('error', reject);
          }).on('error', reject);
    });
  });
  eq(rz.status, 200, 'gzip GET status');
  eq(rz.headers['content-encoding'], 'gzip', 'gzip Content-Encoding');
  sameBytes(gunzipSync(rz.body), bin, 'gzip GET body inflated');
  // Other direction: octet-stream stream upload and gzip upload of 1 MiB.
  const bin2 = randomBytes(MiB);
  const p2 = path.join(d, 'big2.bin');
  const chunks = [];
  for (let o = 0; o < MiB; o += 65536) chunks.push(bin2.subarray(o, o + 65536));
  await s.files.write(p2, streamOf(chunks));
  sameBytes(fileBytes(p2), bin2, 'stored 1 MiB (octet-stream)');
  sameBytes(await s.files.read(p2, { format: 'bytes' }), bin2,
      'read 1 MiB octet-stream upload');
  const p3 = path.join(d, 'big3.bin');
  await s.files.write(p3, new Blob([bin2]), { gzip: true });
  sameBytes(fileBytes(p3), bin2, 'stored 1 MiB (gzip)');
  // Overwrite the 1 MiB file with 1 byte: truncated.
  await s.files.write(p, 'x');
  eq(fs.statSync(p).size, 1, 'size after overwriting 1 MiB with 1 byte');
});

sdkTest('sdk_empty_file', async ({ a, s, d }) => {
  // B01: empty uploads in every form, empty downloads in every format.
  const forms = [
    ['e-multipart.txt', '', {}],
    ['e-ab.bin', new ArrayBuffer(0), {}],
    ['e-blob.bin', new Blob([]), {}],
    ['e-octet.txt', '', { useOctetStream: true }],
    ['e-stream.bin', streamOf([]), {}],
    ['e-gzip.txt', '', { gzip: true }],
  ];
  for (const [name, data, opts] of forms) {
    const p = path.join(d, name);
    deepEq(info(await s.files.write(p, data, opts)), wantInfo(p),
        `WriteInfo empty ${name}`);
    check(fs.existsSync(p), `${name} exists`);
    eq(fs.statSync(p).size, 0, `size of ${name}`);
  }
  // Truncating a file to empty.
  const t = path.join(d, 'trunc.txt');
  fs.writeFileSync(t, 'not empty yet');
  await s.files.write(t, '');
  eq(fs.statSync(t).size, 0, 'overwrite with empty');
  const p = path.join(d, 'e-multipart.txt');
  eq(await s.files.read(p), '', 'read empty text');
  const b = await s.files.read(p, { format: 'bytes' });
  check(b instanceof Uint8Array && b.length === 0, `empty bytes: ${show(b)}`);
  eq((await s.files.read(p, { format: 'blob' })).size, 0, 'empty blob');
  eq((await drain(await s.files.read(p, { format: 'stream' }))).length, 0,
      'empty stream');
  eq(await s.files.read(p, { gzip: true }), '', 'read empty gzip');
  // Raw: identity has Content-Length: 0; gzip is a valid empty gzip stream.
  const q = `${a.url}/files?path=${encodeURIComponent(p)}`;
  const r = await rawGet(q);
  eq(r.status, 200, 'GET empty status');
  eq(r.headers.get('content-length'), '0', 'GET empty Content-Length');
  eq(r.body.length, 0, 'GET empty body');
  const { default: http } = await import('node:http');
  const rz = await new Promise((resolve, reject) => {
    http.get(q, { headers: { 'Accept-Encoding': 'gzip' }, agent: false },
        (res) => {
          const cs = [];
          res.on('data', (c) => cs.push(c));
          res.on('end', () => resolve({ status: res.statusCode,
            headers: res.headers, body: Buffer.concat(cs) }));
          res.on('error', reject);
        }).on('error', reject);
  });
  eq(rz.status, 200, 'GET empty gzip status');
  eq(rz.headers['content-encoding'], 'gzip', 'GET empty gzip encoding');
  check(String(rz.headers.vary || '').toLowerCase().includes('accept-encoding'),
      `Vary: ${rz.headers.vary}`);
  check(rz.body.length > 0, 'an empty gzip stream still has a header');
  eq(gunzipSync(rz.body).length, 0, 'empty gzip inflates to nothing');
});

// ------------------------------------------------------------ signed URLs

async function init(a, body) {
  const r = await fetch(`${a.url}/init`, { method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body) });
  await r.arrayBuffer();
  return r.status;
}

// A sandbox that knows the token, as in fs_sdk.mjs (new Sandbox needs an
// envdVersion; the debug one keeps the SDK from sending user "user").
function securedSandbox(a, token = TOKEN) {
  return new Sandbox({ debug: true, sandboxUrl: a.url, sandboxId: 'x',
    envdVersion: '99.99.99', envdAccessToken: token });
}

function uploadForm(blobData, filename = 'upload') {
  const f = new FormData();
  f.append('file', new Blob([blobData]), filename);
  return f;
}

async function postForm(url, form, headers = {}) {
  const r = await fetch(url, { method: 'POST', body: form, headers });
  const text = await r.text();
  return { status: r.status, text };
}

// Flips one character of the signature's hash part.
function tamper(url) {
  const u = new URL(url);
  const sig = u.searchParams.get('signature');
  check(sig && sig.startsWith('v1_'), `signature ${sig}`);
  const i = sig.length - 2;
  const c = sig[i] === 'A' ? 'B' : 'A';
  u.searchParams.set('signature', sig.slice(0, i) + c + sig.slice(i + 1));
  return u.toString();
}

test('sdk_signed_urls', () => withAgent((a) => withTempDir(async (d) => {
  eq(await init(a, { accessToken: TOKEN }), 204, 'POST /init accessToken');
  const s = securedSandbox(a);
  const p = path.join(d, 'signed.txt');
  fs.writeFileSync(p, 'signed content\n');

  // The SDK's own read/write send X-Access-Token and work.
  eq(await s.files.read(p), 'signed content\n', 'files.read with the token');
  await s.files.write(path.join(d, 'tokw.txt'), 'tok');
  eq(fs.readFileSync(path.join(d, 'tokw.txt'), 'utf8'), 'tok',
      'files.write with the token');
  // Without it (debug sandbox sends no token): 401 -> AuthenticationError.
  const anon = await sandbox(a);
  await rejectsAs(anon.files.read(p), AuthenticationError,
      'files.read without token');
  await rejectsAs(anon.files.write(path.join(d, 'anon.txt'), 'x'),
      AuthenticationError, 'files.write without token');
  check(!fs.existsSync(path.join(d, 'anon.txt')), 'unauthorised write wrote');
  // A wrong token: AuthenticationError too.
  await rejectsAs(securedSandbox(a, 'nope').files.read(p), AuthenticationError,
      'files.read with a wrong token');

  // downloadUrl: signature over "path:read::tok123" (no user given).
  const dl = await s.downloadUrl(p);
  const du = new URL(dl);
  eq(du.pathname, '/files', 'download URL path');
  eq(du.searchParams.get('path'), p, 'download URL path param');
  check(du.searchParams.get('signature').startsWith('v1_'),
      `download URL signature: ${dl}`);
  eq(du.searchParams.get('signature_expiration'), null,
      'no expiration unless asked');
  let r = await rawGet(dl);
  eq(r.status, 200, `GET signed download URL (${r.body})`);
  eq(r.body.toString(), 'signed content\n', 'signed download body');
  // Unsigned: 401 with a JSON error.
  r = await rawGet(`${a.url}/files?path=${encodeURIComponent(p)}`);
  eq(r.status, 401, 'GET without token or signature');
  eq(JSON.parse(r.body.toString()).code, 401, 'JSON error code');
  // Tampered: 401.
  r = await rawGet(tamper(dl));
  eq(r.status, 401, 'GET with a tampered signature');
  // A read signature for another path: 401.
  const other = new URL(dl);
  other.searchParams.set('path', path.join(d, 'tokw.txt'));
  eq((await rawGet(other.toString())).status, 401,
      'read signature used for another path');
  // A wrong header token wins over a valid signature: 401.
  eq((await rawGet(dl, { 'X-Access-Token': 'wrong' })).status, 401,
      'valid signature with a wrong X-Access-Token');
  // A right header token with a bad signature: the header decides, 200.
  eq((await rawGet(tamper(dl), { 'X-Access-Token': TOKEN })).status, 200,
      'tampered signature with the right X-Access-Token');

  // With a user: username= is in the URL and the signed string.
  const dlu = await s.downloadUrl(p, { user: 'root' });
  eq(new URL(dlu).searchParams.get('username'), 'root', 'username param');
  r = await rawGet(dlu);
  eq(r.status, 200, 'GET signed download URL with user');
  eq(r.body.toString(), 'signed content\n', 'signed download with user');
  // Changing the username after signing breaks it.
  const swapped = new URL(dlu);
  swapped.searchParams.set('username', 'nobody');
  eq((await rawGet(swapped.toString())).status, 401,
      'signature with a changed username');
  // Dropping the username after signing breaks it too.
  const dropped = new URL(dlu);
  dropped.searchParams.delete('username');
  eq((await rawGet(dropped.toString())).status, 401,
      'signature with the username removed');

  // Expiration: in the future works, in the past is 401.
  const dlx = await s.downloadUrl(p, { useSignatureExpiration: 120 });
  const exp = Number(new URL(dlx).searchParams.get('signature_expiration'));
  check(exp > Date.now() / 1000, `expiration ${exp} in the future`);
  r = await rawGet(dlx);
  eq(r.status, 200, 'GET with a future expiration');
  eq(r.body.toString(), 'signed content\n', 'body with expiration');
  const dlOld = await s.downloadUrl(p, { useSignatureExpiration: -60 });
  check(Number(new URL(dlOld).searchParams.get('signature_expiration')) <
      Date.now() / 1000, 'a negative useSignatureExpiration is in the past');
  r = await rawGet(dlOld);
  eq(r.status, 401, 'GET with an expired signature');
  // Moving the expiration after signing: 401 (it is part of the hash).
  const moved = new URL(dlx);
  moved.searchParams.set('signature_expiration', String(exp + 1000));
  eq((await rawGet(moved.toString())).status, 401,
      'signature with a changed expiration');
  // Removing it: 401 as well.
  const noexp = new URL(dlx);
  noexp.searchParams.delete('signature_expiration');
  eq((await rawGet(noexp.toString())).status, 401,
      'signature with the expiration removed');

  // Signatures with '+' and '/' and paths with spaces and non-ASCII: the
  // SDK form-encodes (space as '+'); the agent must decode it the same way.
  const odd = path.join(d, 'dir with space', 'naïve 文件+x.txt');
  fs.mkdirSync(path.dirname(odd));
  fs.writeFileSync(odd, 'odd');
  r = await rawGet(await s.downloadUrl(odd));
  eq(r.status, 200, 'GET signed URL of an odd path');
  eq(r.body.toString(), 'odd', 'odd path body');
  // Enough different paths that some signatures have '+' and '/'.
  let plus = 0;
  for (let i = 0; i < 24; i++) {
    const f = path.join(d, `many-${i}.txt`);
    fs.writeFileSync(f, String(i));
    const u = await s.downloadUrl(f);
    const sig = new URL(u).searchParams.get('signature');
    if (/[+/]/.test(sig)) plus++;
    const g = await rawGet(u);
    eq(g.status, 200, `signed GET ${i} (signature ${sig})`);
    eq(g.body.toString(), String(i), `signed GET ${i} body`);
  }
  check(plus > 0, 'no signature with + or / among 24 (unlikely)');

  // uploadUrl: POST multipart without any token.
  const up = path.join(d, 'up', 'uploaded.bin');
  const ul = await s.uploadUrl(up);
  eq(new URL(ul).searchParams.get('path'), up, 'upload URL path param');
  const payload = randomBytes(40000);
  let w = await postForm(ul, uploadForm(payload));
  eq(w.status, 200, `POST signed upload URL (${w.text})`);
  deepEq(JSON.parse(w.text), [wantInfo(up)], 'upload URL response');
  sameBytes(fileBytes(up), payload, 'stored through upload URL');
  // Octet-stream to the upload URL.
  w = await postForm(ul, 'raw body',
      { 'Content-Type': 'application/octet-stream' });
  eq(w.status, 200, `POST octet-stream to upload URL (${w.text})`);
  eq(fs.readFileSync(up, 'utf8'), 'raw body', 'stored octet-stream via URL');
  // Tampered upload signature: 401, file unchanged.
  w = await postForm(tamper(ul), uploadForm('evil'));
  eq(w.status, 401, 'POST with a tampered signature');
  eq(fs.readFileSync(up, 'utf8'), 'raw body', 'not written on 401');
  // A read (download) signature used for POST: 401.
  w = await postForm(await s.downloadUrl(up), uploadForm('evil'));
  eq(w.status, 401, 'POST with a read signature');
  // A write signature used for GET: 401.
  eq((await rawGet(ul)).status, 401, 'GET with a write signature');
  // Unsigned POST: 401.
  w = await postForm(`${a.url}/files?path=${encodeURIComponent(up)}`,
      uploadForm('evil'));
  eq(w.status, 401, 'POST without token or signature');
  eq(fs.readFileSync(up, 'utf8'), 'raw body', 'not written unsigned');
  // Expired upload URL: 401; future one: 200.
  w = await postForm(await s.uploadUrl(up, { useSignatureExpiration: -5 }),
      uploadForm('late'));
  eq(w.status, 401, 'POST with an expired signature');
  w = await postForm(await s.uploadUrl(up, { useSignatureExpiration: 60,
    user: 'root' }), uploadForm('in time'));
  eq(w.status, 200, `POST with a future expiration and user (${w.text})`);
  eq(fs.readFileSync(up, 'utf8'), 'in time', 'stored with expiration');
  // uploadUrl() without a path signs "" as the path: the destination comes
  // from the part's filename.
  const ulNoPath = await s.uploadUrl();
  eq(new URL(ulNoPath).searchParams.get('path'), null, 'no path param');
  const byName = path.join(d, 'by-filename.txt');
  w = await postForm(ulNoPath, uploadForm('named', byName));
  eq(w.status, 200, `POST to uploadUrl() with a filename (${w.text})`);
  deepEq(JSON.parse(w.text), [wantInfo(byName)], 'uploadUrl() response');
  eq(fs.readFileSync(byName, 'utf8'), 'named', 'stored by filename');
  // The SDK's signatures stay valid while the token is unchanged; the
  // sandbox's own calls still work.
  eq(await s.files.read(up), 'in time', 'files.read after URL uploads');
})), { timeoutMs: 30000 });

sdkTest('sdk_urls_without_token', async ({ a, s, d }) => {
  // No token set and none known to the SDK: plain URLs, open access.
  const p = path.join(d, 'open.txt');
  fs.writeFileSync(p, 'open');
  const u = await s.downloadUrl(p);
  eq(new URL(u).searchParams.get('signature'), null, 'no signature');
  eq(new URL(u).origin, a.url, 'URL points at the agent');
  await rejectsAs(s.downloadUrl(p, { useSignatureExpiration: 10 }),
      InvalidArgumentError, 'expiration without a token (SDK-side check)');
  const r = await rawGet(u);
  eq(r.status, 200, 'GET an unsigned URL without a token');
  eq(r.body.toString(), 'open', 'body');
  const up = path.join(d, 'open-up.txt');
  const w = await postForm(await s.uploadUrl(up), uploadForm('posted'));
  eq(w.status, 200, `POST an unsigned upload URL (${w.text})`);
  eq(fs.readFileSync(up, 'utf8'), 'posted', 'stored through unsigned URL');
});

// --------------------------------------------------------------- users

// The uid of TEST_USER, made if absent (root only).
function testUid() {
  if (!IS_ROOT) throw new Skip('needs root (useradd and chown)');
  ensureUser(TEST_USER);
  return Number(fs.readFileSync('/etc/passwd', 'utf8').split('\n')
      .map((l) => l.split(':')).find((f) => f[0] === TEST_USER)[2]);
}

test('sdk_write_as_user', () => {
  const uid = testUid();
  return withAgent((a) => withTempDir(async (d) => {
    const s = await sandbox(a);
    fs.chmodSync(d, 0o755);
    // Absolute path, multipart.
    const p = path.join(d, 'mine.txt');
    deepEq(info(await s.files.write(p, 'mine', { user: TEST_USER })),
        wantInfo(p), 'WriteInfo as user');
    let st = fs.statSync(p);
    eq(st.uid, uid, `owner uid of ${p} (${ownerOf(st)})`);
    eq(fs.readFileSync(p, 'utf8'), 'mine', 'content as user');
    // New parent dirs belong to the user; the existing one keeps root.
    const q = path.join(d, 'nd', 'deeper', 'f.bin');
    await s.files.write(q, streamOf([Buffer.from('streamed')]),
        { user: TEST_USER });
    for (const x of [q, path.join(d, 'nd'), path.join(d, 'nd', 'deeper')]) {
      st = fs.statSync(x);
      eq(st.uid, uid, `owner uid of ${x} (${ownerOf(st)})`);
    }
    eq(fs.statSync(d).uid, 0, 'pre-existing parent keeps its owner');
    eq(fs.readFileSync(q, 'utf8'), 'streamed', 'stream content as user');
    // gzip as the user.
    const g = path.join(d, 'gz.txt');
    await s.files.write(g, 'gz', { user: TEST_USER, gzip: true });
    eq(fs.statSync(g).uid, uid, 'owner of a gzip upload');
    // Several files as the user.
    const many = [path.join(d, 'm', 'a'), path.join(d, 'm', 'b')];
    await s.files.write(many.map((x) => ({ path: x, data: x })),
        { user: TEST_USER });
    for (const x of many) eq(fs.statSync(x).uid, uid, `owner of ${x}`);
    // Relative paths resolve to the user's home.
    const home = `/home/${TEST_USER}`;
    const rel = `envd-files-sdk-${process.pid}/r.txt`;
    try {
      const w = await s.files.write(rel, 'at home', { user: TEST_USER });
      deepEq(info(w), wantInfo(path.join(home, rel)), 'WriteInfo relative');
      eq(fs.statSync(path.join(home, rel)).uid, uid, 'owner at home');
      eq(fs.statSync(path.join(home, path.dirname(rel))).uid, uid,
          'owner of the new dir at home');
      eq(await s.files.read(rel, { user: TEST_USER }), 'at home',
          'read relative as user');
    } finally {
      fs.rmSync(path.join(home, path.dirname(rel)),
          { recursive: true, force: true });
    }
    // An unknown user: 401 -> AuthenticationError.
    await rejectsAs(s.files.write(path.join(d, 'x'), 'x',
        { user: 'no-such-user-envd' }), AuthenticationError,
    'write as an unknown user');
    await rejectsAs(s.files.read(p, { user: 'no-such-user-envd' }),
        AuthenticationError, 'read as an unknown user');
  }));
});

// SPEC 3.6 step 2 (GO's processFile: os.Chown(path, uid, gid) before the
// O_TRUNC open; RS the same): an existing file is chowned to the uploading
// user; O_TRUNC keeps its mode.
// This agent replaces a file by renaming a complete temporary file over it
// and keeps the old file's owner and mode (README: "Choices"), where the Go
// agent chowned the target to the uploader before truncating it in place.
test('sdk_overwrite_as_user_keeps_owner_and_mode', () => {
  testUid();
  return withAgent((a) => withTempDir(async (d) => {
    const s = await sandbox(a);
    fs.chmodSync(d, 0o755);
    for (const [name, opts] of [['mp.txt', {}],
      ['oct.txt', { useOctetStream: true }]]) {
      const r = path.join(d, name);
      fs.writeFileSync(r, 'root');
      fs.chmodSync(r, 0o600);
      await s.files.write(r, 'user now', { user: TEST_USER, ...opts });
      eq(fs.readFileSync(r, 'utf8'), 'user now', `content of ${name}`);
      const st = fs.statSync(r);
      eq(st.mode & 0o7777, 0o600, `mode of ${name} kept`);
      eq(st.uid, 0, `owner of ${name} kept after overwrite as ` +
          `${TEST_USER} (${ownerOf(st)})`);
    }
  }));
});

await run();
