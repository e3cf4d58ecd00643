#!/usr/bin/env python3
"""Print CPython `random` test vectors as JSON for the TypeScript port (src/datasets/python-random.ts).

Run with CPython 3.11+ and commit the output:
    python3 scripts/make-sampling-vectors.py > tests/fixtures/datasets/sampling-vectors.json

Seeds are written as decimal strings because several exceed 2**53; getrandbits results likewise.
"""

import json
import math
import random
import sys

SEEDS = [0, 1, 42, 123, 2**32 + 5, -7, 2**63, 2**64, 2**64 + 1, -(2**70) - 3, 987654321987654321, 5, -5, 2**40, 2**70]

# (n, k) pairs chosen to hit both random.sample branches and their boundaries:
# pool (partial shuffle) when n <= setsize, set (rejection) otherwise; setsize = 21 (+ 4**ceil(log(3k, 4)) if k > 5).
SAMPLE_SHAPES = [
    (0, 0), (5, 0), (1, 1), (2, 1), (10, 1), (100, 1), (100000, 1),
    (21, 5), (22, 5), (100, 5), (600, 5),
    (85, 6), (86, 6), (100, 6),
    (85, 21), (86, 21), (277, 22), (278, 22),
    (100, 10), (100, 20), (100, 50), (100, 99), (100, 100),
    (150, 149), (600, 50), (600, 599), (600, 20),
    (1045, 100), (1046, 100), (100000, 10), (100000, 500),
]

# Long draws, kept to a few seeds so the committed fixture stays small.
LARGE_SAMPLE_SHAPES = [(5000, 1000), (16405, 1500), (16406, 1500), (100000, 3000)]
LARGE_SAMPLE_SEEDS = [42, 2**64 + 1, -7]

GETRANDBITS_WIDTHS = [0, 1, 7, 31, 32, 33, 53, 64, 100]

SETSIZE_KS = [1, 5, 6, 7, 21, 22, 85, 86, 341, 342, 1365, 1366, 5461, 5462, 21845, 21846, 10**6, 10**9, 10**12]


def sample_setsize(k):
    """The threshold expression of Lib/random.py `Random.sample` (3.11), evaluated by CPython itself."""
    setsize = 21
    if k > 5:
        setsize += 4 ** math.ceil(math.log(k * 3, 4))
    return setsize


def main():
    vectors = {
        "python_version": sys.version.split()[0],
        "random": [],
        "getrandbits": [],
        "sample": [],
        "setsize": [{"k": k, "setsize": sample_setsize(k)} for k in SETSIZE_KS],
    }
    for seed in SEEDS:
        random.seed(seed)
        vectors["random"].append({"seed": str(seed), "values": [random.random() for _ in range(5)]})
        random.seed(seed)
        bits = [{"k": k, "value": str(random.getrandbits(k))} for k in GETRANDBITS_WIDTHS]
        vectors["getrandbits"].append({"seed": str(seed), "draws": bits})
    shapes = [(n, k, seed) for n, k in SAMPLE_SHAPES for seed in SEEDS]
    shapes += [(n, k, seed) for n, k in LARGE_SAMPLE_SHAPES for seed in LARGE_SAMPLE_SEEDS]
    for n, k, seed in shapes:
        random.seed(seed)
        result = random.sample(range(n), k)
        branch = "pool" if n <= sample_setsize(k) else "set"
        vectors["sample"].append({"n": n, "k": k, "seed": str(seed), "branch": branch, "result": result})
    json.dump(vectors, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
