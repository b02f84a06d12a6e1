"""Reference fixtures for the RD plot's bins: rdrobust 2.1.1's rdplot (Python port) with
binselect "es" (IMSE-optimal, evenly spaced) and "esmv" (mimicking variance), other
settings default, on the "continuous" data set of rdrobust_cases.json.
    /opt/evident-ref/bin/python make_rdplot_fixtures.py
"""
import json
import contextlib
import io
import warnings

import numpy as np
import matplotlib
matplotlib.use("Agg")
from rdrobust import rdplot

warnings.simplefilter("ignore")
data = json.load(open("rdrobust_cases.json"))["data"]["continuous"]
x, y = np.array(data["x"]), np.array(data["y"])
out = []
for rule in ["es", "esmv"]:
    with contextlib.redirect_stdout(io.StringIO()):
        r = rdplot(y, x, c=0.0, binselect=rule, hide=True)
    vb = r.vars_bins
    out.append({
        "binselect": rule,
        "J": [int(v) for v in r.J],
        "J_IMSE": [float(v) for v in r.J_IMSE],
        "J_MV": [float(v) for v in r.J_MV],
        "mean_x": [float(v) for v in vb["rdplot_mean_x"]],
        "mean_y": [float(v) for v in vb["rdplot_mean_y"]],
        "count": [int(v) for v in vb["rdplot_N"]],
    })
json.dump({"generator": "rdrobust 2.1.1 rdplot (Python port)", "cases": out},
          open("rdplot_cases.json", "w"))
for o in out:
    print(o["binselect"], o["J"], o["J_IMSE"], o["J_MV"], len(o["mean_x"]))
