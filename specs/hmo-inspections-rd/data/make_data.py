"""Seeded synthetic data for the HMO inspection list studied as a regression discontinuity.

The council scores every privately rented property for the risk that it is an unlicensed
house in multiple occupation (HMO) and sends an inspector to those scoring 60 or more.
Inspection is not perfectly followed (some high scorers are never visited, some low
scorers are visited after a complaint), so the design is fuzzy; the cut-off itself is a
sharp rule for *being listed*.

Known truth, for the recovery test:
- listing jump in the outcome (reduced form): 0.6 * 0.25 = 0.15 (15 percentage points)
- jump in inspection take-up at the cut-off: 0.85 - 0.10 = 0.75 (first stage)
- effect of an inspection on finding and licensing the HMO (fuzzy RD): 0.20
Run: /opt/evident-ref/bin/python make_data.py  (numpy; writes properties.csv here)
"""
import csv
import os

import numpy as np

rng = np.random.default_rng(20261202)
n = 6000
wards = ["Docks", "Bridge", "Harbour", "Castle", "Market", "Riverside"]
ward = rng.choice(len(wards), n)
prior_complaints = rng.poisson(0.6, n)
# Risk score on 0-100 with two decimals; higher with complaints, smooth through 60.
score = np.clip(rng.normal(50 + 4 * prior_complaints, 14, n), 0, 100).round(2)
listed = score >= 60.0
inspected = rng.random(n) < np.where(listed, 0.85, 0.10)
# Baseline chance a property is an unlicensed HMO that gets licensed in 12 months rises
# smoothly with the score; an inspection adds 0.20.
base = 0.05 + 0.004 * (score - 50) + 0.02 * prior_complaints
p_licensed = np.clip(base + 0.20 * inspected, 0, 1)
licensed = rng.random(n) < p_licensed

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "properties.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["property_id", "ward", "risk_score", "prior_complaints", "inspected",
                "licensed_within_12_months"])
    for i in range(n):
        w.writerow([f"P{i + 1:05d}", wards[ward[i]], f"{score[i]:.2f}",
                    int(prior_complaints[i]), int(inspected[i]), int(licensed[i])])
