// gen_precedence.js - writes tests/unit/test_hcl_precedence.tsv: random
// operator expressions and their tree as parsed by HashiCorp's HCL parser
// (@cdktf/hcl2json, WebAssembly), in the S-expression notation of
// tests/unit/hcl_sexpr.h.  test_hcl_parser checks stk's parser against it.
// Usage: node gen_precedence.js [COUNT] [SEED]
'use strict';
const fs = require('fs');
const path = require('path');
const h = require('@cdktf/hcl2json');

const count = Number(process.argv[2] || 300);
let seed = Number(process.argv[3] || 20261126);
// mulberry32: a small deterministic generator
const rnd = (n) => {
  seed = (seed + 0x6D2B79F5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (((t ^ (t >>> 14)) >>> 0) % n);
};
const binops = ['||', '&&', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%'];
const opname = { logicalOr: '||', logicalAnd: '&&', equal: '==', notEqual: '!=', lessThan: '<',
  lessThanOrEqual: '<=', greaterThan: '>', greaterThanOrEqual: '>=', add: '+', subtract: '-',
  multiply: '*', divide: '/', modulo: '%' };

function gen(depth) {
  const k = depth > 3 ? 0 : rnd(10);
  if (k < 3) return 'abcdefgh'[rnd(8)];
  if (k < 7) return `${gen(depth + 1)} ${binops[rnd(binops.length)]} ${gen(depth + 1)}`;
  if (k === 7) return (rnd(2) ? '!' : '-') + gen(depth + 3);
  if (k === 8) return `(${gen(depth + 1)})`;
  return `${gen(depth + 1)} ? ${gen(depth + 1)} : ${gen(depth + 1)}`;
}

function sexpr(n) {
  const c = (n.children || []).map(sexpr);
  switch (n.type) {
    case 'scopeTraversal': return n.meta.value;
    case 'binaryOp': return `(${opname[n.meta.operator]} ${c[0]} ${c[1]})`;
    case 'unaryOp': return `(${n.meta.operator === 'negate' ? 'neg' : '!'} ${c[0]})`;
    case 'conditional': return `(? ${c[0]} ${c[1]} ${c[2]})`;
    case '': return `(paren ${c[0]})`;
    default: throw new Error('unexpected node ' + n.type);
  }
}

(async () => {
  const lines = [];
  const seen = new Set();
  while (lines.length < count) {
    const e = gen(0);
    if (seen.has(e) || !/[-+*\/%<>=!&|?]/.test(e)) continue;
    seen.add(e);
    const ast = await h.getExpressionAst('x.tf', e);
    lines.push(`${e}\t${sexpr(ast)}`);
  }
  const out = path.join(__dirname, '..', 'unit', 'test_hcl_precedence.tsv');
  fs.writeFileSync(out, lines.join('\n') + '\n');
  console.log(`wrote ${lines.length} expressions to ${out}`);
})();
