#!/usr/bin/env python3
# Writes src/test/resources/unlearn/ssd_dampening.safetensors: inputs and outputs of the SSD reference's
# dampening rule (if-loops/selective-synaptic-dampening, ssd.py, ParameterPerturber.modify_weight), applied in
# torch float32 exactly as the reference does:
#     oimp_norm = oimp.mul(alpha)                       # selection_weighting
#     locations = torch.where(fimp > oimp_norm)
#     weight = ((oimp.mul(lambda)).div(fimp)).pow(1)    # dampening_constant, exponent 1
#     update = weight[locations]
#     update[torch.where(update > 1)] = 1               # lower_bound 1
#     p[locations] = p[locations].mul(update)
# Cases ("caseK.theta", "caseK.importance_d", "caseK.importance_f", "caseK.expected"; metadata "caseK" =
# "alpha,lambda") have awkward shapes (1-D of odd length, 4-D conv-like, 1x1x1, 13x17) and contain exact ties
# (I_f == alpha * I_D, not selected), zeros (I_f == 0; I_D == 0 with I_f > 0, which zeroes theta; both zero),
# ratios lambda*I_D/I_f > 1 (capped at 1: lambda > alpha), lambda = 0 and heavy-tailed random importances.
# The script checks that no element is a near-tie whose selection float32 and float64 arithmetic would decide
# differently, so the fixture does not depend on the precision of the comparison.
# Run from the repository root:  /usr/bin/python3 tools/reference/ssd_fixture.py   (deterministic)
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import safetensors_min  # noqa: E402

OUT = os.path.join(HERE, "..", "..", "src", "test", "resources", "unlearn")


def modify_weight(p, oimp, fimp, alpha, lam):
    """The reference's rule on one parameter (float32 in, float32 out)."""
    p = p.clone()
    with torch.no_grad():
        oimp_norm = oimp.mul(alpha)
        locations = torch.where(fimp > oimp_norm)
        weight = ((oimp.mul(lam)).div(fimp)).pow(1)
        update = weight[locations]
        min_locs = torch.where(update > 1)
        update[min_locs] = 1
        p[locations] = p[locations].mul(update)
    return p


def random_case(gen, shape, alpha):
    theta = torch.randn(shape, generator=gen)
    # heavy-tailed importances spanning many orders of magnitude, some exact zeros and exact ties
    d = torch.exp(torch.randn(shape, generator=gen) * 3) * 1e-3
    f = torch.exp(torch.randn(shape, generator=gen) * 3) * 1e-2
    pick = torch.rand(shape, generator=gen)
    d = torch.where(pick < 0.05, torch.zeros_like(d), d)
    f = torch.where((pick >= 0.05) & (pick < 0.10), torch.zeros_like(f), f)
    dyadic = torch.randint(1, 64, shape, generator=gen).float() / 64          # alpha * dyadic exact in float32
    tie = (pick >= 0.10) & (pick < 0.15)
    d = torch.where(tie, dyadic, d)
    f = torch.where(tie, dyadic * alpha, f)
    return theta, d, f


def check_no_near_ties(d, f, alpha):
    sel32 = f > d.mul(alpha)
    sel64 = f.double() > d.double() * alpha
    assert torch.equal(sel32, sel64), "a near-tie would depend on the comparison's precision; change the seed"


def main():
    gen = torch.Generator().manual_seed(2024)
    cases = []
    # hand-made: selected (ratio 0.05) | not selected | I_f == 0 | I_D == 0 (zeroed) | both zero | exact tie | tiny
    theta = torch.tensor([2.0, 3.0, 4.0, 5.0, 6.0, -7.0, 8.0])
    d = torch.tensor([1.0, 1.0, 0.0, 0.0, 0.0, 0.5, 1e-30])
    f = torch.tensor([20.0, 5.0, 0.0, 3.0, 0.0, 5.0, 1e-20])
    cases.append((theta, d, f, 10.0, 1.0))
    # ratios > 1 (lambda > alpha), capped at 1
    cases.append(random_case(gen, (4, 3, 3, 3), 0.5) + (0.5, 2.0))
    # the defaults on conv-like and linear-like shapes
    cases.append(random_case(gen, (5, 3, 2, 3), 10.0) + (10.0, 1.0))
    cases.append(random_case(gen, (13, 17), 10.0) + (10.0, 1.0))
    cases.append(random_case(gen, (1, 1, 1), 10.0) + (10.0, 1.0))
    cases.append(random_case(gen, (11,), 5.0) + (5.0, 1.0))
    # lambda = 0: selected entries are zeroed
    cases.append(random_case(gen, (6, 7), 10.0) + (10.0, 0.0))
    # non-integer constants (ViT sub-class alpha 25, lambda 0.7)
    cases.append(random_case(gen, (3, 64), 25.0) + (25.0, 0.7))
    tensors, meta = {}, {"torch": torch.__version__}
    for k, (theta, d, f, alpha, lam) in enumerate(cases):
        check_no_near_ties(d, f, alpha)
        tensors[f"case{k}.theta"] = theta.float()
        tensors[f"case{k}.importance_d"] = d.float()
        tensors[f"case{k}.importance_f"] = f.float()
        tensors[f"case{k}.expected"] = modify_weight(theta.float(), d.float(), f.float(), alpha, lam)
        meta[f"case{k}"] = f"{alpha!r},{lam!r}"
        sel = (f > d * alpha).sum().item()
        print(f"case{k}: shape {tuple(theta.shape)} alpha {alpha} lambda {lam}: {sel} of {theta.numel()} selected")
    meta["cases"] = str(len(cases))
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "ssd_dampening.safetensors")
    safetensors_min.write(path, tensors, meta)
    print("wrote", path)


if __name__ == "__main__":
    main()
