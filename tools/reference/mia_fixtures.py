# Writes src/test/resources/eval/mia_fixtures.json: synthetic membership-inference feature sets and what
# scikit-learn 1.2.1 predicts on them, computed exactly as the two reference implementations do:
#   - Unlearn-Sparse (evaluation/SVC_MIA.py, SVC_fit_predict): SVC(C=3, gamma="auto", kernel="rbf") fitted on
#     shadow members (label 1) + shadow non-members (label 0), no class weights, no probability model;
#     predictions with clf.predict (also written: clf.decision_function). scikit-learn's libsvm sorts the labels, so
#     the non-members (0) are its first class, the +1 of the binary problem; SMO stops at a tolerance, so that order
#     and sign move near-boundary decisions. The case svm_entropy_boundary_1200 shows it: its targets include points
#     between the decision boundary of that fit and the boundary of the same fit with the members listed first as
#     the +1 class (what Lethe's SvmAttack once did), written as membersFirstPredictions; they differ there.
#   - SSD (metrics.py, get_membership_attack_prob): LogisticRegression(class_weight="balanced", solver="lbfgs",
#     multi_class="multinomial") on retain (1) + test (0) entropies; predictions with clf.predict. Also written:
#     the predictions of the plain binary LogisticRegression(class_weight="balanced") (C=1), for Lethe's BINARY form,
#     both fits again at tol=1e-12, and the exact optimum of each objective (Newton's method in numpy), which
#     sklearn's lbfgs approaches to ~1e-6 and Lethe's solver must reach.
# Features are float32 values (the references' softmax outputs are float32), written as float32 reprs.
# The Java tests (ai.lethe.eval.MiaFixtureTest) read the file; sklearn never runs during the tests.
#
# Run from the repository root: /usr/bin/python3 tools/reference/mia_fixtures.py
import json
import math
import os

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC

OUT = os.path.join("src", "test", "resources", "eval", "mia_fixtures.json")
LOG10 = math.log(10.0)


def f32(values):
    return np.asarray(values, dtype=np.float32)


def confidences(rng, n, a, b, saturated):
    """Confidence on the true label: 1 - Beta(a, b), a share of them exactly 1.0f (saturated softmax)."""
    c = f32(1.0 - rng.beta(a, b, n))
    c[rng.random(n) < saturated] = np.float32(1.0)
    return c


def entropies(rng, n, a, b):
    """Softmax entropy of a 10-class model, in [0, log 10]."""
    return f32(rng.beta(a, b, n) * LOG10)


def targets(rng, member_like, non_member_like, lo, hi, grid):
    """A forget set: a mix of member-like and non-member-like values, plus a grid over [lo, hi]."""
    return np.concatenate([member_like, non_member_like, f32(np.linspace(lo, hi, grid))])


def svm_case(name, feature, members, non_members, target):
    x = np.concatenate([members, non_members]).astype(np.float64).reshape(-1, 1)
    y = np.concatenate([np.ones(len(members)), np.zeros(len(non_members))])
    clf = SVC(C=3, gamma="auto", kernel="rbf")
    clf.fit(x, y)
    t = target.astype(np.float64).reshape(-1, 1)
    return {
        "name": name, "attack": "svm", "feature": feature,
        "members": floats(members), "nonMembers": floats(non_members), "targets": floats(target),
        "predictions": [int(v) for v in clf.predict(t)],
        "decision": [float(v) for v in clf.decision_function(t)],
        "supportVectors": int(clf.support_.size),
    }


