"""Whole-process timing of Evident's regression discontinuity against rdrobust's Python
port: writes x ~ U(-1, 1), y = 1 + 0.8x - 0.6x^2 + 0.4*1[x >= 0] + U(-0.5, 0.5) (the
process of benches/rdd.rs and benches/rdd_peer.py) at n rows as a CSV with an Evident
spec beside it (sharp RD at 0, defaults: mserd bandwidths, NN variance, robust
bias-corrected inference), and with --peer times rdrobust(y, x, c=0) on the same data
(the estimate alone: no CSV read, no density test, no placebos).

Usage (benches/rdd_cli_vs_python.sh runs it):
  /opt/evident-ref/bin/python benches/rdd_cli_vs_python.py OUT_DIR N [--peer]
"""
import contextlib
import io
import json
import os
import sys
import time
import warnings

import numpy as np

out_dir, n = sys.argv[1], int(float(sys.argv[2]))
rng = np.random.default_rng(2026)
x = rng.uniform(-1.0, 1.0, n)
y = 1.0 + 0.8 * x - 0.6 * x**2 + 0.4 * (x >= 0) + rng.uniform(-0.5, 0.5, n)
os.makedirs(out_dir, exist_ok=True)
np.savetxt(os.path.join(out_dir, "data.csv"), np.column_stack([np.arange(n), x, y]),
           delimiter=",", header="id,x,y", comments="", fmt=["%d", "%.10f", "%.10f"])
spec = {
    "evident": 1,
    "title": f"RD timing at n = {n}",
    "statement": {"problem": "p", "action": "a", "data_product": "d", "datasets": ["data"]},
    "design": {"kind": "regression_discontinuity",
               "regression_discontinuity": {"running": "x", "cutoff": 0, "treated": "above"}},
    "outcomes": [{"name": "y", "type": "continuous", "role": "primary"}],
    "analysis": {"data": "data.csv", "id": "id"},
    "report": {"dir": "report", "formats": ["json"]},
}
with open(os.path.join(out_dir, "study.json"), "w") as f:
    json.dump(spec, f, indent=2)
if "--peer" in sys.argv:
    from rdrobust import rdrobust

    warnings.simplefilter("ignore")
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        rdrobust(y, x, c=0.0)
    print(f"rdrobust (Python) n={n}: {time.perf_counter() - start:.3f} s (estimate only)")
