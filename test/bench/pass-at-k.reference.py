"""Makes test/bench/pass-at-k.reference.json: pass@k from human-eval's own estimator with numpy.

The estimator below is human_eval/evaluation.py's `estimator` (openai/human-eval), unchanged.
Run: python3 test/bench/pass-at-k.reference.py > test/bench/pass-at-k.reference.json
"""
import json

import numpy as np


def estimator(n: int, c: int, k: int) -> float:
    if n - c < k:
        return 1.0
    return 1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1))


cases = []
for n in [1, 2, 3, 5, 10, 20, 50, 100, 200, 1000]:
    for c in sorted({0, 1, 2, n // 3, n // 2, n - 1, n} & set(range(n + 1))):
        for k in [1, 2, 5, 10, 20, 100]:
            if k <= n:
                cases.append({"n": n, "c": c, "k": k, "pass_at_k": float(estimator(n, c, k))})

# a table of tasks, averaged as evaluate_functional_correctness does
tasks = [(10, 0), (10, 1), (10, 3), (10, 10), (12, 7), (20, 19)]
total = np.array([t[0] for t in tasks])
correct = np.array([t[1] for t in tasks])
means = {str(k): float(np.array([estimator(int(n), int(c), k) for n, c in zip(total, correct)]).mean())
         for k in [1, 10, 100] if (total >= k).all()}
print(json.dumps({"numpy": np.__version__, "cases": cases,
                  "tasks": [{"n": n, "c": c} for n, c in tasks], "means": means}, indent=1))
