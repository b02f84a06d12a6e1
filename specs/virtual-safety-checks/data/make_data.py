"""Seeded synthetic data for the virtual home fire-safety check trial (non-inferiority).

A fire service visits households at high risk of a fire to check smoke alarms and
advise on risks. A video-call check costs about a third of a visit. To learn whether
it is no worse, 1,600 referred households are randomised (seeded shuffle) half to the
usual in-person visit and half to a video call. Six months later the service records
whether the household has a working smoke alarm and re-scores its fire risk.

Known truth:
- working smoke alarm at six months: 88% after a visit, 86.5% after a video call
  (1.5 percentage points lower), both higher for households with a lower baseline risk
- fire-risk score at six months (0-20, lower is better): baseline score x 0.7 + 1.2,
  plus noise; 0.1 points higher after a video call (in effect none)
- 6% of households cannot be reached at six months, in both arms

Run: python3 make_data.py  (standard library only; writes households.csv and
follow_up.csv here, the same bytes every run)
"""
import csv
import math
import os
import random

rng = random.Random(20261205)
n = 1600
areas = ["North", "South", "East", "West"]
ids = [f"H{i:05d}" for i in range(1, n + 1)]
video = [1] * (n // 2) + [0] * (n // 2)
rng.shuffle(video)

here = os.path.dirname(os.path.abspath(__file__))
households, follow_up = [], []
for i, hid in enumerate(ids):
    area = areas[rng.randrange(len(areas))]
    lives_alone = 1 if rng.random() < 0.38 else 0
    risk_before = round(min(20.0, max(0.0, rng.gauss(9.0 + 1.5 * lives_alone, 3.0))), 1)
    arm = "video" if video[i] else "in_person"
    households.append([hid, area, lives_alone, risk_before, arm])
    base = 0.88 - 0.015 * video[i]
    logit = math.log(base / (1 - base)) - 0.12 * (risk_before - 9.5)
    alarm = 1 if rng.random() < 1 / (1 + math.exp(-logit)) else 0
    risk_after = round(min(20.0, max(0.0, 0.7 * risk_before + 1.2 + 0.1 * video[i] + rng.gauss(0, 1.8))), 1)
    if rng.random() >= 0.06:
        follow_up.append([hid, alarm, risk_after, risk_before, lives_alone])

with open(os.path.join(here, "households.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["household_id", "area", "lives_alone", "risk_before", "arm"])
    w.writerows(households)
with open(os.path.join(here, "follow_up.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["household_id", "working_alarm", "risk_after", "risk_before", "lives_alone"])
    w.writerows(follow_up)
