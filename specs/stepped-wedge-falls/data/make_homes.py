"""Units file for the stepped-wedge falls example: 12 care homes in three areas.

    python3 make_homes.py   # writes care_homes.csv (seed 20261202)
Only the standard library is used, so any Python 3 reproduces the same bytes.
"""
import random

SEED = 20261202


def main():
    rng = random.Random(SEED)
    areas = ["north", "central", "south"]
    rows = []
    for i in range(1, 13):
        rows.append((f"home_{i:02d}", areas[(i - 1) % 3], rng.randint(28, 64)))
    # Listed out of identifier order: the allocation must not depend on row order.
    rng.shuffle(rows)
    with open("care_homes.csv", "w", newline="") as f:
        f.write("home,area,beds\n")
        for home, area, beds in rows:
            f.write(f"{home},{area},{beds}\n")


if __name__ == "__main__":
    main()
