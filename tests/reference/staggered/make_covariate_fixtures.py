"""Callaway-Sant'Anna with covariates (conditional parallel trends) against csdid.

Run with the reference venv:  /opt/evident-ref/bin/python make_covariate_fixtures.py
Writes panel_covariates.csv and covariate_fixtures.json: ATT(g,t) with analytic
SEs and the simple/group/dynamic aggregations from csdid 0.4.3 with
xformla="~ x1 + x2", est_method "reg" (outcome regression, DRDID's reg_did_panel)
and "dr" (DRDID's drdid_panel: logit propensity score by ML, controls with a
propensity of 0.995 or more trimmed, the outcome regression on the controls), for
never-treated and not-yet-treated comparisons with the varying base period.

The panel makes the covariates matter: x1 raises the chance of early treatment
and steepens the untreated trend, so unconditional parallel trends fail while
parallel trends given x1 and x2 hold. Covariates are constant within a unit.
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


def make_panel(seed=71, n_units=150, periods=range(1, 7)):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_units):
        x1 = rng.normal(0, 1)
        x2 = float(rng.random() < 0.4)
        score = 0.8 * x1 - 0.5 * x2
        u = rng.random()
        p_early = 1 / (1 + np.exp(-score))
        if u < 0.25 * p_early:
            g = 3
        elif u < 0.5 * p_early:
            g = 4
        elif u < 0.4 + 0.1 * p_early:
            g = 5
        else:
            g = 0
        alpha = rng.normal(0, 1) + 0.5 * x1
        for t in periods:
            effect = (1.0 + 0.4 * (t - g)) if g and t >= g else 0.0
            y = alpha + (0.3 + 0.4 * x1 - 0.3 * x2) * t + effect + rng.normal(0, 1)
            rows.append((f"u{i + 1:03d}", t, g, round(x1, 6), x2, y))
    return pd.DataFrame(rows, columns=["unit", "period", "first_treated", "x1", "x2", "y"])


def case(df, control, method):
    data = df.copy()
    data["id"] = data["unit"].str[1:].astype(int)
    att = ATTgt(yname="y", tname="period", idname="id", gname="first_treated",
                data=data, control_group=[control], xformla="y ~ x1 + x2")
    with contextlib.redirect_stdout(io.StringIO()):
        att.fit(est_method=method, base_period="varying", bstrap=False)
    r = att.results
    cells = [
        {"group": int(g), "time": int(t), "att": None if not np.isfinite(a) else float(a),
         "se": None if not np.isfinite(s) else float(s)}
        for g, t, a, s in zip(r["group"], r["year"], r["att"], r["se"])
    ]
    aggs = {}
    for kind in ["simple", "group", "dynamic"]:
        with contextlib.redirect_stdout(io.StringIO()):
            att.aggte(typec=kind, bstrap=False, cband=False, na_rm=True)
        a = att.atte
        entry = {"overall_att": float(a["overall_att"]), "overall_se": float(a["overall_se"])}
        if kind != "simple":
            entry["keys"] = [int(x) for x in a["egt"]]
            entry["att"] = [float(x) for x in a["att_egt"]]
            entry["se"] = [float(x) if np.isfinite(x) else None for x in np.ravel(a["se_egt"])]
        aggs[kind] = entry
    return {"comparison": control, "method": method, "cells": cells, "aggregates": aggs}


if __name__ == "__main__":
    df = make_panel()
    df.to_csv("panel_covariates.csv", index=False)
    out = {
        "generated_by": f"csdid {version('csdid')}, drdid {version('drdid')}, "
                        f"statsmodels {version('statsmodels')}, numpy {np.__version__}",
        "xformla": "~ x1 + x2",
        "cases": [case(df, c, m) for c in ["nevertreated", "notyettreated"]
                  for m in ["reg", "dr"]],
    }
    with open("covariate_fixtures.json", "w") as f:
        json.dump(out, f, indent=1)
