// check.js - compares `stk fmt` with HashiCorp's formatter (hclwrite, as
// compiled to WebAssembly in @cdktf/hcl-tools) over tests/fmt/cases/*.tf:
//   1. stk fmt output == reference output, byte for byte;
//   2. formatting the canonical output again is a no-op (stk and reference);
//   3. `stk fmt -check` exits 0 on canonical text and 3 on a messy one;
// then the command line itself (files, directories, flags, exit codes).
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
  // the command line: files, directories, flags, exit codes
  const os = require('os');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stkfmt-'));
  const messy = 'a=1\nbb = 2\n', clean = 'a  = 1\nbb = 2\n';
  const put = (rel, text) => {
    fs.mkdirSync(path.dirname(path.join(tmp, rel)), { recursive: true });
    fs.writeFileSync(path.join(tmp, rel), text);
  };
  const get = (rel) => fs.readFileSync(path.join(tmp, rel), 'utf8');
  const run = (args, input) => spawnSync(stk, ['fmt', ...args], { cwd: tmp, input: input || '', encoding: 'utf8' });
  const cli = [];
  const check = (name, cond, info) => cli.push([name, cond, info]);
  const reset = () => {
    fs.rmSync(tmp, { recursive: true, force: true });
    put('main.tf', messy); put('ok.tf', clean); put('vars.tfvars', messy); put('notes.txt', messy);
    put('sub/inner.tf', messy); put('.hidden/h.tf', messy);
  };
  let r;
  reset();
  r = run(['-check']);
  check('-check exits 3 and lists the files', r.status === 3 && r.stdout === 'main.tf\nvars.tfvars\n', r);
  check('-check writes nothing', get('main.tf') === messy);
  r = run(['-check', '-list=false']);
  check('-check -list=false prints nothing', r.status === 3 && r.stdout === '', r);
  r = run(['-write=false']);
  check('-write=false lists but keeps the files', r.status === 0 && r.stdout === 'main.tf\nvars.tfvars\n' && get('main.tf') === messy, r);
  r = run(['-diff', '-write=false', 'main.tf']);
  check('-diff prints a unified diff', r.status === 0 && r.stdout.includes('--- old/main.tf\n+++ new/main.tf\n@@ -1,2 +1,2 @@\n-a=1\n+a  = 1\n bb = 2\n'), r);
  r = run([]);
  check('default rewrites .tf and .tfvars in the directory', r.status === 0 && get('main.tf') === clean &&
    get('vars.tfvars') === clean && get('notes.txt') === messy && get('sub/inner.tf') === messy, r);
  r = run(['-check']);
  check('-check exits 0 once formatted', r.status === 0 && r.stdout === '', r);
  r = run(['-recursive']);
  check('-recursive descends, skipping hidden directories', r.status === 0 && r.stdout === 'sub/inner.tf\n' &&
    get('sub/inner.tf') === clean && get('.hidden/h.tf') === messy, r);
  r = run(['-'], messy);
  check('- formats stdin to stdout', r.status === 0 && r.stdout === clean, r);
  r = run(['-diff', '-'], messy);
  check('-diff - prints only the diff', r.status === 0 && r.stdout.startsWith('--- old/<stdin>\n') && !r.stdout.startsWith(clean), r);
  put('p.tf', messy);
  r = run(['-list=false', '-write=false', 'p.tf']);
  check('-list=false -write=false prints the formatted text', r.status === 0 && r.stdout === clean && get('p.tf') === messy, r);
  fs.rmSync(path.join(tmp, 'p.tf'));
  r = run(['-check', '-'], messy);
  check('-check - exits 3, prints nothing', r.status === 3 && r.stdout === '', r);
  r = run(['notes.txt']);
  check('refuses other extensions', r.status === 1 && r.stderr.includes('.tf'), r);
  r = run(['missing.tf']);
  check('missing file is an error', r.status === 1, r);
  put('bad.tf', 'a = = 1\n');
  r = run(['bad.tf']);
  check('syntax error: exit 1, diagnostic with position, file untouched', r.status === 1 &&
    r.stderr.includes('Invalid expression') && r.stderr.includes('bad.tf:1:5') && get('bad.tf') === 'a = = 1\n', r);
  r = run(['-help']);
  check('-help documents -check exit status 3', r.status === 0 && r.stdout.includes('-check') && r.stdout.includes('3'), r);
  r = run(['-bogus']);
  check('unknown option is an error', r.status === 1, r);
  fs.rmSync(tmp, { recursive: true, force: true });
  // second opinion on parsing: HashiCorp's own parser (hcl2json) must agree on
  // what is valid, and on the summary and line:col of the first error
  let hcl2json = null;
  try { hcl2json = require('@cdktf/hcl2json'); } catch (e) { console.error('SKIP parse checks: @cdktf/hcl2json not installed'); }
  if (hcl2json) {
    const pc = JSON.parse(fs.readFileSync(path.join(__dirname, 'parse_cases.json'), 'utf8'));
    const cases = [...pc.malformed, ...pc.valid];
    for (const f of files) cases.push(fs.readFileSync(f, 'utf8'));
    for (const src of cases) {
      let ref = 'valid';
      try { await hcl2json.parse('x.tf', src); } catch (e) {
        const m = String(e).match(/x\.tf:(\d+),(\d+)(?:-(?:\d+,)?\d+)?: ([^;]+);/);
        ref = m ? `${m[1]}:${m[2]} ${m[3]}` : String(e);
      }
      const r = spawnSync(stk, ['fmt', '-no-color', '-'], { input: src, encoding: 'utf8' });
      let mine = 'valid';
      if (r.status !== 0) {
        const m = (r.stderr || '').match(/Error: (.*)\n\n  on <stdin>:(\d+):(\d+)/);
        mine = m ? `${m[2]}:${m[3]} ${m[1]}` : `exit ${r.status}: ${r.stderr}`;
      }
      check(`parse ${JSON.stringify(src.slice(0, 40))}: reference says ${ref}`, ref === mine, { status: r.status, stdout: mine, stderr: ref });
    }
  }
  for (const [name, ok, info] of cli) {
    if (ok) passed++;
    else {
      failed++;
      console.error(`FAIL cli: ${name}` + (info ? `\n  status ${info.status}\n  stdout ${JSON.stringify(info.stdout)}\n  stderr ${JSON.stringify(info.stderr)}` : ''));
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
