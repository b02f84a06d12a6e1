"""Writes wards.csv (ward, month, falls: `series` wards x `periods` months, a level
drop of 0.5 and a slope change of -0.01 a month from month 25, AR(1) noise with
rho 0.3; seed 18) and study.json (an interrupted_time_series spec with
series: ward) into a folder, for benches/its_vs_peers.sh.

    python benches/make_its_series.py folder [series] [periods]
"""
import json
import sys

import numpy as np

folder = sys.argv[1]
series = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
periods = int(sys.argv[3]) if len(sys.argv) > 3 else 48
rng = np.random.default_rng(18)
t = np.arange(1, periods + 1)
post = (t >= 25).astype(float)
e = rng.normal(size=(series, periods))
for j in range(1, periods):
    e[:, j] += 0.3 * e[:, j - 1]
base = rng.normal(5.0, 1.0, size=(series, 1))
y = base + 0.02 * t - 0.5 * post - 0.01 * (t - 25) * post + 0.4 * e
width = len(str(series))
with open(f"{folder}/wards.csv", "w") as f:
    f.write("ward,month,falls\n")
    for i in range(series):
        name = f"w{i + 1:0{width}d}"
        f.write("".join(f"{name},{m},{v:.6f}\n" for m, v in zip(t, y[i])))
spec = {
    "evident": 1,
    "title": "Falls on wards after a new falls-prevention bundle",
    "statement": {
        "problem": "Our problem is that inpatient falls harm patients and lengthen stays.",
        "action": "We would roll the falls-prevention bundle out to every ward.",
        "data_product": "If we could see each ward's monthly falls before and after the bundle,",
        "datasets": ["incident reports by ward and month"],
    },
    "design": {"kind": "interrupted_time_series",
               "interrupted_time_series": {"period": "month", "intervention": 25,
                                           "series": "ward"}},
    "outcomes": [{"name": "falls", "label": "Falls per 1,000 bed days", "type": "continuous",
                  "role": "primary", "better": "lower"}],
    "analysis": {"data": "wards.csv", "id": "ward"},
    "report": {"formats": ["json"]},
}
with open(f"{folder}/study.json", "w") as f:
    json.dump(spec, f, indent=1)
