# Writes src/test/resources/transfer/probe_fixture.json: a linear probe's reference fit. Synthetic float32 features
# (4 overlapping Gaussian classes in 12 dimensions, one constant feature, features on different scales), standardised
# with scikit-learn's StandardScaler, then LogisticRegression(C, multi_class="multinomial", solver="lbfgs") fitted to
# a tight tolerance: its coef_ and intercept_ (on standardised features), the scaler's mean_ and scale_, and its
# predictions on held-out rows. Two cases: C = 0.5 and C = 100. Lethe's LinearProbe (ai.lethe.transfer) minimises the
# same objective divided by N, so it must reach the same optimum.
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


def case(name, c, xtr, ytr, xte):
    scaler = StandardScaler().fit(xtr.astype(np.float64))
    clf = LogisticRegression(C=c, multi_class="multinomial", solver="lbfgs", tol=1e-12, max_iter=100000)
    clf.fit(scaler.transform(xtr.astype(np.float64)), ytr)
    pred = clf.predict(scaler.transform(xte.astype(np.float64)))
    return {"name": name, "C": c, "coef": clf.coef_.tolist(), "intercept": clf.intercept_.tolist(),
            "mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist(), "test_predictions": pred.tolist(),
            "n_iter": int(clf.n_iter_[0])}


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
