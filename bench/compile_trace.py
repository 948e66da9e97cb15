#!/usr/bin/env python3
"""Where a header's compile time goes beyond <Eigen/Dense> (issue 9).

Compiles, with clang++ -ftime-trace, a translation unit holding <Eigen/Dense>
and the standard headers rlvalue includes (the base), and one that adds an
rlvalue header (the umbrella by default). Prints the template instantiations
that the second performs and the base does not, outermost ones only, costliest
first, with their total.

Most of them come from code that every includer compiles: non-template
functions and members of non-template classes (their bodies, and every
template they use, are compiled whether called or not), and expressions in
function templates that do not depend on a template parameter (see
core/dependent.hpp). bench/compile_time.sh measures the time itself with g++.

Usage: bench/compile_trace.py [HEADER] [N]
  HEADER  e.g. rlvalue/mdp/evaluate.hpp (default rlvalue/rlvalue.hpp)
  N       how many instantiations to list (default 40)
Environment: CXX (default clang++; must accept -ftime-trace).
Plain python3 (the standard library only).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INCLUDE = os.path.join(ROOT, "include")


def std_headers():
    """The <standard> headers included anywhere under include/rlvalue."""
    found = set()
    for directory, _, files in os.walk(os.path.join(INCLUDE, "rlvalue")):
        for name in files:
            with open(os.path.join(directory, name), encoding="utf-8") as f:
                found.update(re.findall(r"^#include <([a-z_]+)>", f.read(), re.M))
    return sorted(found)


def trace(cxx, source, work, stem):
    """Compiles `source` with -ftime-trace; returns the outermost
    instantiations as (microseconds, name)."""
    cpp = os.path.join(work, stem + ".cpp")
    with open(cpp, "w", encoding="utf-8") as f:
        f.write(source)
    obj = os.path.join(work, stem + ".o")
    cmd = [cxx, "-std=c++20", "-O2", "-I" + INCLUDE, "-I/usr/include/eigen3", "-c",
           "-ftime-trace", "-ftime-trace-granularity=0", cpp, "-o", obj]
    subprocess.run(cmd, check=True)
    with open(os.path.join(work, stem + ".json"), encoding="utf-8") as f:
        events = json.load(f)["traceEvents"]
    inst = [e for e in events if e.get("ph") == "X" and
            e["name"] in ("InstantiateFunction", "InstantiateClass")]
    inst.sort(key=lambda e: (e["ts"], -e["dur"]))
    outer, end = [], -1
    for e in inst:
        if e["ts"] >= end:
            outer.append((e["dur"], e["args"]["detail"]))
            end = e["ts"] + e["dur"]
    return outer


def main():
    header = sys.argv[1] if len(sys.argv) > 1 else "rlvalue/rlvalue.hpp"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    cxx = os.environ.get("CXX", "clang++")
    base = "#include <Eigen/Dense>\n" + "".join(f"#include <{h}>\n" for h in std_headers())
    with tempfile.TemporaryDirectory() as work:
        before = trace(cxx, base + "int main() {}\n", work, "base")
        after = trace(cxx, base + f"#include <{header}>\nint main() {{}}\n", work, "header")
    seen = Counter(name for _, name in before)
    extra = []
    for dur, name in after:
        if seen[name] > 0:
            seen[name] -= 1
        else:
            extra.append((dur, name))
    extra.sort(reverse=True)
    total = sum(d for d, _ in extra) / 1000
    print(f"{header}: {len(extra)} outermost instantiations beyond the base, {total:.1f} ms "
          f"({cxx} -ftime-trace)")
    for dur, name in extra[:count]:
        print(f"{dur / 1000:8.2f} ms  {name[:160]}")


if __name__ == "__main__":
    main()