def svm_boundary_case(name, rng):
    """Entropy features with targets straddling both boundaries: sklearn's fit and the members-first fit."""
    members, non_members = entropies(rng, 600, 0.6, 8.0), entropies(rng, 600, 0.8, 5.0)
    x = np.concatenate([members, non_members]).astype(np.float64).reshape(-1, 1)
    y = np.concatenate([np.ones(len(members)), np.zeros(len(non_members))])
    members_first = SVC(C=3, gamma="auto", kernel="rbf").fit(x, 1 - y)  # members = label 0 = libsvm's +1 class
    natural = np.concatenate([entropies(rng, 300, 0.6, 8.0), entropies(rng, 300, 0.8, 5.0)])
    ref = SVC(C=3, gamma="auto", kernel="rbf").fit(x, y)
    lo, hi = sorted([boundary(ref), boundary(members_first)])
    pad = (hi - lo) / 2
    target = np.concatenate([natural, f32(np.linspace(0.0, LOG10, 240)), f32(np.linspace(lo - pad, hi + pad, 60))])
    case = svm_case(name, "entropy", members, non_members, target)
    t = target.astype(np.float64).reshape(-1, 1)
    case["membersFirstPredictions"] = [int(v) for v in 1 - members_first.predict(t)]
    flips = sum(a != b for a, b in zip(case["predictions"], case["membersFirstPredictions"]))
    assert flips > 0, name + ": the members-first order decides every target the same; pick another draw"
    case["membersFirstFlips"] = int(flips)
    return case


def boundary(clf):
    """The one feature value in [0, ln 10] where clf's decision function changes sign (bisection)."""
    grid = np.linspace(0.0, LOG10, 20001)
    d = clf.decision_function(grid.reshape(-1, 1))
    crossings = np.nonzero(np.sign(d[:-1]) != np.sign(d[1:]))[0]
    assert len(crossings) == 1, "expected one decision boundary, found " + str(len(crossings))
    a, b = grid[crossings[0]], grid[crossings[0] + 1]
    sign_a = np.sign(d[crossings[0]])
    for _ in range(80):
        mid = (a + b) / 2
        if np.sign(clf.decision_function([[mid]])[0]) == sign_a:
            a = mid
        else:
            b = mid
    return (a + b) / 2


def logreg_case(name, members, non_members, target):
    x = np.concatenate([members, non_members]).astype(np.float64).reshape(-1, 1)
    y = np.concatenate([np.ones(len(members)), np.zeros(len(non_members))])
    t = target.astype(np.float64).reshape(-1, 1)
    ref = LogisticRegression(class_weight="balanced", solver="lbfgs", multi_class="multinomial").fit(x, y)
    binary = LogisticRegression(class_weight="balanced").fit(x, y)
    # the same fits to a tight tolerance (lbfgs still stops on its relative-decrease test, ~1e-6 from the optimum)
    tight = LogisticRegression(class_weight="balanced", solver="lbfgs", multi_class="multinomial", tol=1e-12, max_iter=100000).fit(x, y)
    tight_binary = LogisticRegression(class_weight="balanced", tol=1e-12, max_iter=100000).fit(x, y)
    ref_w, ref_b = logreg_optimum(x[:, 0], y, 2.0)     # multinomial with two classes: the binary model, C_eff = 2C
    bin_w, bin_b = logreg_optimum(x[:, 0], y, 1.0)
    return {
        "name": name, "attack": "logreg", "feature": "entropy",
        "members": floats(members), "nonMembers": floats(non_members), "targets": floats(target),
        "predictions": [int(v) for v in ref.predict(t)],
        "coef": float(ref.coef_[0][0]), "intercept": float(ref.intercept_[0]),
        "binaryPredictions": [int(v) for v in binary.predict(t)],
        "binaryCoef": float(binary.coef_[0][0]), "binaryIntercept": float(binary.intercept_[0]),
        "tightCoef": float(tight.coef_[0][0]), "tightIntercept": float(tight.intercept_[0]),
        "tightBinaryCoef": float(tight_binary.coef_[0][0]), "tightBinaryIntercept": float(tight_binary.intercept_[0]),
        "optimumCoef": ref_w, "optimumIntercept": ref_b, "optimumBinaryCoef": bin_w, "optimumBinaryIntercept": bin_b,
    }


def logreg_optimum(x, y01, c_eff):
    """The exact minimiser (w, b) of 1/2 w^2 / c_eff + sum_i s_i log(1 + exp(-y_i (w x_i + b))), s_i the balanced
    weights, y_i in {-1, +1}: Newton's method in float64 to a gradient of ~1e-15 (the binary decision function;
    for the multinomial form sklearn's coef_ is half of it)."""
    y = np.where(y01 > 0, 1.0, -1.0)
    n, n1 = len(y), float(np.sum(y > 0))
    s = np.where(y > 0, n / (2 * n1), n / (2 * (n - n1)))
    p = np.zeros(2)
    for _ in range(100):
        sig = 1 / (1 + np.exp(y * (p[0] * x + p[1])))          # sigma(-margin)
        g = np.array([np.sum(-s * y * sig * x) + p[0] / c_eff, np.sum(-s * y * sig)])
        cu = s * sig * (1 - sig)
        h = np.array([[np.sum(cu * x * x) + 1 / c_eff, np.sum(cu * x)], [np.sum(cu * x), np.sum(cu)]])
        p = p - np.linalg.solve(h, g)
    assert np.max(np.abs(g)) < 1e-9, g
    return float(p[0]), float(p[1])


