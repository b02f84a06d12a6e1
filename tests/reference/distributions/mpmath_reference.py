#!/usr/bin/env python3
"""Independent high-precision reference values (mpmath, 50+ significant digits) for the
cases where R 4.2.2 is not exact:

* non-central t everywhere, in particular |ncp| > 37.62 and df > 4e5 (where R's AS 243
  falls back to a normal approximation) and upper / far tails (R forms 1 - lower);
  computed by the Poisson-weighted incomplete-beta series (Guenther 1978; the series of
  AS 243) at adaptive working precision, which is independent of the engine's method
  (quadrature over the chi distribution);
* non-central chi-square and F tails (R stops at absolute errors of 1e-12 / 1e-9);
* Student t at df > 4e5 (R switches to a normal approximation), and the qt / qf
  inputs where R's own quantile is loose.

Run: pip install mpmath && python3 tests/reference/distributions/mpmath_reference.py
(writes mpmath_reference.json beside this script). Values are printed with repr(),
i.e. the double nearest to the 50-digit value.
"""
import json
import os
import sys

import mpmath
from mpmath import mp, mpf

DPS = 50


def nct_cdf_nonneg_t(t, df, ncp):
    """P(T <= t) for t >= 0 by the series
    Phi(-d) + 1/2 sum_j [p_j I_x(j+1/2, df/2) + q_j I_x(j+1, df/2)], x = t^2/(t^2+df)."""
    t, df, d = mpf(t), mpf(df), mpf(ncp)
    half = mpf(1) / 2
    b = df / 2
    base = mpmath.ncdf(-d)
    if t == 0:
        return base
    x = t * t / (t * t + df)
    y = df / (t * t + df)
    lam = d * d / 2
    # I_x(a, b) for a = 1/2 and a = 1, then the recurrence
    # I_x(a + 1, b) = I_x(a, b) - x^a y^b / (a B(a, b)).
    i_half = mpmath.betainc(half, b, 0, x, regularized=True)
    i_one = 1 - y**b
    g_half = mpmath.exp(half * mpmath.log(x) + b * mpmath.log(y)
                        - mpmath.log(half) - mpmath.log(mpmath.beta(half, b)))
    g_one = mpmath.exp(mpmath.log(x) + b * mpmath.log(y) - mpmath.log(mpmath.beta(1, b)))
    p = mpmath.exp(-lam)
    q = d * mpmath.exp(-lam) / (mpmath.sqrt(2) * mpmath.gamma(mpf(3) / 2))
    total = mpf(0)
    j = 0
    eps = mpf(10) ** (-(mp.dps + 5))
    while True:
        total += p * i_half + q * i_one
        if j > lam and abs(p) + abs(q) < eps:
            break
        # advance a -> a + 1 for both sequences
        a_half = j + half
        a_one = mpf(j + 1)
        i_half -= g_half
        g_half *= x * (a_half + b) / (a_half + 1)
        i_one -= g_one
        g_one *= x * (a_one + b) / (a_one + 1)
        j += 1
        p *= lam / j
        q *= lam / (j + half)
        if j > 10**6:
            raise RuntimeError("series did not converge")
    return base + total / 2


def nct_tails(t, df, ncp):
    """(lower, upper) at enough working precision that the smaller one has 30+ digits."""
    def raw(dps):
        with mp.workdps(dps):
            if t >= 0:
                c = nct_cdf_nonneg_t(t, df, ncp)
                return c, 1 - c
            c = nct_cdf_nonneg_t(-t, df, -ncp)  # P(T <= t) = P(-T >= -t)
            return 1 - c, c
    dps = DPS + 10
    while True:
        lo, up = raw(dps)
        small = min(abs(lo), abs(up))
        # Below 1e-330 a tail underflows as a double: 420 digits are enough to see that.
        need = DPS + 10 + (int(-mpmath.log10(small)) if small > 0 else 400)
        need = min(need, 420)
        if need <= dps:
            break
        dps = need
    lo2, up2 = raw(dps + 20)
    out = []
    for a, b in ((lo, lo2), (up, up2)):
        if abs(b) < mpf(10) ** -330:
            out.append(mpf(0))
            continue
        if abs(a / b - 1) > mpf(10) ** -30:
            raise RuntimeError(f"nct not stable at {t}, {df}, {ncp}: {a} vs {b}")
        out.append(b)
    return out[0], out[1]


