"""Reference fixtures for the synthetic-control fits (tests/synth_reference.rs).

Run from this folder: /opt/evident-ref/bin/python make_fixtures.py
Implementations: scipy 1.17.1 (SLSQP) for the outcome-only QP, pysyncon 1.7.0 for
the nested fit's loss, numpy for the ridge-augmented (ASCM) formula and its
cross-validation. Panel: specs/fire-policy-synth/data/panel.csv.
"""

import json
import time

import numpy as np
import pandas as pd
from scipy.optimize import minimize

PANEL = "../../../specs/fire-policy-synth/data/panel.csv"
TREATED = "T01"
TREATMENT = 2019
OUTCOME = "fires_per_100k"

df = pd.read_csv(PANEL)
units = list(dict.fromkeys(df["area"]))
donors = [u for u in units if u != TREATED]
years = sorted(df["year"].unique())
pre = [y for y in years if y < TREATMENT]
wide = df.pivot(index="area", columns="year", values=OUTCOME)
y1 = wide.loc[TREATED].to_numpy(float)
Y0 = wide.loc[donors].to_numpy(float)  # donors x periods
T0 = len(pre)


def simplex_ls(x1, X0):
    """min ||x1 - X0' w||^2 on the simplex (X0 donors x rows), SLSQP at tight tolerance."""
    J = X0.shape[0]
    obj = lambda w: np.sum((x1 - X0.T @ w) ** 2)
    grad = lambda w: -2.0 * X0 @ (x1 - X0.T @ w)
    res = minimize(
        obj,
        np.full(J, 1.0 / J),
        jac=grad,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * J,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones(J)}],
        options={"ftol": 1e-16, "maxiter": 2000},
    )
    w = np.clip(res.x, 0.0, None)
    w /= w.sum()
    # KKT check: gradients of used donors equal, unused ones no smaller.
    g = grad(w)
    used = w > 1e-6
    mu = g[used].mean()
    kkt = max(np.abs(g[used] - mu).max(), max(0.0, -(g[~used] - mu).min(initial=0.0)))
    return w, kkt


w_oo, kkt = simplex_ls(y1[:T0], Y0[:, :T0])
synthetic_oo = w_oo @ Y0
loss_oo = float(np.mean((y1[:T0] - synthetic_oo[:T0]) ** 2))


def ridge_aug(w, x1, X0, lam):
    means = X0.mean(axis=0)
    Xc = X0 - means
    x1c = x1 - means
    return w + Xc @ np.linalg.solve(Xc.T @ Xc + lam * np.eye(X0.shape[1]), x1c - Xc.T @ w)


LAMBDA = 25.0
w_aug = ridge_aug(w_oo, y1[:T0], Y0[:, :T0], LAMBDA)
synthetic_aug = w_aug @ Y0

# Cross-validation as augsynth (holdout 1, 20 lambdas, one-SE rule).
Xc_full = Y0[:, :T0] - Y0[:, :T0].mean(axis=0)
top = np.linalg.svd(Xc_full, compute_uv=False).max() ** 2
grid = [top * (1e-8) ** (i / 19) for i in range(20)]
split_w = [simplex_ls(y1[:s], Y0[:, :s])[0] for s in range(1, T0)]
cv = []
for lam in grid:
    errs = []
    for s, w in zip(range(1, T0), split_w):
        wa = ridge_aug(w, y1[:s], Y0[:, :s], lam)
        errs.append((y1[s] - wa @ Y0[:, s]) ** 2)
    errs = np.array(errs)
    cv.append((lam, errs.mean(), errs.std(ddof=1) / np.sqrt(len(errs))))
best = min(cv, key=lambda r: r[1])
chosen = max(r[0] for r in cv if r[1] <= best[1] + best[2])

# Nested fit with pysyncon: the same predictors as specs/fire-policy-synth.
from pysyncon import Dataprep, Synth

dataprep = Dataprep(
    foo=df,
    predictors=["deprivation_score", "pct_over_65"],
    predictors_op="mean",
    time_predictors_prior=range(2010, 2019),
    special_predictors=[(OUTCOME, [y], "mean") for y in [2004, 2008, 2012, 2016, 2018]],
    dependent=OUTCOME,
    unit_variable="area",
    time_variable="year",
    treatment_identifier=TREATED,
    controls_identifier=donors,
    time_optimize_ssr=range(2001, 2019),
)
synth = Synth()
started = time.perf_counter()
synth.fit(dataprep=dataprep)
nested_seconds = time.perf_counter() - started
w_py = synth.W.reindex(donors).to_numpy(float) if hasattr(synth.W, "reindex") else np.asarray(synth.W)
nested_loss = float(np.mean((y1[:T0] - w_py @ Y0[:, :T0]) ** 2))

out = {
    "panel": "specs/fire-policy-synth/data/panel.csv",
    "treated": TREATED,
    "treatment_period": TREATMENT,
    "donors": donors,
    "outcome_only": {
        "weights": w_oo.tolist(),
        "pre_mspe": loss_oo,
        "synthetic": synthetic_oo.tolist(),
        "kkt_residual": float(kkt),
    },
    "augmented": {
        "lambda": LAMBDA,
        "augmented_weights": w_aug.tolist(),
        "synthetic": synthetic_aug.tolist(),
    },
    "cross_validation": {
        "grid": [r[0] for r in cv],
        "errors": [r[1] for r in cv],
        "std_errors": [r[2] for r in cv],
        "chosen": chosen,
    },
    "nested_pysyncon": {
        "loss_v": float(synth.loss_V),
        "pre_mspe": nested_loss,
        "weights": w_py.tolist(),
        "seconds": nested_seconds,
    },
}
with open("fixtures.json", "w", encoding="utf-8") as f:
    json.dump(out, f, indent=1)
print("kkt", kkt, "loss_oo", loss_oo, "nested", synth.loss_V, nested_loss, nested_seconds, "chosen", chosen)
