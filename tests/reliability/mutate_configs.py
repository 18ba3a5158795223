#!/usr/bin/env python3
"""mutate_configs.py - malformed configurations made by mutating real ones,
for tests/reliability/malformed.sh.

    mutate_configs.py --seed N --count C --examples DIR --out OUT

Each case OUT/case-NNN/ is a copy of the examples/ tree (StartTech and its
modules, envs/prod and envs/staging, which share them) with ONE file of one
working directory changed by ONE mutation.  OUT/manifest.tsv has a line per
case: case, working directory (relative to the case), mutated file
(relative to the case), mutation name.  The same seed gives the same cases.

Mutations: delete / duplicate / swap tokens, truncate the file, unbalanced
braces and brackets, bad escapes, unterminated strings, heredocs and
interpolations, wrong types, unknown references, invalid UTF-8, NUL bytes,
huge numbers, duplicate arguments, unknown arguments and blocks, deep
nesting, garbage punctuation, broken tfvars."""
import argparse
import os
import random
import re
import shutil

TOKEN = re.compile(rb'"(?:[^"\\\n]|\\.)*"|<<-?[A-Z]+|[A-Za-z_][A-Za-z0-9_-]*|[0-9]+(?:\.[0-9]+)?|==|!=|<=|>=|&&|\|\||=>|\.\.\.|\$\{|%\{|\S')


def tokens(data):
    return [m for m in TOKEN.finditer(data)]


def pick(r, lst):
    return lst[r.randrange(len(lst))]


def m_delete_token(r, d):
    t = pick(r, tokens(d))
    return d[:t.start()] + d[t.end():]


def m_duplicate_token(r, d):
    t = pick(r, tokens(d))
    return d[:t.end()] + b" " + t.group() + d[t.end():]


def m_swap_tokens(r, d):
    ts = tokens(d)
    i = r.randrange(len(ts) - 1)
    a, b = ts[i], ts[i + 1]
    if a.group() == b.group():
        return None
    return d[:a.start()] + b.group() + d[a.end():b.start()] + a.group() + d[b.end():]


def m_truncate(r, d):
    cut = r.randrange(1, max(2, len(d) - 1))
    # cut inside a block or an expression (a cut after a complete block may stay valid)
    return d[:cut]


def m_open_brace(r, d):
    lines = d.split(b"\n")
    i = r.randrange(len(lines))
    lines.insert(i, pick(r, [b"{", b"resource \"aws_vpc\" \"x\" {", b"  tags = {", b"  list = ["]))
    return b"\n".join(lines)


def m_close_brace(r, d):
    lines = d.split(b"\n")
    i = r.randrange(len(lines))
    lines.insert(i, pick(r, [b"}", b"]", b")", b"}}"]))
    return b"\n".join(lines)


def strings(d):
    return [t for t in tokens(d) if t.group().startswith(b'"') and len(t.group()) >= 2]


def m_bad_escape(r, d):
    ss = strings(d)
    if not ss:
        return None
    t = pick(r, ss)
    esc = pick(r, [b"\\q", b"\\u12", b"\\uD800", b"\\U0011FFFF", b"\\x41", b"\\"])
    body = t.group()
    pos = r.randrange(1, len(body))
    return d[:t.start()] + body[:pos] + esc + body[pos:] + d[t.end():]


def m_unterminated_string(r, d):
    ss = strings(d)
    if not ss:
        return None
    t = pick(r, ss)
    return d[:t.end() - 1] + d[t.end():]


def m_unterminated_interp(r, d):
    ss = strings(d)
    if not ss:
        return None
    t = pick(r, ss)
    return d[:t.start() + 1] + pick(r, [b"${", b"${var.", b"%{ if ", b"${(", b"${\"", b"%{for x in"]) + d[t.start() + 1:]


def m_heredoc(r, d):
    lines = d.split(b"\n")
    i = r.randrange(len(lines))
    lines.insert(i, pick(r, [b"  x = <<EOT\nno end", b"  x = <<-EOT\n  text\n  EOX", b"  x = <<\nEOT"]))
    return b"\n".join(lines)


def m_wrong_type(r, d):
    cands = [m for m in re.finditer(rb'^(\s*[a-z_]+\s*=\s*)("[^"\n]*"|[0-9]+|true|false|\[[^\n]*\])\s*$', d, re.M)]
    if not cands:
        return None
    m = pick(r, cands)
    new = pick(r, [b'{ nested = { deeper = true } }', b'["a", ["b"]]', b'{}', b'"not-a-number"', b'true',
                   b'[1, 2, 3]', b'null', b'-1'])
    if new == m.group(2):
        return None
    return d[:m.start(2)] + new + d[m.end(2):]


def m_unknown_reference(r, d):
    refs = [m for m in re.finditer(rb'\b(var|local|module|data|aws_[a-z_]+)\.([a-z_][a-z0-9_]*)', d)]
    if not refs:
        return None
    m = pick(r, refs)
    return d[:m.start(2)] + b"no_such_" + m.group(2) + d[m.end(2):]


def m_unknown_function(r, d):
    cands = [m for m in re.finditer(rb'=\s*([a-z]+)\(', d)]
    if not cands:
        return None
    m = pick(r, cands)
    return d[:m.start(1)] + b"nosuchfn" + d[m.end(1):]


