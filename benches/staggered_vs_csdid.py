"""Side-by-side timing of Callaway-Sant'Anna with 999 multiplier-bootstrap draws:
Evident (release build, examples/staggered_timing.rs) and csdid (Python port of R
did) on the same panels, in the same run.

    /opt/evident-ref/bin/python benches/staggered_vs_csdid.py [units ...]

Default sizes: 10,000 and 100,000 units x 20 periods. csdid runs att_gt with the
bootstrap (biters=999) and the dynamic and group aggregations with the bootstrap.
Evident is timed twice on each panel: `evident_cs_s` is the Callaway-Sant'Anna part
alone (every ATT(g,t), all four aggregations, the bootstrap of the event-time and
cohort families, the pre-trend test: the work csdid does), `evident_all_s` the whole
staggered analysis (the same plus TWFE with CR2 and its Goodman-Bacon
decomposition). Only the estimation is timed on both sides (not reading the CSV).
"""
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd
from csdid.att_gt import ATTgt

warnings.filterwarnings("ignore")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def panel(units, periods=20, seed=18):
    rng = np.random.default_rng(seed)
    g = rng.choice([0, 5, 8, 11, 14, 17], size=units)
    t = np.tile(np.arange(1, periods + 1), units)
    gg = np.repeat(g, periods)
    alpha = np.repeat(rng.normal(size=units), periods)
    effect = np.where((gg > 0) & (t >= gg), 1.0 + 0.2 * (t - gg), 0.0)
    y = alpha + 0.1 * t + effect + rng.normal(size=units * periods)
    return pd.DataFrame({"id": np.repeat(np.arange(1, units + 1), periods), "period": t,
                         "first_treated": gg, "y": y})


def time_csdid(df):
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        att = ATTgt(yname="y", tname="period", idname="id", gname="first_treated",
                    data=df, control_group=["nevertreated"], biters=999)
        att.fit(est_method="dr", bstrap=True)
        att.aggte(typec="dynamic", biters=999)
        att.aggte(typec="group", biters=999)
    return time.perf_counter() - start, float(att.atte["overall_att"])


def main():
    sizes = [int(x) for x in sys.argv[1:]] or [10_000, 100_000]
    subprocess.run(["cargo", "build", "--release", "--example", "staggered_timing"],
                   cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "examples", "staggered_timing")
    for units in sizes:
        df = panel(units)
        with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as f:
            df.to_csv(f.name, index=False)
            ours = json.loads(subprocess.run([exe, f.name, "999"], capture_output=True,
                                             text=True, check=True).stdout)
        os.unlink(f.name)
        seconds, group = time_csdid(df)
        print(json.dumps({"units": units, "periods": 20, "evident_cs_s": ours["cs_s"],
                          "evident_all_s": ours["analyse_s"], "csdid_s": round(seconds, 3),
                          "ratio_cs": round(seconds / ours["cs_s"], 1),
                          "ratio_all": round(seconds / ours["analyse_s"], 1),
                          "load_1min": os.getloadavg()[0],
                          "evident_group_att": ours["group"], "csdid_group_att": group}),
              flush=True)


if __name__ == "__main__":
    main()
