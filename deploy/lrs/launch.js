#!/usr/bin/env node
/*
 * Start Learning Locker's xAPI statement service (npm `xapi-statements` 5.0.1) for tests and
 * local development, bound to the loopback interface only.
 *
 * Why this file exists: the package's `dist/server.js` builds its express app and calls
 * `app.listen(port, callback)` at import time, with no host, so Node binds every interface and
 * the module exports nothing we could call `listen` on ourselves. We therefore wrap
 * `http.Server.prototype.listen` before requiring it and force the host to LRS_HOST
 * (default 127.0.0.1). Any other host is refused.
 *
 * Defaults (each can be overridden by the environment):
 *   AUTH_REPO=test      accepts ANY Basic credentials (test only, never expose it)
 *   EVENTS_REPO=test    no Redis
 *   MODELS_REPO=memory  statements live in this process and vanish when it stops
 *   STORAGE_REPO=memory attachments in memory too
 *   EXPRESS_PORT=8081
 *   EXPRESS_MORGAN_DIRECTORY=<tmp>/digitoets-lrs-access-logs (the service writes access logs there)
 *
 * The service's config module calls dotenv, which reads a `.env` file in the working
 * directory; tests/support/lrs.py therefore starts this script from an empty temporary dir.
 */
'use strict';

const http = require('http');
const os = require('os');
const path = require('path');

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const host = process.env.LRS_HOST || '127.0.0.1';
if (!LOOPBACK.has(host)) {
  console.error(`launch.js: LRS_HOST must be a loopback address, got ${JSON.stringify(host)}`);
  process.exit(2);
}

const defaults = {
  AUTH_REPO: 'test',
  EVENTS_REPO: 'test',
  MODELS_REPO: 'memory',
  STORAGE_REPO: 'memory',
  EXPRESS_PORT: '8081',
  EXPRESS_MORGAN_DIRECTORY: path.join(os.tmpdir(), 'digitoets-lrs-access-logs'),
  WINSTON_CONSOLE_LEVEL: 'warn',
};
for (const [name, value] of Object.entries(defaults)) {
  if (!process.env[name]) process.env[name] = value;
}

const originalListen = http.Server.prototype.listen;
http.Server.prototype.listen = function listenOnLoopback(...args) {
  // express calls listen(port, callback); keep the port and callback, force the host.
  const callback = typeof args[args.length - 1] === 'function' ? args.pop() : undefined;
  const first = args[0];
  const port = typeof first === 'object' && first !== null ? first.port : Number(first);
  const server = originalListen.call(this, { port, host }, () => {
    const address = server.address();
    console.log(`xapi-statements listening on http://${address.address}:${address.port}/xAPI/`);
    if (callback) callback();
  });
  return server;
};

require('xapi-statements/dist/server');
