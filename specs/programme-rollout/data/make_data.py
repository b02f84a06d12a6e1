"""Synthetic panel for the programme roll-out example: a family-support programme
rolled out across 120 council areas, a cohort of areas joining every other
quarter, with 30 areas that never join. Outcome: school attendance (%) of the
children in supported families, per area and quarter.

The effect grows with time in the programme (1.5 points on joining, +0.5 per quarter)
and is larger for earlier cohorts (they were picked as the readiest areas), so the
two-way fixed-effects estimate is biased (later cohorts are compared with areas whose
effect is still growing) while the group-time effects are not.

    python3 make_data.py   # writes panel.csv and truth.json (seed 2026)
Only the standard library is used, so any Python 3 reproduces the same bytes.
"""
import json
import random

SEED = 2026
AREAS = 120
QUARTERS = range(1, 13)
COHORTS = [4, 6, 8, 10]  # first quarter in the programme; 0 = never


def effect(g, t):
    if g == 0 or t < g:
        return 0.0
    return (1.5 + 0.5 * (t - g)) * (1.0 + 0.25 * (10 - g) / 2)


def main():
    rng = random.Random(SEED)
    rows = []
    cohort_of = {}
    for a in range(1, AREAS + 1):
        g = 0 if a <= 30 else COHORTS[(a - 31) % len(COHORTS)]
        cohort_of[a] = g
        level = rng.gauss(90.0, 2.0)
        slope = rng.gauss(0.05, 0.02)
        for t in QUARTERS:
            y = level + slope * t + 0.3 * ((t % 4) == 3) + effect(g, t) + rng.gauss(0, 0.8)
            rows.append((f"area{a:03d}", t, g, round(y, 4)))
    with open("panel.csv", "w") as f:
        f.write("area,quarter,first_quarter,attendance\n")
        for r in rows:
            f.write(f"{r[0]},{r[1]},{r[2]},{r[3]}\n")
    sizes = {g: sum(1 for v in cohort_of.values() if v == g) for g in COHORTS}
    last = max(QUARTERS)
    cohort_effect = {g: sum(effect(g, t) for t in range(g, last + 1)) / (last - g + 1) for g in COHORTS}
    total = sum(sizes.values())
    truth = {
        "cohort_effects": {str(g): cohort_effect[g] for g in COHORTS},
        "overall_cohort_weighted": sum(sizes[g] * cohort_effect[g] for g in COHORTS) / total,
        "event_time_effects": {
            str(e): sum(sizes[g] * effect(g, g + e) for g in COHORTS if g + e <= last)
            / sum(sizes[g] for g in COHORTS if g + e <= last)
            for e in range(0, last - min(COHORTS) + 1)
        },
    }
    with open("truth.json", "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
