"""Seeded synthetic data for the key-worker offer trial (non-compliance).

A council's early-warning list flags 1,600 Year 11 pupils at risk of not being in
education, employment or training (NEET) after school. Half, drawn by a seeded
shuffle, are offered a key worker for a year; not everyone offered takes it up, and a
few not offered find a key worker through another service. The allocation is the
instrument; taking up a key worker is `key_worker`.

Known truth, for the recovery of the complier effect:
- take-up: 65% of those offered, 5% of the others (first stage 0.60)
- a key worker raises the chance of being in education, employment or training at
  18 by 0.15 (15 percentage points) for those who take one up; so the
  intention-to-treat difference is about 0.60 x 0.15 = 0.09
- pupils who take up an offer are more engaged to begin with (higher attendance), so
  comparing those with and without a key worker would overstate the effect
- 5% of destinations are unknown (moved away), in both arms

Run: python3 make_data.py  (standard library only; writes pupils.csv and
destinations.csv here, the same bytes every run)
"""
import csv
import math
import os
import random

rng = random.Random(20261203)
n = 1600
schools = ["Northfield", "Eastgate", "Riverside", "Hillcrest", "Westbrook"]
ids = [f"YP{i:05d}" for i in range(1, n + 1)]
offered = [1] * (n // 2) + [0] * (n // 2)
rng.shuffle(offered)

here = os.path.dirname(os.path.abspath(__file__))
pupils, destinations = [], []
for i, pid in enumerate(ids):
    school = schools[rng.randrange(len(schools))]
    fsm = 1 if rng.random() < 0.42 else 0
    attendance = round(min(100.0, max(40.0, rng.gauss(84 - 4 * fsm, 8))), 1)
    engagement = (attendance - 84) / 8 + rng.gauss(0, 1)
    # Offered pupils take it up more when engaged; a few others find one elsewhere.
    p_take = 1 / (1 + math.exp(-(0.62 + 0.5 * engagement))) if offered[i] else 0.05
    key_worker = 1 if rng.random() < p_take else 0
    p_eet = 1 / (1 + math.exp(-(0.35 + 0.45 * engagement - 0.3 * fsm)))
    p_eet = min(1.0, p_eet + 0.15 * key_worker)
    eet = 1 if rng.random() < p_eet else 0
    arm = "offered" if offered[i] else "usual"
    pupils.append([pid, school, fsm, attendance, arm])
    known = rng.random() >= 0.05
    if known:
        destinations.append([pid, eet, key_worker, fsm, attendance])

with open(os.path.join(here, "pupils.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["pupil_id", "school", "free_school_meals", "attendance_pct", "arm"])
    w.writerows(pupils)
with open(os.path.join(here, "destinations.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["pupil_id", "eet_at_18", "key_worker", "free_school_meals", "attendance_pct"])
    w.writerows(destinations)
