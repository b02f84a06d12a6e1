"""Pool for the matching benchmarks: N units, 10 standard-normal covariates x1..x10,
treated ("supported") with probability logistic(-2.6 + 0.3 (x1 + ... + x5)), about
10%, else "comparison"; outcome y = x1 + 2 treated + noise. Seeded (numpy PCG64,
seed 17), written in chunks so 10,000,000 rows fit in memory.

Usage: make_match_data.py N OUT.csv
"""

import sys

import numpy as np


def main() -> None:
    n = int(float(sys.argv[1]))
    out = sys.argv[2]
    rng = np.random.default_rng(17)
    chunk = 500_000
    with open(out, "w") as f:
        f.write("id,group," + ",".join(f"x{j}" for j in range(1, 11)) + ",y\n")
        for start in range(0, n, chunk):
            m = min(chunk, n - start)
            x = rng.standard_normal((m, 10))
            p = 1.0 / (1.0 + np.exp(-(-2.6 + 0.3 * x[:, :5].sum(axis=1))))
            treated = rng.random(m) < p
            y = x[:, 0] + 2.0 * treated + rng.standard_normal(m)
            ids = np.char.add("P", np.char.zfill(np.arange(start, start + m).astype(str), 8))
            groups = np.where(treated, "supported", "comparison")
            numbers = np.column_stack([x, y])
            body = np.char.mod("%.6f", numbers)
            lines = [
                f"{i},{g}," + ",".join(row)
                for i, g, row in zip(ids, groups, body)
            ]
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