def m_invalid_utf8(r, d):
    pos = r.randrange(len(d))
    return d[:pos] + pick(r, [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf0\x28\x8c\x28", b"\x80\x80"]) + d[pos:]


def m_nul(r, d):
    pos = r.randrange(len(d))
    return d[:pos] + b"\x00" + d[pos:]


def m_huge_number(r, d):
    nums = [t for t in tokens(d) if re.fullmatch(rb'[0-9]+(\.[0-9]+)?', t.group())]
    new = pick(r, [b"1e999999", b"99999999999999999999999999999999999999", b"-1e400", b"0x", b"1.2.3", b"1e",
                   b"18446744073709551616"])
    if not nums:
        m = re.search(rb'=\s*', d)
        return d[:m.end()] + new + b" + " + d[m.end():] if m else None
    t = pick(r, nums)
    return d[:t.start()] + new + d[t.end():]


def m_duplicate_argument(r, d):
    lines = d.split(b"\n")
    idx = [i for i, l in enumerate(lines) if re.match(rb'^\s+[a-z_]+\s*=\s*[^{\[(<]*$', l)]
    if not idx:
        return None
    i = pick(r, idx)
    lines.insert(i + 1, lines[i])
    return b"\n".join(lines)


def m_unknown_argument(r, d):
    m = [m for m in re.finditer(rb'^(resource|data|module|variable|output) [^\n]*\{\n', d, re.M)]
    if not m:
        return None
    b = pick(r, m)
    ins = pick(r, [b"  no_such_argument = 1\n", b"  no_such_block {\n  }\n", b"  count = \"three\"\n",
                   b"  for_each = 42\n", b"  depends_on = [\"x\"]\n", b"  lifecycle {\n    bogus = true\n  }\n",
                   b"  provider = nope.nope\n"])
    return d[:b.end()] + ins + d[b.end():]


def m_unknown_block(r, d):
    return d + pick(r, [b'\nresourc "aws_vpc" "x" {\n}\n', b'\nresource "aws_vpc" {\n}\n',
                        b'\nresource "no_such_type" "x" {\n}\n', b'\nvariable "x" {\n  type = strng\n}\n',
                        b'\nlocals {\n  a = local.a\n}\n', b'\noutput {\n}\n', b'\nterraform {\n  required_version = "< 0.1"\n}\n',
                        b'\nmodule "m" {\n  source = "./no/such/dir"\n}\n', b'\n= 1\n', b'\n"str" {\n}\n'])


def m_deep_nesting(r, d):
    n = r.choice([300, 2000, 20000])
    m = re.search(rb'^(\s*[a-z_]+\s*=\s*)', d, re.M)
    if not m:
        return None
    kind = r.randrange(3)
    if kind == 0:
        e = b"(" * n + b"1" + b")" * (n - 1)       # unbalanced on purpose
    elif kind == 1:
        e = b"[" * n + b"]" * (n - 1)
    else:
        e = b"{a=" * n + b"1" + b"}" * (n - 1)
    line_end = d.index(b"\n", m.end()) if b"\n" in d[m.end():] else len(d)
    return d[:m.end()] + e + d[line_end:]


def m_garbage(r, d):
    pos = r.randrange(len(d))
    g = bytes(r.choice(b"!@#$%^&*()[]{}<>?/\\|`~;:'\",.=+-") for _ in range(r.randrange(1, 8)))
    return d[:pos] + g + d[pos:]


def m_tfvars(r, d):
    lines = d.split(b"\n")
    i = r.randrange(len(lines))
    lines.insert(i, pick(r, [b"no_such_variable = 1", b"aws_region = [1, 2", b"vpc_cidr = ", b"= \"x\"",
                             b"aws_region = var.other", b"aws_region = \"a\" \"b\""]))
    return b"\n".join(lines)


MUTATIONS = [m_delete_token, m_duplicate_token, m_swap_tokens, m_truncate, m_open_brace, m_close_brace,
             m_bad_escape, m_unterminated_string, m_unterminated_interp, m_heredoc, m_wrong_type,
             m_unknown_reference, m_unknown_function, m_invalid_utf8, m_nul, m_huge_number, m_duplicate_argument,
             m_unknown_argument, m_unknown_block, m_deep_nesting, m_garbage]

WORKDIRS = ["starttech", "envs/prod", "envs/staging"]


def files_of(examples, workdir):
    """the .tf files the working directory reads: its own and those of the
    local modules it calls (followed through their source paths)"""
    out, todo, seen = [], [workdir], set()
    while todo:
        d = os.path.normpath(todo.pop())
        if d in seen or not os.path.isdir(os.path.join(examples, d)):
            continue
        seen.add(d)
        for f in sorted(os.listdir(os.path.join(examples, d))):
            if not f.endswith(".tf"):
                continue
            out.append(os.path.join(d, f))
            text = open(os.path.join(examples, d, f), "rb").read()
            for m in re.finditer(rb'source\s*=\s*"(\.{1,2}/[^"]*)"', text):
                todo.append(os.path.join(d, m.group(1).decode()))
    return sorted(set(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=230)
    ap.add_argument("--examples", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    r = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    ignore = shutil.ignore_patterns(".stk", ".stk-*", "*.svg", "*.dot", "*.plan")
    with open(os.path.join(a.out, "manifest.tsv"), "w") as man:
        n = 0
        while n < a.count:
            wd = pick(r, WORKDIRS)
            if wd.startswith("envs/") and r.random() < 0.25:
                f, mut = wd + "/terraform.tfvars", m_tfvars
            else:
                f, mut = pick(r, files_of(a.examples, wd)), pick(r, MUTATIONS)
            data = open(os.path.join(a.examples, f), "rb").read()
            new = mut(r, data)
            if new is None or new == data:
                continue
            case = "case-%03d" % n
            dst = os.path.join(a.out, case)
            shutil.copytree(a.examples, dst, ignore=ignore)
            with open(os.path.join(dst, f), "wb") as fh:
                fh.write(new)
            man.write("%s\t%s\t%s\t%s\n" % (case, wd, f, mut.__name__[2:]))
            n += 1


if __name__ == "__main__":
    main()
