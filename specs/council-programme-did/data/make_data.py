"""Synthetic panel for the council-programme-did example (seeded, reproducible).

Forty council wards observed for 24 months. Fifteen wards joined a neighbourhood
warden programme in month 13; the other 25 never did. Fly-tipping reports per 1,000
homes follow a ward level, a shared month pattern (seasonal, slowly rising) and noise;
the programme lowers the rate by a known amount in every month after it starts:

    true effect  -1.50 reports per 1,000 homes

Treated wards start a little higher (as the council chose wards with more reports),
which the ward fixed effects absorb; trends before month 13 are parallel, so the
pre-trend test should pass. Run with `python3 make_data.py` from this folder; plain
Python, no packages.
"""

import math
import random

WARDS, TREATED, MONTHS, START = 40, 15, 24, 13
EFFECT = -1.5


def main():
    rng = random.Random(20261202)
    month_effect = [0.05 * m + 0.8 * math.sin(2 * math.pi * m / 12) for m in range(MONTHS)]
    rows = ["ward,month,programme,fly_tipping_rate"]
    for w in range(WARDS):
        treated = w < TREATED
        level = rng.gauss(9.0, 1.5) + (1.2 if treated else 0.0)
        for m in range(MONTHS):
            month = m + 1
            on = treated and month >= START
            rate = level + month_effect[m] + rng.gauss(0.0, 0.9) + (EFFECT if on else 0.0)
            rows.append(f"W{w + 1:02d},{month},{int(on)},{rate:.2f}")
    with open("data/ward_months.csv", "w", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