def poisson_mixture(mu, term, increasing):
    """sum_j Pois(j; mu) term(j), from the mode outwards until terms are negligible."""
    mu = mpf(mu)
    mode = int(mu)
    total = mpf(0)
    def w(j):
        return mpmath.exp(-mu + j * mpmath.log(mu) - mpmath.loggamma(j + 1))
    eps = mpf(10) ** -(mp.dps + 5)
    j = mode
    while True:
        s = w(j) * term(j)
        total += s
        j += 1
        if j > mode + 10 and w(j) < eps * total:
            break
    j = mode - 1
    while j >= 0:
        s = w(j) * term(j)
        total += s
        if s < eps * total and j < mode - 10:
            break
        j -= 1
    return total


def nchisq_tails(x, df, ncp):
    with mp.workdps(DPS + 20):
        x, df = mpf(x), mpf(df)
        lo = poisson_mixture(mpf(ncp) / 2, lambda j: mpmath.gammainc(df / 2 + j, 0, x / 2, regularized=True), False)
        up = poisson_mixture(mpf(ncp) / 2, lambda j: mpmath.gammainc(df / 2 + j, x / 2, mpmath.inf, regularized=True), True)
        return lo, up


def ncf_tails(f, d1, d2, ncp):
    with mp.workdps(DPS + 20):
        f, d1, d2 = mpf(f), mpf(d1), mpf(d2)
        x = d1 * f / (d1 * f + d2)
        y = d2 / (d1 * f + d2)
        lo = poisson_mixture(mpf(ncp) / 2, lambda j: mpmath.betainc(d1 / 2 + j, d2 / 2, 0, x, regularized=True), False)
        up = poisson_mixture(mpf(ncp) / 2, lambda j: mpmath.betainc(d2 / 2, d1 / 2 + j, 0, y, regularized=True), True)
        return lo, up


def t_tails(t, df):
    with mp.workdps(DPS + 20):
        t, df = mpf(t), mpf(df)
        x = df / (df + t * t)
        small = mpmath.betainc(df / 2, mpf(1) / 2, 0, x, regularized=True) / 2
        return (small, 1 - small) if t < 0 else (1 - small, small)


def f_tails(f, d1, d2):
    with mp.workdps(DPS + 20):
        f, d1, d2 = mpf(f), mpf(d1), mpf(d2)
        x = d1 * f / (d1 * f + d2)
        y = d2 / (d1 * f + d2)
        return (mpmath.betainc(d1 / 2, d2 / 2, 0, x, regularized=True),
                mpmath.betainc(d2 / 2, d1 / 2, 0, y, regularized=True))


def quantile(tails, p, lower, guess):
    """Root of log(tail(x)) = log(p) in log|x| (x > 0) or asinh(x)."""
    with mp.workdps(DPS + 20):
        p = mpf(p)
        sign = -1 if guess < 0 else 1
        def g(u):
            x = sign * mpmath.exp(u)
            lo, up = tails(x)
            return mpmath.log(lo if lower else up) - mpmath.log(p)
        u = mpmath.findroot(g, mpmath.log(abs(mpf(guess))), tol=mpf(10) ** -40)
        return sign * mpmath.exp(u)


def row(fn, args, lower, value):
    if not mpmath.isfinite(value):
        raise RuntimeError(f"{fn}{args}: non-finite reference {value}")
    return {"fn": fn, "args": [float(a) for a in args], "lower_tail": lower, "log": False,
            "value": float(value)}


