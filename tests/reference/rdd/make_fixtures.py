"""Reference fixtures for Evident's regression-discontinuity engine.

Generated with the authors' Python port rdrobust 2.1.1 (and rddensity 3.0) in the
venv /opt/evident-ref:  /opt/evident-ref/bin/python make_fixtures.py
Writes rdrobust_cases.json: the seeded data sets themselves and, for each case, the
settings and rdrobust's bandwidths, estimates, standard errors, p-values and CIs.
"""
import json
import warnings
import contextlib
import io

import numpy as np
from rdrobust import rdrobust

warnings.simplefilter("ignore")


def make_data(seed, n, discrete=False):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, n)
    if discrete:
        x = np.round(x * 20.0) / 20.0
    above = (x >= 0.0).astype(float)
    z1 = 0.5 * x + rng.normal(0.0, 1.0, n)
    z2 = rng.binomial(1, 0.4, n).astype(float)
    receipt = rng.binomial(1, 0.15 + 0.6 * above).astype(float)
    noise = rng.normal(0.0, 0.5, n) * (1.0 + 0.5 * np.abs(x))
    y_sharp = 1.0 + 0.8 * x - 0.6 * x**2 + 0.4 * above + 0.3 * z1 + 0.2 * z2 + noise
    y_fuzzy = 1.0 + 0.8 * x - 0.6 * x**2 + 0.5 * receipt + 0.3 * z1 + noise
    cluster = rng.integers(0, 60, n)
    return {
        "x": x.tolist(), "y": y_sharp.tolist(), "y_fuzzy": y_fuzzy.tolist(),
        "t": receipt.tolist(), "z1": z1.tolist(), "z2": z2.tolist(),
        "cluster": cluster.tolist(),
    }


DATA = {
    "continuous": make_data(20261202, 700),
    "mass_points": make_data(7, 900, discrete=True),
}


def run(name, data, outcome="y", fuzzy=False, covs=None, cluster=False, **kw):
    d = DATA[data]
    args = dict(y=np.array(d[outcome]), x=np.array(d["x"]), c=0.0)
    if fuzzy:
        args["fuzzy"] = np.array(d["t"])
    if covs:
        args["covs"] = np.column_stack([np.array(d[c]) for c in covs])
    if cluster:
        args["cluster"] = np.array(d["cluster"])
    args.update(kw)
    with contextlib.redirect_stdout(io.StringIO()):
        r = rdrobust(**args)
    out = {
        "name": name, "data": data, "outcome": outcome, "fuzzy": fuzzy,
        "covs": covs or [], "cluster": cluster,
        "p": kw.get("p", 1), "q": kw.get("q", kw.get("p", 1) + 1),
        "kernel": kw.get("kernel", "triangular"),
        "bwselect": kw.get("bwselect", "mserd") if "h" not in kw else "manual",
        "vce": kw.get("vce", "nn"),
        "h": [float(v) for v in r.bws.loc["h"].values],
        "b": [float(v) for v in r.bws.loc["b"].values],
        "n_h": [int(v) for v in r.N_h],
        "coef": [float(v) for v in r.coef.values[:, 0]],
        "se": [float(v) for v in r.se.values[:, 0]],
        "pv": [float(v) for v in r.pv.values[:, 0]],
        "ci_lower": [float(v) for v in r.ci.values[:, 0]],
        "ci_upper": [float(v) for v in r.ci.values[:, 1]],
    }
    if fuzzy:
        out["first_stage_coef"] = [float(v) for v in r.tau_T.values[:, 0]]
        out["first_stage_se"] = [float(v) for v in r.se_T.values[:, 0]]
    return out


cases = []
for kernel in ["triangular", "epanechnikov", "uniform"]:
    for p in [1, 2]:
        for sel in ["mserd", "msetwo", "cerrd", "certwo"]:
            cases.append(run(f"sharp_{kernel}_p{p}_{sel}", "continuous",
                             kernel=kernel, p=p, bwselect=sel))
for vce in ["hc0", "hc1", "hc2", "hc3"]:
    cases.append(run(f"sharp_{vce}", "continuous", vce=vce))
    cases.append(run(f"sharp_{vce}_msetwo", "continuous", vce=vce, bwselect="msetwo"))
cases.append(run("sharp_covs", "continuous", covs=["z1", "z2"]))
cases.append(run("sharp_covs_hc3", "continuous", covs=["z1", "z2"], vce="hc3"))
cases.append(run("sharp_covs_p2_msetwo", "continuous", covs=["z1"], p=2, bwselect="msetwo"))
cases.append(run("sharp_cluster", "continuous", cluster=True))
cases.append(run("sharp_cluster_covs", "continuous", cluster=True, covs=["z1", "z2"]))
cases.append(run("sharp_cluster_cerrd", "continuous", cluster=True, bwselect="cerrd"))
cases.append(run("sharp_cluster_fixed_h_eq_b", "continuous", cluster=True, h=0.4))
cases.append(run("fuzzy", "continuous", outcome="y_fuzzy", fuzzy=True))
cases.append(run("fuzzy_hc2_msetwo", "continuous", outcome="y_fuzzy", fuzzy=True,
                 vce="hc2", bwselect="msetwo"))
cases.append(run("fuzzy_covs", "continuous", outcome="y_fuzzy", fuzzy=True, covs=["z1"]))
cases.append(run("fuzzy_cluster", "continuous", outcome="y_fuzzy", fuzzy=True, cluster=True))
cases.append(run("fuzzy_cluster_covs", "continuous", outcome="y_fuzzy", fuzzy=True,
                 cluster=True, covs=["z1", "z2"]))
cases.append(run("fixed_h_b", "continuous", h=0.3, b=0.5))
cases.append(run("fixed_two_sided", "continuous", h=[0.25, 0.35], b=[0.45, 0.6],
                 kernel="epanechnikov", p=2))
cases.append(run("fixed_h_b_hc1", "continuous", h=0.35, b=0.5, vce="hc1"))
cases.append(run("mass_points", "mass_points"))
cases.append(run("mass_points_msetwo_uniform", "mass_points", bwselect="msetwo",
                 kernel="uniform"))

with open("rdrobust_cases.json", "w") as f:
    json.dump({"generator": "rdrobust 2.1.1 (Python port), numpy "
               + np.__version__, "data": DATA, "cases": cases}, f)
print(len(cases), "cases")
