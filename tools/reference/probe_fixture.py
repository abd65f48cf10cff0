# Writes src/test/resources/transfer/probe_fixture.json: a linear probe's reference fit. Synthetic float32 features
# (4 overlapping Gaussian classes in 12 dimensions, one constant feature, features on different scales), standardised
# with scikit-learn's StandardScaler, then LogisticRegression(C, multi_class="multinomial", solver="lbfgs") fitted to
# a tight tolerance: its coef_ and intercept_ (on standardised features), the scaler's mean_ and scale_, and its
# predictions on held-out rows. Two cases: C = 0.5 and C = 100. Lethe's LinearProbe (ai.lethe.transfer) minimises the
# same objective divided by N, so it must reach the same optimum. scikit-learn's lbfgs stops short of it on the weakly
# regularised case (C = 100: intercepts ~3e-3 off), so the file also holds the exact optimum ("exact_coef",
# "exact_intercept"): Newton's method in numpy (min-norm steps through lstsq, since the unpenalised intercepts are
# invariant to a common shift; like lbfgs from zero they keep sum(b) = 0), run until the gradient is below 1e-13.
# The Java test (ai.lethe.transfer.LinearProbeTest) reads the file; scikit-learn never runs during the tests.
#
# Run from the repository root: /usr/bin/python3 tools/reference/probe_fixture.py
import json
import os

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

OUT = os.path.join("src", "test", "resources", "transfer", "probe_fixture.json")


def data(rng, n, centers, scales):
    y = rng.integers(0, len(centers), n)
    x = centers[y] + rng.normal(0, 1.0, (n, centers.shape[1]))
    x = x * scales
    x[:, 5] = 3.25   # a constant feature: scale 1 in the standardisation
    return x.astype(np.float32), y


def newton(x, y, k, c):
    """The optimum of sum_i CE(W x_i + b, y_i) + ||W||^2 / (2C), divided by n; theta = [W row-major, b]."""
    n, d = x.shape
    xa = np.hstack([x, np.ones((n, 1))])
    theta = np.zeros((k, d + 1))
    onehot = np.eye(k)[y]
    reg = np.ones(d + 1) / c
    reg[d] = 0.0
    for _ in range(100):
        z = xa @ theta.T
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = ((p - onehot).T @ xa + theta * reg) / n
        if np.abs(g).max() < 1e-13:
            break
        h = np.zeros((k * (d + 1), k * (d + 1)))
        for a in range(k):
            for b in range(k):
                w = p[:, a] * ((1.0 if a == b else 0.0) - p[:, b])
                h[a * (d + 1):(a + 1) * (d + 1), b * (d + 1):(b + 1) * (d + 1)] = (xa * w[:, None]).T @ xa / n
        h += np.diag(np.tile(reg, k)) / n
        step = np.linalg.lstsq(h, g.reshape(-1), rcond=None)[0]
        theta -= step.reshape(k, d + 1)
    assert np.abs(g).max() < 1e-12, np.abs(g).max()
    return theta[:, :d], theta[:, d]


def case(name, c, xtr, ytr, xte):
    scaler = StandardScaler().fit(xtr.astype(np.float64))
    w, b = newton(scaler.transform(xtr.astype(np.float64)), ytr, 4, c)
    clf = LogisticRegression(C=c, multi_class="multinomial", solver="lbfgs", tol=1e-12, max_iter=100000)
    clf.fit(scaler.transform(xtr.astype(np.float64)), ytr)
    pred = clf.predict(scaler.transform(xte.astype(np.float64)))
    return {"name": name, "C": c, "coef": clf.coef_.tolist(), "intercept": clf.intercept_.tolist(),
            "mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist(), "test_predictions": pred.tolist(),
            "n_iter": int(clf.n_iter_[0]), "exact_coef": w.tolist(), "exact_intercept": b.tolist(),
            "exact_test_predictions": (scaler.transform(xte.astype(np.float64)) @ w.T + b).argmax(axis=1).tolist()}


def main():
    rng = np.random.default_rng(16)
    centers = rng.normal(0, 1.2, (4, 12))
    scales = np.exp(rng.normal(0, 1.0, 12))
    xtr, ytr = data(rng, 300, centers, scales)
    xte, yte = data(rng, 200, centers, scales)
    out = {"writer": "tools/reference/probe_fixture.py, scikit-learn " + sklearn.__version__ + ", numpy " + np.__version__,
           "classes": 4, "dim": 12,
           "train_x": [[float(repr_f) for repr_f in row] for row in xtr.tolist()], "train_y": ytr.tolist(),
           "test_x": [[float(v) for v in row] for row in xte.tolist()], "test_y": yte.tolist(),
           "cases": [case("C=0.5", 0.5, xtr, ytr, xte), case("C=100", 100.0, xtr, ytr, xte)]}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(out, f)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
