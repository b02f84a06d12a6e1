"""Synthetic panel for specs/fire-policy-synth: one fire and rescue service area
adopts a prevention policy in 2019; 20 donor areas do not.

Factor model (Abadie, Diamond and Hainmueller 2010, section 2.3):
    y_it = 60 + delta_t + lambda_i . f_t + e_it,   e_it ~ N(0, 0.8^2)
with two common factors f_t (a slow decline and a cycle). The treated area's
loadings and level are an exact convex combination of three donors' (weights
0.5, 0.3, 0.2 on donors A03, A11, A17), so its untreated path is known:
TRUE_SYNTHETIC below, written to truth.json with the true effect, -6 accidental
dwelling fires per 100,000 people in every year from 2019.
Run: /opt/evident-ref/bin/python make_data.py  (numpy; seed 20261202).
"""

import json

import numpy as np

SEED = 20261202
YEARS = list(range(2001, 2025))
TREATMENT_YEAR = 2019
EFFECT = -6.0
DONORS = [f"A{i:02d}" for i in range(1, 21)]
TRUE_WEIGHTS = {"A03": 0.5, "A11": 0.3, "A17": 0.2}

rng = np.random.default_rng(SEED)
t = np.arange(len(YEARS), dtype=float)
delta = -1.0 * t
factors = np.vstack([np.linspace(6.0, -6.0, len(YEARS)), 5.0 * np.sin(t / 2.5)])
levels = rng.normal(0.0, 6.0, len(DONORS))
loadings = rng.uniform(-2.0, 2.0, (len(DONORS), 2))
deprivation = rng.normal(25.0, 6.0, len(DONORS))
older = rng.normal(19.0, 3.0, len(DONORS))
w = np.array([TRUE_WEIGHTS.get(d, 0.0) for d in DONORS])
treated_level = w @ levels
treated_loading = w @ loadings
treated_deprivation = w @ deprivation
treated_older = w @ older

mean_donor = 60.0 + delta + levels[:, None] + loadings @ factors
mean_treated = 60.0 + delta + treated_level + treated_loading @ factors
noise = rng.normal(0.0, 0.8, (len(DONORS) + 1, len(YEARS)))
post = np.array([y >= TREATMENT_YEAR for y in YEARS])
observed_treated = mean_treated + noise[0] + EFFECT * post
observed_donors = mean_donor + noise[1:]

rows = ["area,year,fires_per_100k,deprivation_score,pct_over_65"]
units = [("T01", observed_treated, treated_deprivation, treated_older)] + [
    (d, observed_donors[i], deprivation[i], older[i]) for i, d in enumerate(DONORS)
]
for name, series, dep, old in units:
    for k, year in enumerate(YEARS):
        dep_t = dep + 0.1 * k + rng.normal(0.0, 0.3)
        old_t = old + 0.05 * k + rng.normal(0.0, 0.2)
        rows.append(f"{name},{year},{series[k]:.4f},{dep_t:.3f},{old_t:.3f}")
with open("panel.csv", "w", encoding="utf-8") as out:
    out.write("\n".join(rows) + "\n")

# The noise-free untreated path of the treated area equals the true weights' average
# of the donors' noise-free paths (up to rounding).
assert np.allclose(mean_treated, w @ mean_donor)
with open("truth.json", "w", encoding="utf-8") as out:
    json.dump(
        {
            "seed": SEED,
            "treatment_year": TREATMENT_YEAR,
            "effect": EFFECT,
            "true_weights": TRUE_WEIGHTS,
            "noise_sd": 0.8,
            "years": YEARS,
            "true_synthetic": [round(float(x), 10) for x in mean_treated],
        },
        out,
        indent=1,
    )
