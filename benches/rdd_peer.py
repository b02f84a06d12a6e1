"""Times rdrobust 2.1.1 (Python port) on the data-generating process of benches/rdd.rs:
x ~ U(-1, 1), y = 1 + 0.8x - 0.6x^2 + 0.4*1[x >= 0] + U(-0.5, 0.5), default settings
(mserd bandwidths, nearest-neighbour variance, robust bias-corrected inference).
Run by benches/rdd_vs_python.sh: /opt/evident-ref/bin/python benches/rdd_peer.py
"""
import contextlib
import io
import time
import warnings

import numpy as np
from rdrobust import rdrobust

warnings.simplefilter("ignore")
for n in [100_000, 1_000_000]:
    rng = np.random.default_rng(2026)
    x = rng.uniform(-1.0, 1.0, n)
    y = 1.0 + 0.8 * x - 0.6 * x**2 + 0.4 * (x >= 0) + rng.uniform(-0.5, 0.5, n)
    runs = 3 if n <= 100_000 else 1
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            rdrobust(y, x, c=0.0)
        best = min(best, time.perf_counter() - start)
    print(f"rdrobust (Python) n={n}: {best:.3f} s (best of {runs})")
