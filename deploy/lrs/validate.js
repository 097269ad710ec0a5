#!/usr/bin/env node
/*
 * Validate xAPI statements with Learning Locker's validator (@learninglocker/xapi-validation).
 *
 * Input (stdin): a JSON array of statements (a single statement object is also accepted).
 * Output (stdout): a JSON array with one entry per statement that has problems:
 *   [{"index": 0, "id": "<statement id or null>",
 *     "errors": [{"path": "statement.result.score.scaled", "kind": "TypeWarning",
 *                 "type": "Scaled", "data": 1.5}]}]
 * Exit status: 0 when every statement is valid, 1 when at least one is not, 2 when the input
 * is not JSON.
 *
 * Used by tests/support/lrs.py; it never prints anything but the JSON result.
 */
'use strict';

const validate = require('@learninglocker/xapi-validation').default;

function describe(warning) {
  return {
    path: (warning.path || []).join('.'),
    kind: warning.name,
    type: warning.typeName || null,
    data: warning.data === undefined ? null : warning.data,
  };
}

function main(text) {
  let input;
  try {
    input = JSON.parse(text);
  } catch (error) {
    process.stderr.write(`validate.js: stdin is not JSON: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  const statements = Array.isArray(input) ? input : [input];
  const report = [];
  statements.forEach((statement, index) => {
    const warnings = validate(statement);
    if (warnings.length > 0) {
      report.push({
        index,
        id: (statement && typeof statement.id === 'string') ? statement.id : null,
        errors: warnings.map(describe),
      });
    }
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exitCode = report.length > 0 ? 1 : 0;
}

let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { buffer += chunk; });
process.stdin.on('end', () => main(buffer));
