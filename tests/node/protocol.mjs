// protocol.mjs: the Connect wire format of envd, checked byte by byte with
// node's own http client (no Connect library): SPEC.md 5.3-5.5 and cases
// B24, B25, B26, H05, H06, H07 of CASES.md, on the filesystem service.
//
//     ENVD_BIN=build/envd node tests/node/protocol.mjs [test names]

import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';

import { create, fromBinary, toBinary } from '@bufbuild/protobuf';

import {
  Pull, check, deepEq, eq, httpGet, needRoot, protoRegistry, run, show, sleep,
  test, withAgent, withTempDir, within,
} from './lib.mjs';

const reg = protoRegistry();
const msg = (name) => reg.getMessage(name);
const FS = '/filesystem.Filesystem';
const JSON_H = { 'Content-Type': 'application/json',
  'Connect-Protocol-Version': '1' };
const PROTO_H = { 'Content-Type': 'application/proto',
  'Connect-Protocol-Version': '1' };
const SJSON_H = { 'Content-Type': 'application/connect+json',
  'Connect-Protocol-Version': '1' };
const SPROTO_H = { 'Content-Type': 'application/connect+proto',
  'Connect-Protocol-Version': '1' };

// --------------------------------------------------------------- client

// One request on a fresh connection (or on opts.agent); resolves
// {status, headers, body, socketReused}.  Bodies are not decoded.
function call(port, p, { method = 'POST', headers = {}, body, agent = false,
  timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    let data = body;
    if (data !== undefined && !Buffer.isBuffer(data)) {
      data = Buffer.from(typeof data === 'string' ? data : JSON.stringify(data));
    }
    const h = { ...headers };
    if (data !== undefined) h['Content-Length'] = data.length;
    const req = http.request({ host: '127.0.0.1', port, path: p, method,
      headers: h, agent, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (x) => chunks.push(x));
      res.on('end', () => resolve({ status: res.statusCode,
        headers: res.headers, body: Buffer.concat(chunks),
        socketReused: req.reusedSocket }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}

const unary = (port, method, body, headers = {}) => call(port, `${FS}/${method}`,
    { headers: { ...JSON_H, ...headers }, body });

function jsonBody(r, what) {
  try {
    return JSON.parse(r.body.toString());
  } catch {
    throw new Error(`${what}: body is not JSON: ${show(r.body.toString())}`);
  }
}

// A Connect error: the status, application/json, {"code": code, "message"}.
function checkError(r, status, code, what) {
  eq(r.status, status, `${what}: status (body ${r.body.toString()})`);
  check(/^application\/json/.test(r.headers['content-type'] || ''),
      `${what}: Content-Type ${r.headers['content-type']}`);
  const j = jsonBody(r, what);
  eq(j.code, code, `${what}: code`);
  check(typeof j.message === 'string', `${what}: message ${show(j.message)}`);
  return j;
}

function envelope(payload, flags = 0) {
  const p = Buffer.isBuffer(payload) ? payload
    : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const h = Buffer.alloc(5);
  h[0] = flags;
  h.writeUInt32BE(p.length, 1);
  return Buffer.concat([h, p]);
}

// A streaming call: resolves once the response head is in, with
// {status, headers, pull (a Pull of {flags, payload, at}), ended(),
// endedAt, close()}.  Envelopes are parsed as the chunks arrive.
function openStream(port, p, { headers = {}, body, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const h = { ...headers, 'Content-Length': body.length };
    const req = http.request({ host: '127.0.0.1', port, path: p,
      method: 'POST', headers: h, agent: false }, (res) => {
      const queue = [];
      const waiters = [];
      let buf = Buffer.alloc(0);
      let done = false;
      let failure = null;
      const st = { status: res.statusCode, headers: res.headers,
        endedAt: null, ended: () => done, chunks: 0,
        close: () => req.destroy() };
      const wake = () => {
        while (waiters.length && (queue.length || done)) {
          const w = waiters.shift();
          if (queue.length) w.resolve({ done: false, value: queue.shift() });
          else if (failure) w.reject(failure);
          else w.resolve({ done: true, value: undefined });
        }
      };
      res.on('data', (x) => {
        st.chunks++;
        buf = Buffer.concat([buf, x]);
        while (buf.length >= 5 && buf.length >= 5 + buf.readUInt32BE(1)) {
          const n = buf.readUInt32BE(1);
          queue.push({ flags: buf[0], payload: buf.subarray(5, 5 + n),
            at: Date.now() });
          buf = buf.subarray(5 + n);
        }
        wake();
      });
      res.on('end', () => {
        done = true;
        st.endedAt = Date.now();
        if (buf.length) failure = new Error(`${buf.length} stray bytes at the end`);
        wake();
      });
      res.on('error', (e) => {
        done = true;
        failure = e;
        wake();
      });
      st.pull = new Pull({ [Symbol.asyncIterator]: () => ({
        next: () => new Promise((resolve2, reject2) => {
          waiters.push({ resolve: resolve2, reject: reject2 });
          wake();
        }),
      }) });
      resolve(st);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('no response head')));
    req.on('error', reject);
    req.end(body);
  });
}

// Every envelope until the end of the body.
async function drain(st, ms, what = 'the end of the stream') {
  const all = [];
  const end = Date.now() + ms;
  for (;;) {
    const r = await st.pull.next(Math.max(1, end - Date.now()), what);
    if (r.done) return all;
    all.push(r.value);
  }
}

const parse = (e) => JSON.parse(e.payload.toString());

// The last envelope must be the only end-stream one; returns its JSON.
function checkEnd(envs, what) {
  check(envs.length > 0, `${what}: no envelope at all`);
  const last = envs[envs.length - 1];
  eq(last.flags, 0x02, `${what}: flags of the last envelope`);
  for (const e of envs.slice(0, -1)) {
    eq(e.flags, 0x00, `${what}: flags of a message envelope`);
  }
  try {
    return parse(last);
  } catch {
    throw new Error(`${what}: end-stream payload is not JSON: ` +
        `${show(last.payload.toString())}`);
  }
}

function checkStreamHead(st, ctype, what) {
  eq(st.status, 200, `${what}: status`);
  eq(st.headers['content-type'], ctype, `${what}: Content-Type`);
  eq(st.headers['content-length'], undefined, `${what}: Content-Length`);
  eq(st.headers['transfer-encoding'], 'chunked', `${what}: Transfer-Encoding`);
}

async function healthy(a, what) {
  const r = await httpGet(a.port, '/health', 2000);
  check(r.status >= 200 && r.status < 300,
      `${what}: /health answered ${r.status}`);
}

const agentTest = (name, fn, opts) => test(name,
    () => withAgent((a) => withTempDir((d) => fn(a, d))), opts);

// ---------------------------------------------------------------- unary

agentTest('unary_success_json', async (a, d) => {
  fs.writeFileSync(path.join(d, 'f'), 'abc');
  const r = await unary(a.port, 'Stat', { path: path.join(d, 'f') });
  eq(r.status, 200, `status (${r.body})`);
  check(/^application\/json/.test(r.headers['content-type']),
      `Content-Type ${r.headers['content-type']}`);
  const j = jsonBody(r, 'Stat');
  eq(j.entry.name, 'f', 'entry.name');
  eq(j.entry.type, 'FILE_TYPE_FILE', 'entry.type (enum name)');
  eq(j.entry.size, '3', 'entry.size (int64 as a JSON string)');
  eq(j.entry.mode, fs.statSync(path.join(d, 'f')).mode & 0o777,
      'entry.mode (a JSON number)');
  check(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(j.entry.modifiedTime),
      `modifiedTime as RFC 3339 UTC: ${j.entry.modifiedTime}`);
  eq(j.entry.symlinkTarget, undefined, 'symlinkTarget left out');
});

agentTest('unary_not_found_json_error', async (a, d) => {
  const r = await unary(a.port, 'Stat', { path: path.join(d, 'nope') });
  const j = checkError(r, 404, 'not_found', 'Stat of a missing path');
  check(j.message.length > 0, 'empty message');
});

// The status of each code (SPEC 5.3), from calls that fail for real.
agentTest('unary_error_statuses', async (a, d) => {
  fs.writeFileSync(path.join(d, 'f'), 'x');
  checkError(await unary(a.port, 'MakeDir', { path: d }), 409,
      'already_exists', 'MakeDir of an existing dir');
  checkError(await unary(a.port, 'MakeDir', { path: path.join(d, 'f') }), 400,
      'invalid_argument', 'MakeDir on a file');
  checkError(await unary(a.port, 'ListDir', { path: path.join(d, 'f') }), 400,
      'invalid_argument', 'ListDir of a file');
  checkError(await unary(a.port, 'Move', { source: path.join(d, 'nope'),
    destination: path.join(d, 'x') }), 404, 'not_found', 'Move of a missing source');
  checkError(await unary(a.port, 'GetWatcherEvents', { watcherId: 'nope' }),
      404, 'not_found', 'GetWatcherEvents of an unknown id');
  checkError(await unary(a.port, 'Stat', { path: '/' }, {
    Authorization: `Basic ${Buffer.from('no-such-user-envd:').toString('base64')}` }),
  401, 'unauthenticated', 'Stat as an unknown user');
  const ok = await unary(a.port, 'Remove', { path: path.join(d, 'nope') });
  eq(ok.status, 200, 'Remove of a missing path');
  deepEq(jsonBody(ok, 'Remove'), {}, 'Remove response');
});

// Errors are JSON even when the call used the binary codec.
agentTest('unary_error_under_proto_codec', async (a, d) => {
  const req = toBinary(msg('filesystem.StatRequest'),
      create(msg('filesystem.StatRequest'), { path: path.join(d, 'nope') }));
  const r = await call(a.port, `${FS}/Stat`, { headers: PROTO_H, body: Buffer.from(req) });
  checkError(r, 404, 'not_found', 'Stat of a missing path, application/proto');
});

agentTest('unary_success_proto', async (a, d) => {
  const req = toBinary(msg('filesystem.StatRequest'),
      create(msg('filesystem.StatRequest'), { path: d }));
  const r = await call(a.port, `${FS}/Stat`, { headers: PROTO_H, body: Buffer.from(req) });
  eq(r.status, 200, 'status');
  eq(r.headers['content-type'], 'application/proto', 'Content-Type');
  const m = fromBinary(msg('filesystem.StatResponse'), r.body);
  eq(m.entry.path, d, 'entry.path');
});

// B25 (b)
agentTest('unknown_method_404_unimplemented', async (a) => {
  let r = await call(a.port, `${FS}/NoSuchMethod`, { headers: JSON_H,
    body: '{}' });
  checkError(r, 404, 'unimplemented', 'POST of an unknown method');
  r = await call(a.port, '/nope.Nope/Stat', { headers: JSON_H, body: '{}' });
  eq(r.status, 404, 'POST to an unknown service');
});

// B25 (c)
agentTest('unknown_content_type_415', async (a) => {
  for (const ct of ['text/plain', 'application/xml', 'application/grpc-webx']) {
    const r = await call(a.port, `${FS}/Stat`, { headers: {
      'Content-Type': ct }, body: '{"path":"/"}' });
    eq(r.status, 415, `status for Content-Type ${ct} (${r.body})`);
  }
  const r = await call(a.port, `${FS}/Stat`, { headers: {}, body: '{}' });
  eq(r.status, 415, 'status with no Content-Type');
});

agentTest('unknown_content_type_accept_post', async (a) => {
  const r = await call(a.port, `${FS}/Stat`, { headers: {
    'Content-Type': 'text/plain' }, body: '{}' });
  eq(r.status, 415, 'status');
  const ap = r.headers['accept-post'] || '';
  check(ap.includes('application/json') && ap.includes('application/proto'),
      `Accept-Post lists the codecs: ${show(ap)}`);
});

// B25 (d)
agentTest('get_on_rpc_405', async (a) => {
  const r = await call(a.port, `${FS}/Stat`, { method: 'GET' });
  eq(r.status, 405, 'status of GET');
  check(/\bPOST\b/.test(r.headers.allow || ''), `Allow: ${r.headers.allow}`);
});

// B25 (g)
agentTest('charset_parameter_accepted', async (a, d) => {
  for (const ct of ['application/json; charset=utf-8',
    'application/json;charset=UTF-8']) {
    const r = await call(a.port, `${FS}/Stat`, { headers: {
      'Content-Type': ct, 'Connect-Protocol-Version': '1' }, body: { path: d } });
    eq(r.status, 200, `status for ${ct} (${r.body})`);
    eq(jsonBody(r, ct).entry.path, d, `entry.path for ${ct}`);
  }
});

// B25 (h), H06 (d)
agentTest('unknown_json_fields_and_proto_names', async (a, d) => {
  let r = await unary(a.port, 'Stat', { path: d, zzz: 1,
    obj: { a: [1, { b: null }], c: 'x' }, list: [true, false], n: null });
  eq(r.status, 200, `unknown fields (${r.body})`);
  eq(jsonBody(r, 'Stat').entry.path, d, 'entry.path');
  r = await unary(a.port, 'CreateWatcher', { path: d });
  eq(r.status, 200, `CreateWatcher (${r.body})`);
  const id = jsonBody(r, 'CreateWatcher').watcherId;
  r = await unary(a.port, 'GetWatcherEvents', { watcher_id: id });
  eq(r.status, 200, `GetWatcherEvents with watcher_id (${r.body})`);
  r = await unary(a.port, 'RemoveWatcher', { watcherId: id });
  eq(r.status, 200, 'RemoveWatcher');
});

// An empty message: {} in JSON, zero bytes in proto (H06 b).
agentTest('empty_request_messages', async (a) => {
  const home = fs.readFileSync('/etc/passwd', 'utf8').split('\n')
      .find((l) => l.startsWith('root:')).split(':')[5];
  let r = await unary(a.port, 'Stat', '{}');
  eq(r.status, 200, `Stat {} (${r.body})`);
  eq(jsonBody(r, 'Stat').entry.path, home, 'empty path is the home');
  r = await call(a.port, `${FS}/Stat`, { headers: PROTO_H, body: Buffer.alloc(0) });
  eq(r.status, 200, `Stat with an empty proto body (${r.body})`);
  eq(fromBinary(msg('filesystem.StatResponse'), r.body).entry.path, home,
      'entry.path');
});

// B25 (e)
agentTest('malformed_json_invalid_argument', async (a) => {
  for (const body of ['{"path":', 'not json', '[1,2]', '{"path":5}',
    '{"path":"a"}{}', '\u0000']) {
    const r = await unary(a.port, 'Stat', body);
    checkError(r, 400, 'invalid_argument', `Stat with body ${show(body)}`);
  }
  const r = await call(a.port, `${FS}/Stat`, { headers: PROTO_H,
    body: Buffer.from([0x0a, 0x10, 0x41]) });	// length past the end
  checkError(r, 400, 'invalid_argument', 'Stat with truncated proto');
  await healthy(a, 'after malformed requests');
});

// H07: request compression.
agentTest('gzip_request_body', async (a, d) => {
  const body = zlib.gzipSync(Buffer.from(JSON.stringify({ path: d })));
  let r = await unary(a.port, 'Stat', body, { 'Content-Encoding': 'gzip' });
  eq(r.status, 200, `gzip request (${r.body})`);
  eq(jsonBody(r, 'Stat').entry.path, d, 'entry.path');
  r = await unary(a.port, 'Stat', { path: d }, { 'Content-Encoding': 'identity' });
  eq(r.status, 200, `identity request (${r.body})`);
  r = await unary(a.port, 'Stat', { path: d }, { 'Content-Encoding': 'zstd' });
  checkError(r, 501, 'unimplemented', 'zstd request');
  r = await unary(a.port, 'Stat', Buffer.from('not gzip at all'),
      { 'Content-Encoding': 'gzip' });
  check(r.status >= 400, `bad gzip body answered ${r.status}`);
  await healthy(a, 'after a bad gzip body');
});

// H07: response compression only when offered; when used it inflates.
agentTest('gzip_response', async (a, d) => {
  for (let i = 0; i < 60; i++) fs.writeFileSync(path.join(d, `file-${i}.txt`), 'x');
  const plain = await unary(a.port, 'ListDir', { path: d });
  eq(plain.status, 200, 'ListDir');
  eq(plain.headers['content-encoding'], undefined,
      'Content-Encoding when the client offered none');
  const want = jsonBody(plain, 'ListDir');
  eq(want.entries.length, 60, 'entries');
  const r = await unary(a.port, 'ListDir', { path: d },
      { 'Accept-Encoding': 'gzip' });
  eq(r.status, 200, 'ListDir with Accept-Encoding: gzip');
  let body = r.body;
  const ce = r.headers['content-encoding'];
  check(ce === undefined || ce === 'gzip', `Content-Encoding ${ce}`);
  if (ce === 'gzip') body = zlib.gunzipSync(body);
  deepEq(JSON.parse(body.toString()), want, 'the inflated response');
  check(ce === 'gzip' || body.length < 1024,
      `a ${body.length}-byte response was not compressed though offered`);
});

// H07: protocol version and timeout headers on unary calls.
agentTest('connect_headers_unary', async (a, d) => {
  let r = await call(a.port, `${FS}/Stat`, { headers: {
    'Content-Type': 'application/json' }, body: { path: d } });
  eq(r.status, 200, `no Connect-Protocol-Version (${r.body})`);
  r = await unary(a.port, 'Stat', { path: d }, { 'Connect-Protocol-Version': '2' });
  checkError(r, 400, 'invalid_argument', 'Connect-Protocol-Version: 2');
  r = await unary(a.port, 'Stat', { path: d }, { 'Connect-Timeout-Ms': '1500' });
  eq(r.status, 200, 'Connect-Timeout-Ms: 1500');
  for (const t of ['abc', '12345678901', '1.5']) {
    r = await unary(a.port, 'Stat', { path: d }, { 'Connect-Timeout-Ms': t });
    checkError(r, 400, 'invalid_argument', `Connect-Timeout-Ms: ${t}`);
  }
});

// Errors do not cost the connection: keep-alive goes on after them.
agentTest('keepalive_across_errors', async (a, d) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const o = (body) => ({ headers: JSON_H, body, agent });
    let r = await call(a.port, `${FS}/Stat`, o({ path: path.join(d, 'nope') }));
    eq(r.status, 404, 'first call');
    r = await call(a.port, `${FS}/Stat`, o({ path: d }));
    eq(r.status, 200, 'second call');
    check(r.socketReused, 'second call on a new connection');
    r = await call(a.port, `${FS}/NoSuchMethod`, o({}));
    eq(r.status, 404, 'third call');
    r = await call(a.port, `${FS}/Stat`, o({ path: d }));
    eq(r.status, 200, 'fourth call');
    check(r.socketReused, 'fourth call on a new connection');
  } finally {
    agent.destroy();
  }
});

// ------------------------------------------------------------ streaming

const watchJson = (a, p, headers = {}) => openStream(a.port, `${FS}/WatchDir`,
    { headers: { ...SJSON_H, ...headers }, body: envelope({ path: p }) });

function watchProto(a, req, headers = {}) {
  const m = msg('filesystem.WatchDirRequest');
  return openStream(a.port, `${FS}/WatchDir`, { headers: { ...SPROTO_H,
    ...headers }, body: envelope(Buffer.from(toBinary(m, create(m, req)))) });
}

// H05, B24: 200, chunked, one envelope per message, each sent at once.
agentTest('stream_json_framing_and_flush', async (a, d) => {
  const st = await watchJson(a, d, { 'Connect-Timeout-Ms': '3000' });
  try {
    checkStreamHead(st, 'application/connect+json', 'WatchDir');
    const first = await st.pull.next(2000, 'start envelope');
    check(!first.done, 'stream ended before start');
    eq(first.value.flags, 0, 'start envelope flags');
    deepEq(parse(first.value), { start: {} }, 'start envelope');
    const t0 = Date.now();
    fs.writeFileSync(path.join(d, 'f.txt'), 'x');
    const ev = await st.pull.next(1000, 'an event while the stream is open');
    check(!ev.done, 'stream ended instead of sending the event');
    check(!st.ended(), 'the stream ended before the event was read');
    eq(ev.value.flags, 0, 'event envelope flags');
    deepEq(parse(ev.value), { filesystem: { name: 'f.txt',
      type: 'EVENT_TYPE_CREATE' } }, 'first event');
    check(ev.value.at - t0 < 500, `event took ${ev.value.at - t0} ms`);
  } finally {
    st.close();
  }
});

// The deadline from Connect-Timeout-Ms ends the stream (H07, B24).
agentTest('stream_deadline_exceeded', async (a, d) => {
  const t0 = Date.now();
  const st = await watchJson(a, d, { 'Connect-Timeout-Ms': '1500' });
  checkStreamHead(st, 'application/connect+json', 'WatchDir');
  const envs = await drain(st, 3000);
  const took = st.endedAt - t0;
  check(took >= 1300 && took <= 2500, `stream ended after ${took} ms`);
  deepEq(parse(envs[0]), { start: {} }, 'first envelope');
  const end = checkEnd(envs, 'WatchDir');
  eq(end.error && end.error.code, 'deadline_exceeded', `end-stream ${show(end)}`);
  await healthy(a, 'after the deadline');
});

// B07, B24: an error before any message is a 200 with only the end-stream.
agentTest('stream_error_before_first_message', async (a, d) => {
  fs.writeFileSync(path.join(d, 'f'), 'x');
  const cases = [
    ['json missing', () => watchJson(a, path.join(d, 'nope')), 'not_found',
      'application/connect+json'],
    ['json file', () => watchJson(a, path.join(d, 'f')), 'invalid_argument',
      'application/connect+json'],
    ['proto missing', () => watchProto(a, { path: path.join(d, 'nope') }),
      'not_found', 'application/connect+proto'],
  ];
  for (const [what, open, code, ctype] of cases) {
    const st = await open();
    eq(st.status, 200, `${what}: status`);
    eq(st.headers['content-type'], ctype, `${what}: Content-Type`);
    const envs = await drain(st, 2000);
    eq(envs.length, 1, `${what}: envelopes ${show(envs.map((e) => e.payload.toString()))}`);
    const end = checkEnd(envs, what);
    eq(end.error && end.error.code, code, `${what}: code in ${show(end)}`);
    check(typeof end.error.message === 'string', `${what}: message`);
  }
});

// B24: binary messages, JSON end-stream.
agentTest('stream_proto_framing', async (a, d) => {
  const st = await watchProto(a, { path: d }, { 'Connect-Timeout-Ms': '1500' });
  checkStreamHead(st, 'application/connect+proto', 'WatchDir');
  const R = msg('filesystem.WatchDirResponse');
  const first = await st.pull.next(2000, 'start envelope');
  eq(first.value.flags, 0, 'flags');
  eq(fromBinary(R, first.value.payload).event.case, 'start', 'first message');
  fs.mkdirSync(path.join(d, 'newdir'));
  const ev = await st.pull.next(1000, 'event');
  const m = fromBinary(R, ev.value.payload);
  eq(m.event.case, 'filesystem', 'second message');
  eq(m.event.value.name, 'newdir', 'event name');
  eq(m.event.value.type, 1, 'event type CREATE');
  const rest = await drain(st, 3000);
  const end = checkEnd([ev.value, ...rest], 'WatchDir proto');
  eq(end.error && end.error.code, 'deadline_exceeded', `end ${show(end)}`);
});

// H06 (c): a zero-length envelope is an empty request (path "" = home,
// root's, which only root may watch).
agentTest('stream_empty_request_envelope', async (a) => {
  needRoot();
  const st = await openStream(a.port, `${FS}/WatchDir`, { headers: SPROTO_H,
    body: Buffer.from([0, 0, 0, 0, 0]) });
  try {
    eq(st.status, 200, 'status');
    const first = await st.pull.next(2000, 'first envelope');
    check(!first.done, 'no envelope');
    eq(first.value.flags, 0, `flags (payload ${first.value.payload})`);
    eq(fromBinary(msg('filesystem.WatchDirResponse'), first.value.payload)
        .event.case, 'start', 'first message');
  } finally {
    st.close();
  }
});

// B26, SPEC 5.5: keepalives on an idle stream, one per interval.
agentTest('stream_keepalive_ping_interval', async (a, d) => {
  const st = await watchJson(a, d, { 'Keepalive-Ping-Interval': '1',
    'Connect-Timeout-Ms': '4600' });
  const envs = await drain(st, 6000);
  const end = checkEnd(envs, 'WatchDir');
  eq(end.error && end.error.code, 'deadline_exceeded', `end ${show(end)}`);
  deepEq(parse(envs[0]), { start: {} }, 'first envelope');
  const ka = envs.slice(1, -1);
  check(ka.every((e) => show(parse(e)) === show({ keepalive: {} })),
      `non-keepalive messages: ${show(ka.map((e) => e.payload.toString()))}`);
  check(ka.length >= 3 && ka.length <= 5, `${ka.length} keepalives in 4.6 s`);
  for (let i = 1; i < ka.length; i++) {
    const gap = ka[i].at - ka[i - 1].at;
    check(gap >= 700 && gap <= 1600, `keepalive gap ${gap} ms`);
  }
});

// The interval restarts after an event; a bad value means the default.
agentTest('stream_keepalive_reset_and_bad_value', async (a, d) => {
  let st = await watchJson(a, d, { 'Keepalive-Ping-Interval': '1' });
  try {
    await st.pull.next(2000, 'start');
    await sleep(600);
    fs.writeFileSync(path.join(d, 'f'), 'x');
    const evs = await st.pull.collect(800);
    const kinds = evs.map((e) => Object.keys(parse(e))[0]);
    check(kinds.includes('filesystem'), `no event: ${show(kinds)}`);
    check(!kinds.includes('keepalive'),
        `keepalive within 1 s of an event: ${show(kinds)}`);
  } finally {
    st.close();
  }
  st = await watchJson(a, d, { 'Keepalive-Ping-Interval': 'abc' });
  try {
    eq(st.status, 200, 'status with a bad interval');
    const first = await st.pull.next(2000, 'start');
    deepEq(parse(first.value), { start: {} }, 'first envelope');
    const more = await st.pull.collect(1500);
    deepEq(more.map((e) => e.payload.toString()), [],
        'envelopes within 1.5 s with the default interval');
    check(!st.ended(), 'the stream ended');
  } finally {
    st.close();
  }
});

// H07: response envelopes may be gzip-compressed when offered.
agentTest('stream_accept_encoding_gzip', async (a, d) => {
  const st = await watchJson(a, d, { 'Connect-Accept-Encoding': 'gzip',
    'Connect-Timeout-Ms': '1200' });
  const envs = await drain(st, 3000);
  const enc = st.headers['connect-content-encoding'];
  for (const e of envs) {
    if (e.flags & 0x01) {
      eq(enc, 'gzip', 'Connect-Content-Encoding of a compressed stream');
      e.payload = zlib.gunzipSync(e.payload);
      e.flags &= ~0x01;
    }
  }
  deepEq(parse(envs[0]), { start: {} }, 'first envelope');
  const end = checkEnd(envs, 'WatchDir gzip');
  eq(end.error && end.error.code, 'deadline_exceeded', 'end');
});

agentTest('stream_gzip_request_envelope', async (a, d) => {
  const st = await openStream(a.port, `${FS}/WatchDir`, { headers: { ...SJSON_H,
    'Connect-Content-Encoding': 'gzip', 'Connect-Timeout-Ms': '800' },
  body: envelope(zlib.gzipSync(JSON.stringify({ path: d })), 0x01) });
  const envs = await drain(st, 3000);
  deepEq(parse(envs[0]), { start: {} }, 'first envelope');
  eq(checkEnd(envs, 'WatchDir').error.code, 'deadline_exceeded', 'end');
});

// B24, H07: malformed requests end in an error, never a hang or a crash.
agentTest('stream_malformed_requests', async (a, d) => {
  const bad = [
    ['bare JSON, no envelope', Buffer.from(JSON.stringify({ path: d }))],
    ['bad JSON', envelope('{"path":')],
    ['truncated envelope', Buffer.concat([envelope('{"path":"/tmp"}').subarray(0, 5),
      Buffer.from('{"pa')])],
    ['compressed bit, no encoding', envelope({ path: d }, 0x01)],
    ['empty body', Buffer.alloc(0)],
  ];
  for (const [what, body] of bad) {
    const st = await openStream(a.port, `${FS}/WatchDir`, {
      headers: { ...SJSON_H, 'Connect-Timeout-Ms': '10000' }, body });
    if (st.status !== 200) {
      check(st.status >= 400 && st.status < 500, `${what}: status ${st.status}`);
      st.close();
      continue;
    }
    const envs = await within(drain(st, 3000), 3500, what);
    const end = checkEnd(envs, what);
    check(end.error && ['invalid_argument', 'internal', 'unimplemented']
        .includes(end.error.code), `${what}: end-stream ${show(end)}`);
    if (what === 'bad JSON' || what === 'bare JSON, no envelope') {
      eq(end.error.code, 'invalid_argument', `${what}: code`);
    }
  }
  await healthy(a, 'after malformed streams');
});

// B24: a bad timeout value on a stream is an end-stream error under 200.
agentTest('stream_bad_timeout_header', async (a, d) => {
  for (const t of ['abc', '12345678901']) {
    const st = await watchJson(a, d, { 'Connect-Timeout-Ms': t });
    eq(st.status, 200, `status for ${t}`);
    const envs = await drain(st, 2000);
    eq(envs.length, 1, `envelopes for ${t}`);
    eq(checkEnd(envs, t).error.code, 'invalid_argument', `code for ${t}`);
  }
});

// A client that goes away mid-stream costs the agent nothing.
agentTest('stream_client_disconnect', async (a, d) => {
  for (let i = 0; i < 20; i++) {
    const st = await watchJson(a, d, { 'Keepalive-Ping-Interval': '1' });
    await st.pull.next(2000, 'start');
    st.close();
  }
  fs.writeFileSync(path.join(d, 'after'), 'x');
  await sleep(200);
  await healthy(a, 'after 20 abandoned streams');
  const st = await watchJson(a, d, { 'Connect-Timeout-Ms': '500' });
  const envs = await drain(st, 2000);
  eq(checkEnd(envs, 'a new stream').error.code, 'deadline_exceeded', 'end');
});

// A raw socket that sends half a request head and goes away.
agentTest('half_request_then_close', async (a) => {
  await new Promise((resolve) => {
    const s = net.connect(a.port, '127.0.0.1', () => {
      s.end(`POST ${FS}/WatchDir HTTP/1.1\r\nHost: x\r\nContent-Type: ` +
          'application/connect+json\r\nContent-Length: 100\r\n\r\n\x00\x00');
      setTimeout(() => { s.destroy(); resolve(); }, 100);
    });
    s.on('error', resolve);
  });
  await healthy(a, 'after a cut request');
});

await run();