def main():
    mp.dps = DPS
    rows = []
    # Non-central t: a grid around the mode, both tails, including the regions where
    # R is approximate (|ncp| > 37.62, df > 4e5).
    for df in [1, 3, 10, 58, 1000, 3e5, 1e6, 1e9]:
        for ncp in [-50, -30, -4, 0, 2.8, 10, 37, 40, 60]:
            for z in [-8, -2, 0.5, 3, 8]:
                t = float(ncp + z * (1 + ncp * ncp / (2 * df)) ** 0.5)
                lo, up = nct_tails(t, df, ncp)
                rows.append(row("pnt", [t, df, ncp], True, lo))
                rows.append(row("pnt", [t, df, ncp], False, up))
    # Deep tails, down to about 1e-300.
    for t, df, ncp in [(1e30, 10, 5), (1e15, 20, 2), (-1e30, 10, -5), (150, 3, 120),
                       (2.5, 30, 40), (-40, 200, 2), (1e6, 1, 0.5), (0.001, 5, 38)]:
        lo, up = nct_tails(t, df, ncp)
        rows.append(row("pnt", [t, df, ncp], True, lo))
        rows.append(row("pnt", [t, df, ncp], False, up))
    # Non-central t quantiles (power analysis solves these).
    for p, df, ncp in [(0.05, 10, 2), (0.8, 58, 2.9), (0.975, 3e5, 45), (1e-8, 20, 40),
                       (0.5, 1e7, 100), (0.1, 2, -3)]:
        for lower in (True, False):
            # Normal approximation T ≈ ncp + z·sqrt(1 + ncp²/(2 df)) as the start.
            z = float(mpmath.sqrt(2) * mpmath.erfinv(2 * mpf(p) - 1))
            if not lower:
                z = -z
            guess = ncp + z * (1 + ncp * ncp / (2 * df)) ** 0.5
            def tails(x, df=df, ncp=ncp):
                return nct_tails(x, df, ncp)
            with mp.workdps(DPS):
                k = 0 if lower else 1
                q = mpmath.findroot(lambda x: mpmath.log(tails(x)[k]) - mpmath.log(p),
                                    mpf(guess),
                                    tol=mpf(10) ** -50, verify=False)
                if not abs(tails(q)[k] / p - 1) < mpf(10) ** -25:
                    raise RuntimeError(f"qnt({p}, {df}, {ncp}) did not converge")
            rows.append(row("qnt", [p, df, ncp], lower, q))
    # Non-central chi-square and F tails.
    for df in [1, 4, 12, 100]:
        for ncp in [0.2, 3, 30, 150, 1000]:
            for z in [-5, -1.5, 0, 1, 5, 12]:
                x = max(df + ncp + z * (2 * (df + 2 * ncp)) ** 0.5, 0.05 * df)
                lo, up = nchisq_tails(x, df, ncp)
                rows.append(row("pnchisq", [x, df, ncp], True, lo))
                rows.append(row("pnchisq", [x, df, ncp], False, up))
    # Far upper tails where R's pnchisq truncates its sum (see deep_tails.R).
    for x, df, ncp in [(2000, 3, 10), (5000, 10, 1500), (1e-6, 2, 5), (1400, 3, 5),
                       (1500, 10, 60), (900, 1, 0.5), (700, 4, 79)]:
        lo, up = nchisq_tails(x, df, ncp)
        rows.append(row("pnchisq", [x, df, ncp], True, lo))
        rows.append(row("pnchisq", [x, df, ncp], False, up))
    for d1, d2 in [(1, 10), (3, 37), (5, 200), (12, 4), (0.5, 30)]:
        for ncp in [0.5, 4, 20, 90]:
            mean_f = (d2 / (d2 - 2)) * (d1 + ncp) / d1
            for k in [0.05, 0.2, 1, 3, 10]:
                f = k * mean_f
                lo, up = ncf_tails(f, d1, d2, ncp)
                rows.append(row("pnf", [f, d1, d2, ncp], True, lo))
                rows.append(row("pnf", [f, d1, d2, ncp], False, up))
    # Student t beyond R's exact range (df > 4e5).
    for df in [1e6, 1e7, 1e10, 1e15]:
        for t in [-40, -6, -2, 0.5, 3]:
            lo, up = t_tails(t, df)
            rows.append(row("pt", [t, df], True, lo))
            rows.append(row("pt", [t, df], False, up))
    # qt and qf inputs where R's quantile is loose.
    for p, df in [(1e-10, 0.1), (1e-10, 0.5), (1e-300, 1), (1e-300, 2.7), (1e-300, 5), (1e-50, 2.7)]:
        q = quantile(lambda x, df=df: t_tails(x, df), p, True, -1.0)
        rows.append(row("qt", [p, df], True, q))
        rows.append(row("qt", [p, df], False, -q))
    for p, d1, d2, lower in [(1e-8, 1, 1, True), (1e-8, 4, 1e4, True), (1e-200, 50, 200, True),
                             (0.95, 0.2, 5, False), (0.01, 0.2, 5, True), (1e-200, 3, 37, True),
                             (1e-200, 3, 1e6, False), (1e-8, 3, 1e6, False)]:
        # Start near the answer: small for the lower tails, the chi-square value
        # qchisq(p, d1, lower = FALSE)/d1 for the upper tails at d2 = 1e6.
        guess = 1e-3 if lower or d2 < 1e6 else (300.0 if p < 1e-100 else 13.0)
        q = quantile(lambda x, d1=d1, d2=d2: f_tails(x, d1, d2), p, lower, guess)
        rows.append(row("qf", [p, d1, d2], lower, q))
    out = {
        "case": "mpmath_reference",
        "description": "independent 50-digit reference values where R is not exact",
        "mpmath_version": mpmath.__version__,
        "python_version": sys.version.split()[0],
        "script": "mpmath_reference.py",
        "rows": rows,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mpmath_reference.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
    print(f"{len(rows)} rows -> {path}")


if __name__ == "__main__":
    main()
