#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""The architecture, checked (make lint).

1. The planning core is pure: none of its files includes libpq, libuv, h2o or
   cJSON, directly or through a project header. Planning runs on a worker
   thread against an immutable snapshot; I/O belongs to the thin modules
   around it (load, store, db, http, feeds, daemon, the CLIs).
2. The modules form no cycle: module X (daemon/X.c with include/X.h, or a
   header alone) depends on Y when one of X's files includes include/Y.h. A
   cycle means two rooms that cannot be understood, tested or replaced apart.
3. Every C file opens with its licence: "/* SPDX-License-Identifier: ISC */"
   (LICENSE), so that a file copied out of the tree still says under what terms.

    tools/lint.py [ROOT]        exit 0 when all hold; else each problem on stderr, exit 1
    tools/lint.py --self-test   shows that each check fails on a tree made to break it
"""
import os
import re
import sys
import tempfile

# The planning core: what runs on the worker thread, plus the pure parsers
# and renderers that tests and fuzzers drive without any I/O.
CORE = {
    "model", "text", "staffing", "shift_options", "greedy", "rule_check", "plan", "breaks", "publish",
    "roster", "roster_internal", "roster_quick", "absence",
    "recruit", "hiring", "hiring_internal", "hiring_template", "hiring_words",
    "engine", "engine_internal", "engine_model", "engine_dp", "engine_dp_prune", "engine_dp_tables",
    "engine_search", "engine_solve", "engine_rng",
    "colgen", "colgen_internal", "colgen_master", "colgen_dive", "colgen_branch",
    "nrp", "calendar", "console_parse",
}
FORBIDDEN = {
    "libpq-fe.h": "libpq",
    "uv.h": "libuv",
    "h2o.h": "h2o",
    "cJSON.h": "cJSON",
}
SPDX = "/* SPDX-License-Identifier: ISC */"
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def modules(root):
    """{module: [files]} from daemon/*.c and include/*.h."""
    mods = {}
    for sub, ext in (("daemon", ".c"), ("include", ".h")):
        d = os.path.join(root, sub)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith(ext):
                mods.setdefault(name[: -len(ext)], []).append(os.path.join(d, name))
    return mods


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return INCLUDE.findall(f.read())


def check(root):
    problems = []
    mods = modules(root)
    deps = {m: set() for m in mods}
    system = {m: set() for m in mods}
    for m, files in mods.items():
        for path in files:
            for kind, name in includes(path):
                base = os.path.basename(name)
                if kind == '"' and base.endswith(".h") and base[:-2] in mods and base[:-2] != m:
                    deps[m].add(base[:-2])
                elif kind == "<" and base in FORBIDDEN:
                    system[m].add(base)

    # 3. The licence line, first in every file.
    for m in sorted(mods):
        for path in mods[m]:
            with open(path, encoding="utf-8", errors="replace") as f:
                first = f.readline().rstrip("\n")
            if first != SPDX:
                problems.append("%s does not open with %s" % (os.path.relpath(path, root), SPDX))

    # 1. Purity, through project headers too.
    for m in sorted(CORE & set(mods)):
        seen, stack, via = {m}, [m], {m: None}
        while stack:
            x = stack.pop()
            for bad in sorted(system[x]):
                chain = [x]
                while via[chain[-1]] is not None:
                    chain.append(via[chain[-1]])
                path = " <- ".join(reversed(chain)) if len(chain) > 1 else m
                problems.append("core module %s includes %s (%s), through %s"
                                % (m, bad, FORBIDDEN[bad], path))
            for y in deps[x]:
                if y not in seen:
                    seen.add(y)
                    via[y] = x
                    stack.append(y)

    # 2. No cycle: strongly connected components of more than one module.
    index, low, on, stack, comps = {}, {}, set(), [], []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(deps[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(deps):
        if v not in index:
            strong(v)
    for comp in comps:
        edges = ["%s -> %s" % (a, b) for a in comp for b in sorted(deps[a]) if b in comp]
        problems.append("modules include each other in a cycle: %s (%s)"
                        % (", ".join(comp), "; ".join(edges)))
    return problems


def self_test():
    """Each check must fail on a tree built to break it, and pass on a clean one."""
    ok = True
    cases = {
        "clean": ({"model": ("", "#include <stdint.h>\n"), "plan": ('#include "model.h"\n', "")}, 0),
        "core includes libpq": ({"model": ("", ""), "plan": ("#include <libpq-fe.h>\n", "")}, 1),
        "core includes cJSON through a header": (
            {"plan": ('#include "report.h"\n', ""), "report": ("", "#include <cJSON.h>\n")}, 1),
        "two modules include each other": (
            {"db": ('#include "http.h"\n', ""), "http": ('#include "db.h"\n', "")}, 1),
        "a longer cycle": ({"a": ('#include "b.h"\n', ""), "b": ("", '#include "c.h"\n'),
                            "c": ('#include "a.h"\n', "")}, 1),
        "a file without its licence line": ({"model": ("", ""), "plan": (None, "")}, 1),
    }
    for name, (files, want) in cases.items():
        with tempfile.TemporaryDirectory() as root:
            os.mkdir(os.path.join(root, "daemon"))
            os.mkdir(os.path.join(root, "include"))
            for m, (c, h) in files.items():
                with open(os.path.join(root, "daemon", m + ".c"), "w") as f:
                    f.write("" if c is None else SPDX + "\n" + c)
                with open(os.path.join(root, "include", m + ".h"), "w") as f:
                    f.write(SPDX + "\n" + h)
            got = len(check(root))
            if (got > 0) != (want > 0):
                print("lint self-test: %s: %d problem(s), expected %s"
                      % (name, got, "some" if want else "none"), file=sys.stderr)
                ok = False
    return ok


def main():
    if sys.argv[1:] == ["--self-test"]:
        if not self_test():
            return 1
        print("lint self-test: every check fails where it must")
        return 0
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    problems = check(root)
    for p in problems:
        print("lint: " + p, file=sys.stderr)
    if problems:
        return 1
    print("lint: the planning core is pure, the %d modules form no cycle, every C file carries its licence line" % len(modules(root)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
