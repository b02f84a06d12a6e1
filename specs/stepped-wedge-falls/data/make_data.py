"""Outcome data for the stepped-wedge falls example, made AFTER the allocation: each
home's crossover quarter is read from ../allocation/assignments.csv (written by
`evident assign` with the spec's seed), as a real trial's data would follow it.

Quarters 0 to 4; 20 residents per home assessed each quarter (a new cross-section).
Tinetti score = 18 + home effect N(0, 0.894^2) + 0.3 * quarter (a secular trend)
              + 1.6 if the home has crossed over + N(0, 3.899^2),
so the outcome SD is 4, the ICC 0.05 and the true effect 1.6 points (0.4 SD), the
values design.power plans with. The trend makes a naive before/after comparison
biased upwards; the period fixed effects remove it.

    python3 make_data.py   # writes assessments.csv and truth.json (seed 20261203)
Only the standard library is used, so any Python 3 reproduces the same bytes.
"""
import csv
import json
import math
import random

SEED = 20261203
EFFECT = 1.6
HOME_SD = math.sqrt(0.05 * 16)
RESIDENT_SD = math.sqrt(0.95 * 16)
TREND = 0.3
RESIDENTS = 20
QUARTERS = range(0, 5)


def main():
    rng = random.Random(SEED)
    with open("../allocation/assignments.csv", newline="") as f:
        crossover = {r["home"]: int(r["crossover_period"]) for r in csv.DictReader(f)}
    rows = []
    for home in sorted(crossover):
        level = 18.0 + rng.gauss(0.0, HOME_SD)
        for q in QUARTERS:
            treated = q >= crossover[home]
            for r in range(1, RESIDENTS + 1):
                y = level + TREND * q + (EFFECT if treated else 0.0) + rng.gauss(0.0, RESIDENT_SD)
                rows.append((f"{home}-q{q}-r{r:02d}", home, q, round(y, 2)))
    with open("assessments.csv", "w", newline="") as f:
        f.write("resident,home,quarter,tinetti\n")
        for resident, home, q, y in rows:
            f.write(f"{resident},{home},{q},{y}\n")
    with open("truth.json", "w") as f:
        json.dump({"effect": EFFECT, "outcome_sd": 4.0, "icc": 0.05, "trend_per_quarter": TREND,
                   "residents_per_home_quarter": RESIDENTS, "seed": SEED}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
