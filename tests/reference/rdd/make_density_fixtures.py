"""Reference fixtures for Evident's density (manipulation) test.

Generated with rddensity 3.0 (the authors' Python port) in /opt/evident-ref:
    /opt/evident-ref/bin/python make_density_fixtures.py
Defaults throughout (p = 2, q = 3, unrestricted, jackknife, bwselect = "comb",
massPoints, regularize) except the kernel where a case says so.
"""
import json
import warnings
import contextlib
import io

import numpy as np
from rddensity import rddensity

warnings.simplefilter("ignore")

rng = np.random.default_rng(424242)
data = {
    "smooth": rng.uniform(-1.0, 1.0, 800),
    "normal": rng.normal(0.3, 1.0, 1500),
    # Units bunched just above the cut-off: a density jump the test must find.
    "bunched": np.concatenate([rng.uniform(-1.0, 1.0, 900), rng.uniform(0.0, 0.15, 120)]),
    "mass_points": np.round(rng.uniform(-1.0, 1.0, 1200) * 40.0) / 40.0,
}

cases = []
for name, kernel in [("smooth", "triangular"), ("smooth", "uniform"),
                     ("smooth", "epanechnikov"), ("normal", "triangular"),
                     ("bunched", "triangular"), ("bunched", "epanechnikov"),
                     ("mass_points", "triangular")]:
    with contextlib.redirect_stdout(io.StringIO()):
        r = rddensity(X=data[name], c=0.0, kernel=kernel)
    cases.append({
        "data": name, "kernel": kernel,
        "h": [float(r.h["left"]), float(r.h["right"])],
        "n_h": [int(r.n["eff_left"]), int(r.n["eff_right"])],
        "hat": [float(r.hat["left"]), float(r.hat["right"])],
        "t_jk": float(r.test["t_jk"]), "p_jk": float(r.test["p_jk"]),
    })

with open("rddensity_cases.json", "w") as f:
    json.dump({"generator": "rddensity 3.0 (Python port), numpy " + np.__version__,
               "data": {k: v.tolist() for k, v in data.items()}, "cases": cases}, f)
for c in cases:
    print(c["data"], c["kernel"], c["h"], c["t_jk"], c["p_jk"])
