"""Synthetic data for the NEET early-warning example (seeded; python3, stdlib only).

Writes young_people.csv: 150 young people flagged by the early-warning list and
offered a key worker (group "supported"), and a pool of 750 from schools without the
programme (group "comparison"). The list flags those at higher risk (low attendance,
exclusions, free school meals, special needs), so a naive comparison is confounded:
supported young people would have done worse without support.

Known truth: support lowers the chance of being NEET at 18 by 8 percentage points
for every supported young person (the effect on the treated is -0.08 in risk), and
raises attainment at 16 by 3 points.

Run: python3 make_data.py   (from this folder)
"""
import math
import random

rng = random.Random(20261202)
TRUE_RISK_CHANGE = -0.08
TRUE_ATTAINMENT_GAIN = 3.0


def person(flagged):
    fsm = 1 if rng.random() < (0.45 if flagged else 0.3) else 0
    sen = 1 if rng.random() < (0.25 if flagged else 0.15) else 0
    female = 1 if rng.random() < 0.47 else 0
    age = 15 if rng.random() < 0.7 else 16
    mean_attendance = 88 if flagged else 91
    attendance = min(100.0, max(50.0, rng.gauss(mean_attendance - 3 * fsm, 6)))
    exclusions = sum(1 for _ in range(4) if rng.random() < (0.22 if flagged else 0.14))
    return age, female, fsm, sen, round(attendance, 1), exclusions


def outcomes(covariates, supported):
    age, female, fsm, sen, attendance, exclusions = covariates
    risk = 1 / (1 + math.exp(-(-2.0 + 0.7 * fsm + 0.6 * sen + 0.35 * exclusions
                               - 0.08 * (attendance - 90) - 0.2 * female)))
    if supported:
        risk = max(0.01, risk + TRUE_RISK_CHANGE)
    neet = 1 if rng.random() < risk else 0
    points = (45 - 4 * fsm - 5 * sen - 1.5 * exclusions + 0.4 * (attendance - 90)
              + rng.gauss(0, 6) + (TRUE_ATTAINMENT_GAIN if supported else 0))
    return neet, round(points, 1)


rows = []
for i in range(150):
    c = person(True)
    rows.append((f"Y{i + 1:04d}", "supported") + c + outcomes(c, True))
for i in range(750):
    c = person(False)
    rows.append((f"P{i + 1:04d}", "comparison") + c + outcomes(c, False))

with open("young_people.csv", "w") as f:
    f.write("person_id,group,age_at_flag,female,free_school_meals,special_needs,"
            "attendance_pct,prior_exclusions,neet_at_18,attainment_points\n")
    for r in rows:
        f.write(",".join(str(v) for v in r) + "\n")
