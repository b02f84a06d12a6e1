#!/usr/bin/env python3
"""Prints the 200,000-unit file of `tests/assign_golden.rs`
(`a_large_allocation_matches_the_independent_reproduction`): identifiers of three
shapes (some longer than 15 bytes) in scrambled order, 37 blocks."""

N = 200_000
print("id,block")
for i in range(1, N + 1):
    j = (i * 7919) % N
    if j % 7 == 0:
        unit = f"HOUSEHOLD-{j:012d}"
    elif j % 3 == 0:
        unit = f"u{j}"
    else:
        unit = f"U{j:06d}"
    print(f"{unit},B{i % 37:02d}")
