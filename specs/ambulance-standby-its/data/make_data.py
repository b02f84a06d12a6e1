"""Synthetic monthly data for the ambulance-standby-its example (seeded, reproducible).

Sixty months of mean emergency response time (minutes) in the region that moved its
standby points in month 37, and in a neighbouring comparison region that did not.
Both share a slow downward trend, a winter peak and month-to-month AR(1) noise; the
new standby plan lowers the treated region's response time by a known amount:

    level change  -0.80 minutes at month 37
    slope change  -0.02 minutes per month after it

so the true effect h months after the change is -0.80 - 0.02 h (12 months: -1.04).
The share of calls reached within 8 minutes moves the other way (+4 points, +0.1 a
month). Run with `python3 make_data.py` from this folder; plain Python, no packages.
"""

import math
import random

MONTHS = 60
INTERVENTION = 37
LEVEL, SLOPE = -0.80, -0.02
LEVEL_PCT, SLOPE_PCT = 4.0, 0.10


def ar1(rng, n, rho, sd):
    e, out = 0.0, []
    for _ in range(n):
        e = rho * e + rng.gauss(0.0, sd)
        out.append(e)
    return out


def main():
    rng = random.Random(20261202)
    shared = ar1(rng, MONTHS, 0.4, 0.12)
    own_t = ar1(rng, MONTHS, 0.3, 0.10)
    own_c = ar1(rng, MONTHS, 0.3, 0.10)
    pct_t = ar1(rng, MONTHS, 0.3, 0.8)
    pct_c = ar1(rng, MONTHS, 0.3, 0.8)
    rows = ["month,calendar_month,response_minutes,comparison_response_minutes,within_target_pct,comparison_within_target_pct"]
    for i in range(MONTHS):
        month = i + 1
        calendar = (i % 12) + 1
        winter = 0.45 * math.cos(2 * math.pi * (calendar - 1) / 12)
        trend = -0.008 * i
        post = month >= INTERVENTION
        since = month - INTERVENTION if post else 0
        effect = (LEVEL + SLOPE * since) if post else 0.0
        effect_pct = (LEVEL_PCT + SLOPE_PCT * since) if post else 0.0
        treated = 9.4 + trend + winter + shared[i] + own_t[i] + effect
        control = 8.9 + trend + winter + shared[i] + own_c[i]
        pt = 71.0 - 3.0 * winter + 0.05 * i + pct_t[i] + effect_pct
        pc = 73.0 - 3.0 * winter + 0.05 * i + pct_c[i]
        rows.append(f"{month},{calendar},{treated:.3f},{control:.3f},{pt:.2f},{pc:.2f}")
    with open("data/monthly_response.csv", "w", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
