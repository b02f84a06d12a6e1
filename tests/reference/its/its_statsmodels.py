"""statsmodels OLS cov_type='HAC' (Bartlett kernel, maxlags = the lag rule, no small-
sample correction: use_correction=False) on the series of its.json. statsmodels'
HAC equals sandwich::NeweyWest(prewhite = FALSE, adjust = FALSE); Evident's default
adds n/(n - k) (adjust = TRUE). Run: /opt/evident-ref/bin/python its_statsmodels.py"""
import json

import numpy as np
import statsmodels
import statsmodels.api as sm

data = json.load(open("its.json"))["data"]
period = np.array(data["period"], dtype=float)
y = np.array(data["y"])
t0 = data["intervention"]
lag = int(data["lag_rule"])
post = (period >= t0).astype(float)
since = np.where(period >= t0, period - t0, 0.0)
X = np.column_stack([np.ones_like(period), period - 1, post, since])
fit = sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": lag, "use_correction": False})
out = {
    "generator": f"statsmodels {statsmodels.__version__}",
    "lag": lag,
    "estimate": fit.params.tolist(),
    "std_error": fit.bse.tolist(),
    "vcov": fit.cov_params().tolist(),
}
json.dump(out, open("its_statsmodels.json", "w"), indent=1)
