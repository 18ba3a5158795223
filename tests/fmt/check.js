// check.js - compares `stk fmt` with HashiCorp's formatter (hclwrite, as
// compiled to WebAssembly in @cdktf/hcl-tools) over tests/fmt/cases/*.tf:
//   1. stk fmt output == reference output, byte for byte;
//   2. formatting the canonical output again is a no-op (stk and reference);
//   3. `stk fmt -check` exits 0 on canonical text and 3 on a messy one.
// Usage: node check.js STK_BINARY [CASE...]   Prints "N passed, N failed".
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { format } = require('@cdktf/hcl-tools');

const stk = process.argv[2];
if (!stk) {
  console.error('usage: node check.js STK_BINARY [CASE...]');
  process.exit(2);
}
const casesDir = path.join(__dirname, 'cases');
let files = process.argv.slice(3);
if (files.length === 0) {
  files = fs.readdirSync(casesDir).filter((f) => f.endsWith('.tf') || f.endsWith('.tfvars')).sort()
    .map((f) => path.join(casesDir, f));
}

function stkFmt(input, extra) {
  const r = spawnSync(stk, ['fmt', ...(extra || []), '-'], { input, encoding: 'utf8' });
  return r;
}

(async () => {
  let passed = 0, failed = 0;
  for (const file of files) {
    const name = path.basename(file);
    const src = fs.readFileSync(file, 'utf8');
    const problems = [];
    let want;
    try {
      want = await format(src);
    } catch (e) {
      problems.push('reference formatter failed: ' + e);
    }
    if (want !== undefined) {
      const got = stkFmt(src);
      if (got.status !== 0) problems.push(`stk fmt exited ${got.status}: ${got.stderr.trim()}`);
      else if (got.stdout !== want) {
        const a = want.split('\n'), b = got.stdout.split('\n');
        let i = 0;
        while (i < a.length && i < b.length && a[i] === b[i]) i++;
        problems.push(`differs from reference at line ${i + 1}:\n    want: ${JSON.stringify(a[i])}\n    got:  ${JSON.stringify(b[i])}`);
      }
      const again = stkFmt(want);
      if (again.status !== 0 || again.stdout !== want) problems.push('formatting canonical text again is not a no-op');
      const ref2 = await format(want);
      if (ref2 !== want) problems.push('reference is not idempotent on this case (bad case)');
      const chk = stkFmt(want, ['-check']);
      if (chk.status !== 0) problems.push(`-check on canonical text exited ${chk.status}`);
      if (src !== want) {
        const chk2 = stkFmt(src, ['-check']);
        if (chk2.status !== 3) problems.push(`-check on messy text exited ${chk2.status}, want 3`);
      }
    }
    if (problems.length === 0) passed++;
    else {
      failed++;
      console.error(`FAIL ${name}\n  ` + problems.join('\n  '));
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