def floats(a):
    return [float(repr_f32(v)) for v in a]


def repr_f32(v):
    return np.format_float_positional(np.float32(v), unique=True, trim="-")


def main():
    rng = np.random.default_rng(20230917)
    cases = []
    # (name, members, non-members, member Beta, non-member Beta, saturated share, targets per side, grid)
    svm_specs = [
        ("svm_conf_separated_200", 100, 100, (0.4, 30.0), (0.7, 2.0), 0.0, 150, 200),
        ("svm_conf_overlapping_600", 300, 300, (0.5, 6.0), (0.6, 3.0), 0.0, 300, 200),
        ("svm_conf_saturated_1000", 500, 500, (0.3, 40.0), (0.5, 4.0), 0.3, 400, 200),
        ("svm_conf_unbalanced_1500", 1000, 500, (0.4, 15.0), (0.6, 2.5), 0.1, 400, 200),
        ("svm_conf_close_2000", 1000, 1000, (0.5, 5.0), (0.5, 4.0), 0.05, 500, 300),
    ]
    for name, nm, nn, bm, bn, sat, nt, grid in svm_specs:
        members = confidences(rng, nm, bm[0], bm[1], sat)
        non_members = confidences(rng, nn, bn[0], bn[1], sat / 3)
        target = targets(rng, confidences(rng, nt, bm[0], bm[1], sat), confidences(rng, nt, bn[0], bn[1], sat / 3), 0.0, 1.0, grid)
        cases.append(svm_case(name, "confidence", members, non_members, target))
    # the entropy feature (Lethe's option for MIA-efficacy)
    for name, nm, nn, bm, bn, nt in [("svm_entropy_800", 400, 400, (0.5, 20.0), (0.9, 4.0), 300),
                                     ("svm_entropy_2000", 1000, 1000, (0.6, 8.0), (0.8, 5.0), 500)]:
        members, non_members = entropies(rng, nm, *bm), entropies(rng, nn, *bn)
        target = targets(rng, entropies(rng, nt, *bm), entropies(rng, nt, *bn), 0.0, LOG10, 200)
        cases.append(svm_case(name, "entropy", members, non_members, target))
    # SSD's attack: members = the retain set (large), non-members = the test set
    for name, nm, nn, bm, bn, nt in [("logreg_separated_200", 150, 50, (0.4, 25.0), (0.9, 3.0), 200),
                                     ("logreg_overlapping_1000", 700, 300, (0.6, 6.0), (0.7, 4.0), 400),
                                     ("logreg_unbalanced_2000", 1600, 400, (0.5, 12.0), (0.8, 3.0), 500),
                                     ("logreg_more_nonmembers_1200", 400, 800, (0.5, 10.0), (0.9, 4.0), 400)]:
        members, non_members = entropies(rng, nm, *bm), entropies(rng, nn, *bn)
        target = targets(rng, entropies(rng, nt, *bm), entropies(rng, nt, *bn), 0.0, LOG10, 200)
        cases.append(logreg_case(name, members, non_members, target))
    # where libsvm's class order decides: its own generator, so the cases above keep their draws
    cases.append(svm_boundary_case("svm_entropy_boundary_1200", np.random.default_rng(1001)))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"sklearn": sklearn.__version__, "numpy": np.__version__, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    for c in cases:
        print(c["name"], c["attack"], len(c["members"]), len(c["nonMembers"]), len(c["targets"]),
              "member share predicted", round(float(np.mean(c["predictions"])), 3),
              "SVs " + str(c["supportVectors"]) if "supportVectors" in c else "",
              "members-first flips " + str(c["membersFirstFlips"]) if "membersFirstFlips" in c else "")
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
