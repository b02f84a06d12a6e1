"""Side-by-side timing of synthetic control: writes the issue's panel (1 treated unit,
100 donors, 40 pre-periods, 10 post-periods; the data-generating process of
benches/synth.rs, drawn with numpy) as a CSV with an Evident spec beside it, then times
pysyncon's nested fit (Abadie, Diamond and Hainmueller's V and W optimisation) on the
same panel: ONE fit, against Evident's whole process with 101 fits.

Usage (benches/synth_vs_pysyncon.sh runs it):
  /opt/evident-ref/bin/python benches/synth_vs_pysyncon.py OUT_DIR [--peer]
"""
import json
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd

UNITS, PERIODS, PRE = 101, 50, 40
OUTCOME_PERIODS = [5, 15, 25, 35, 39]


def panel():
    rng = np.random.default_rng(20261202)
    rows = []
    for i in range(UNITS):
        a, b = rng.uniform(-2, 2, 2)
        level = 50 + rng.uniform(0, 10)
        noise = rng.uniform(-1, 1, PERIODS)
        for t in range(PERIODS):
            y = (level - 0.5 * t + a * np.sin(t / 5) * 4 + b * np.cos(t / 9) * 3
                 + noise[t] + (-5.0 if i == 0 and t >= PRE else 0.0))
            rows.append((f"U{i:03d}", t, round(float(y), 6)))
    return pd.DataFrame(rows, columns=["unit", "period", "y"])


def write(out_dir, df):
    os.makedirs(out_dir, exist_ok=True)
    df.to_csv(os.path.join(out_dir, "panel.csv"), index=False)
    spec = {
        "evident": 1,
        "title": "Synthetic control at the issue's scale (100 donors, 40 pre-periods)",
        "statement": {"problem": "p", "action": "a", "data_product": "d", "datasets": ["panel"]},
        "design": {
            "kind": "synthetic_control",
            "synthetic_control": {
                "file": "panel.csv", "unit": "unit", "period": "period", "treated": "U000",
                "treatment_period": PRE, "fit": "nested", "starts": 2, "seed": 1,
                "outcome_periods": OUTCOME_PERIODS,
            },
        },
        "outcomes": [{"name": "y", "type": "continuous", "role": "primary"}],
        "report": {"dir": "report", "formats": ["json"]},
    }
    with open(os.path.join(out_dir, "study.json"), "w") as f:
        json.dump(spec, f, indent=2)


def peer(df):
    from pysyncon import Dataprep, Synth

    warnings.simplefilter("ignore")
    donors = [u for u in df["unit"].unique() if u != "U000"]
    dataprep = Dataprep(
        foo=df,
        predictors=[],
        predictors_op="mean",
        dependent="y",
        unit_variable="unit",
        time_variable="period",
        treatment_identifier="U000",
        controls_identifier=donors,
        time_predictors_prior=range(0, PRE),
        special_predictors=[("y", [t], "mean") for t in OUTCOME_PERIODS],
        time_optimize_ssr=range(0, PRE),
    )
    start = time.perf_counter()
    synth = Synth()
    synth.fit(dataprep=dataprep, optim_method="Nelder-Mead", optim_initial="equal")
    elapsed = time.perf_counter() - start
    print(f"pysyncon nested fit (one fit, 100 donors, 40 pre-periods): {elapsed:.2f} s")


if __name__ == "__main__":
    df = panel()
    write(sys.argv[1], df)
    if "--peer" in sys.argv:
        peer(df)
