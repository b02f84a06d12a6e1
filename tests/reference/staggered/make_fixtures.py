"""Reference values for the staggered roll-out analysis (tests/staggered_reference.rs).

Run with the reference venv:  /opt/evident-ref/bin/python make_fixtures.py
Writes panel.csv (the synthetic panel) and fixtures.json. Implementations:
csdid (Python port of R did) for ATT(g,t), aggregations and analytic SEs;
numpy least squares with unit and period dummies for the TWFE coefficient and the
2x2 means of the Goodman-Bacon decomposition; numpy GLS for the Hussey-Hughes
stepped-wedge variance.
"""
import contextlib
import io
import json
import warnings
from importlib.metadata import version

import numpy as np
import pandas as pd
from csdid.att_gt import ATTgt

warnings.filterwarnings("ignore")


def make_panel(seed=18, n_units=80, periods=range(1, 8)):
    rng = np.random.default_rng(seed)
    cohorts = rng.choice([0, 3, 4, 6, 9], size=n_units, p=[0.25, 0.2, 0.2, 0.2, 0.15])
    rows = []
    for i in range(n_units):
        alpha = rng.normal(0, 1)
        g = int(cohorts[i])
        for t in periods:
            effect = 0.0
            if g and g <= 7 and t >= g:
                effect = (1.0 + 0.5 * (t - g)) * (1 + 0.3 * (g - 3))
            y = alpha + 0.3 * t + effect + rng.normal(0, 1)
            rows.append((f"u{i + 1:03d}", t, g, y))
    return pd.DataFrame(rows, columns=["unit", "period", "first_treated", "y"])


def csdid_case(df, control, base, anticipation):
    data = df.copy()
    data["id"] = data["unit"].str[1:].astype(int)
    att = ATTgt(yname="y", tname="period", idname="id", gname="first_treated",
                data=data, control_group=[control], anticipation=anticipation)
    with contextlib.redirect_stdout(io.StringIO()):
        att.fit(est_method="dr", base_period=base, bstrap=False)
    r = att.results
    cells = [
        {"group": int(g), "time": int(t), "att": float(a),
         "se": None if not np.isfinite(s) else float(s)}
        for g, t, a, s in zip(r["group"], r["year"], r["att"], r["se"])
    ]
    aggs = {}
    for kind in ["simple", "group", "dynamic", "calendar"]:
        with contextlib.redirect_stdout(io.StringIO()):
            att.aggte(typec=kind, bstrap=False, cband=False, na_rm=True)
        a = att.atte
        entry = {"overall_att": float(a["overall_att"]), "overall_se": float(a["overall_se"])}
        if kind != "simple":
            entry["keys"] = [int(x) for x in a["egt"]]
            entry["att"] = [float(x) for x in a["att_egt"]]
            entry["se"] = [float(x) if np.isfinite(x) else None for x in np.ravel(a["se_egt"])]
        aggs[kind] = entry
    return {"comparison": control, "base_period": base, "anticipation": anticipation,
            "cells": cells, "aggregates": aggs}


