"""Independent solvers for the matching methods MatchIt cannot check here.

Run with the reference venv: /opt/evident-ref/bin/python scipy_fixtures.py
Writes scipy.json:
- optimal_total: the least total |PS_t - PS_c| over 1:1 matchings of the 87 treated
  units of pool.csv to distinct controls (scipy.optimize.linear_sum_assignment), with
  the fully converged glm scores of matchit.json.
- entropy_att: entropy-balancing weights of the controls on x1..x4 (targets: treated
  means), from the dual solved with scipy.optimize.minimize (trust-exact, gtol 1e-14),
  scaled to mean 1 (Hainmueller 2012).
"""
import csv
import json

import numpy as np
import scipy
from scipy.optimize import linear_sum_assignment, minimize

ref = json.load(open("matchit.json"))
ps = np.array(ref["ps"])
rows = list(csv.DictReader(open("pool.csv")))
treated = np.array([r["group"] == "treated" for r in rows])
cost = np.abs(ps[treated][:, None] - ps[~treated][None, :])
r, c = linear_sum_assignment(cost)
optimal_total = float(cost[r, c].sum())

X = np.array([[float(r[k]) for k in ("x1", "x2", "x3", "x4")] for r in rows])
target = X[treated].mean(axis=0)
Z = X[~treated] - target


def f(lam):
    eta = Z @ lam
    m = eta.max()
    return m + np.log(np.exp(eta - m).sum())


def grad(lam):
    eta = Z @ lam
    p = np.exp(eta - eta.max())
    p /= p.sum()
    return Z.T @ p


def hess(lam):
    eta = Z @ lam
    p = np.exp(eta - eta.max())
    p /= p.sum()
    g = Z.T @ p
    return (Z * p[:, None]).T @ Z - np.outer(g, g)


res = minimize(f, np.zeros(4), jac=grad, hess=hess, method="trust-exact",
               options={"gtol": 1e-14, "maxiter": 1000})
eta = Z @ res.x
p = np.exp(eta - eta.max())
w = p / p.sum() * len(p)
json.dump({
    "implementation": f"scipy {scipy.__version__}, numpy {np.__version__}",
    "optimal_total": optimal_total,
    "entropy_att": w.tolist(),
    "entropy_max_imbalance": float(np.abs(Z.T @ (w / len(w))).max()),
}, open("scipy.json", "w"))
print(optimal_total, res.message, float(np.abs(Z.T @ (w / len(w))).max()))