def bacon(df):
    periods = np.sort(df.period.unique())
    units = df.unit.unique()
    T = len(periods)
    d = ((df.first_treated > 0) & (df.period >= df.first_treated)).astype(float)
    # TWFE by least squares with unit and period dummies (no within transformation).
    X = np.column_stack([d.values,
                         pd.get_dummies(df.unit).values.astype(float),
                         pd.get_dummies(df.period).values.astype(float)[:, 1:]])
    beta = np.linalg.lstsq(X, df.y.values, rcond=None)[0][0]
    g_of = df.groupby("unit").first_treated.first()
    # Cohorts first treated after the last period are never treated in the panel.
    g_of = g_of.where(g_of <= periods.max(), 0)
    N = len(units)
    cohorts = sorted(g for g in g_of.unique() if g > 0)
    share = {g: (g_of == g).sum() / N for g in cohorts}
    n_u = (g_of == 0).sum() / N
    dbar = {g: (periods >= g).sum() / T for g in cohorts}
    # Variance of the two-way demeaned treatment.
    D = d.values.reshape(N, T) if False else df.assign(d=d).pivot(index="unit", columns="period", values="d").values
    Dd = D - D.mean(1, keepdims=True) - D.mean(0, keepdims=True) + D.mean()
    vd = (Dd ** 2).mean()
    Y = df.pivot(index="unit", columns="period", values="y")
    gvec = g_of.reindex(Y.index).values

    def mean(g, mask):
        return Y.values[gvec == g][:, mask].mean()

    def did(a, b, pre, post):
        return (mean(a, post) - mean(a, pre)) - (mean(b, post) - mean(b, pre))

    terms = []
    for i, k in enumerate(cohorts):
        nk, dk = share[k], dbar[k]
        if n_u > 0:
            nku = nk / (nk + n_u)
            w = (nk + n_u) ** 2 * nku * (1 - nku) * dk * (1 - dk) / vd
            terms.append({"kind": "treated_vs_never", "treated": int(k), "comparison": None,
                          "estimate": did(k, 0, periods < k, periods >= k), "weight": w})
        for l in cohorts[i + 1:]:
            nl, dl = share[l], dbar[l]
            nkl = nk / (nk + nl)
            w1 = ((nk + nl) * (1 - dl)) ** 2 * nkl * (1 - nkl) * ((dk - dl) / (1 - dl)) * ((1 - dk) / (1 - dl)) / vd
            terms.append({"kind": "earlier_vs_later", "treated": int(k), "comparison": int(l),
                          "estimate": did(k, l, periods < k, (periods >= k) & (periods < l)), "weight": w1})
            w2 = ((nk + nl) * dk) ** 2 * nkl * (1 - nkl) * (dl / dk) * ((dk - dl) / dk) / vd
            terms.append({"kind": "later_vs_earlier", "treated": int(l), "comparison": int(k),
                          "estimate": did(l, k, (periods >= k) & (periods < l), periods >= l), "weight": w2})
    total = sum(t["weight"] * t["estimate"] for t in terms)
    assert abs(total - beta) < 1e-10 * max(1, abs(beta)), (total, beta)
    return {"twfe": float(beta), "terms": terms}


def hussey_hughes_gls(X, sigma2, tau2):
    """Var(theta_hat) from GLS on cluster-period means: period fixed effects,
    cluster random intercepts (variance tau2), residual variance sigma2 (already
    divided by the cluster-period size)."""
    I, T = X.shape
    V = sigma2 * np.eye(T) + tau2 * np.ones((T, T))
    Vinv = np.linalg.inv(V)
    info = np.zeros((T + 1, T + 1))
    for i in range(I):
        Z = np.column_stack([np.eye(T), X[i]])
        info += Z.T @ Vinv @ Z
    return float(np.linalg.inv(info)[-1, -1])


def stepped_wedge_cases():
    cases = []
    for steps, per_step, sigma2, tau2 in [(3, 2, 0.5, 0.1), (4, 3, 2.0, 0.3), (5, 1, 1.0, 0.0)]:
        I, T = steps * per_step, steps + 1
        X = np.zeros((I, T))
        for s in range(steps):
            for c in range(per_step):
                X[s * per_step + c, s + 1:] = 1
        cases.append({"steps": steps, "clusters_per_step": per_step, "sigma2": sigma2,
                      "tau2": tau2, "variance": hussey_hughes_gls(X, sigma2, tau2)})
    return cases


if __name__ == "__main__":
    df = make_panel()
    df.to_csv("panel.csv", index=False)
    out = {
        "generated_by": f"csdid {version('csdid')}, numpy {np.__version__}, pandas {pd.__version__}",
        "cases": [csdid_case(df, c, b, a)
                  for c, b, a in [("nevertreated", "varying", 0), ("notyettreated", "varying", 0),
                                  ("nevertreated", "universal", 0), ("notyettreated", "universal", 1)]],
        "bacon": bacon(df),
        "stepped_wedge": stepped_wedge_cases(),
    }
    with open("fixtures.json", "w") as f:
        json.dump(out, f, indent=1)
