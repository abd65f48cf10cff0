#!/usr/bin/env python3
# Writes the golden fixtures of ai.lethe.optim's tests with PyTorch (torch.optim, torch.optim.lr_scheduler):
#   src/test/resources/optim/optimizers.txt  parameters, per-step gradients and parameters after each step
#   src/test/resources/optim/schedulers.txt  learning rates (and OneCycle's momentum/beta1) per epoch
# Run from the repository root: python3 tools/reference/optim_fixtures.py  (torch 1.13, CPU). The tests read
# the committed files and never need Python.
#
# Text format, one record a line, tokens separated by spaces, floats as Python's repr of the float32 value
# (exact when parsed as a double and rounded to float):
#   case NAME                      starts a case; `end` closes it
#   optimizer KIND k=v ...         KIND sgd|adam|adamw with its defaults (booleans 0/1, betas=b1,b2)
#   group G params=i,j k=v ...     parameter group G: global parameter indices and per-group overrides
#   param I SHAPE v ...            initial values of parameter I (SHAPE as d1,d2)
#   grad S I v ...                 gradient of parameter I at step S (no line: the gradient is None)
#   expect S I v ...               parameter I after step S
#   scheduler KIND k=v ...         scheduler under test (sequential: followed by its `sub KIND k=v` lines)
#   lr G v ...                     lr of group G after construction (epoch 0) and after each step()
#   momentum G v ...               momentum (SGD) or beta1 (Adam) of group G, same epochs
import math
import os
import sys

import torch
from torch.optim import SGD, Adam, AdamW
from torch.optim import lr_scheduler as S

STEPS = 6
EPOCHS = 30
OUT = os.path.join("src", "test", "resources", "optim")


def fmt(values):
    return " ".join(repr(float(v)) for v in values)


def kv(d):
    out = []
    for k, v in d.items():
        if isinstance(v, bool):
            v = int(v)
        if isinstance(v, (list, tuple)):
            v = ",".join(repr(float(x)) if isinstance(x, float) else str(x) for x in v)
        out.append(f"{k}={v}")
    return " ".join(out)


# Parameters: p0 [2,3], p1 [4], p2 [3] (no gradient at steps 1 and 4), p3 [2] (never a gradient).
SHAPES = [(2, 3), (4,), (3,), (2,)]
NO_GRAD = {2: {1, 4}, 3: set(range(STEPS))}


def make_params(gen):
    return [torch.randn(s, generator=gen) for s in SHAPES]


def make_grads(gen):
    grads = []
    for s in range(STEPS):
        step = []
        for i, shape in enumerate(SHAPES):
            g = torch.randn(shape, generator=gen) * (0.5 + 0.25 * s)
            step.append(None if s in NO_GRAD.get(i, set()) else g)
        grads.append(step)
    return grads


OPTIMIZER_CASES = [
    # name, kind, defaults, groups ([(param indices, overrides)])
    ("sgd_plain", "sgd", dict(lr=0.1), None),
    ("sgd_momentum", "sgd", dict(lr=0.1, momentum=0.9), None),
    ("sgd_dampening", "sgd", dict(lr=0.05, momentum=0.9, dampening=0.5), None),
    ("sgd_nesterov", "sgd", dict(lr=0.1, momentum=0.9, nesterov=True), None),
    ("sgd_weight_decay", "sgd", dict(lr=0.1, weight_decay=0.1), None),
    ("sgd_recipe", "sgd", dict(lr=0.1, momentum=0.9, weight_decay=5e-4), None),
    ("sgd_maximize", "sgd", dict(lr=0.1, momentum=0.9, weight_decay=0.01, maximize=True), None),
    ("sgd_nesterov_wd_maximize", "sgd", dict(lr=0.05, momentum=0.8, weight_decay=0.05, nesterov=True,
                                             maximize=True), None),
    ("sgd_groups", "sgd", dict(lr=0.1, momentum=0.9, weight_decay=5e-4),
     [([0, 3], {}), ([1, 2], dict(lr=0.01, weight_decay=0.0))]),
    ("adam", "adam", dict(lr=0.01), None),
    ("adam_weight_decay", "adam", dict(lr=0.01, weight_decay=0.1), None),
    ("adam_betas_eps_maximize", "adam", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, maximize=True), None),
    ("adamw", "adamw", dict(lr=0.01), None),
    ("adamw_weight_decay_maximize", "adamw", dict(lr=0.01, weight_decay=0.1, maximize=True), None),
    ("adamw_groups", "adamw", dict(lr=0.01, weight_decay=0.05),
     [([0], {}), ([1, 2, 3], dict(lr=0.002, weight_decay=0.0))]),
]

CTORS = {"sgd": SGD, "adam": Adam, "adamw": AdamW}


def full_defaults(kind, given):
    """The optimizer's defaults as torch sees them (so the fixture states every hyper-parameter)."""
    probe = CTORS[kind]([torch.zeros(1, requires_grad=True)], **given)
    keys = {"sgd": ["lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize"],
            "adam": ["lr", "betas", "eps", "weight_decay", "maximize"],
            "adamw": ["lr", "betas", "eps", "weight_decay", "maximize"]}[kind]
    return {k: probe.defaults[k] for k in keys}


def optimizer_case(out, gen, name, kind, defaults, groups):
    init = make_params(gen)
    grads = make_grads(gen)
    params = [p.clone().requires_grad_(True) for p in init]
    if groups is None:
        groups = [(list(range(len(params))), {})]
    torch_groups = [dict(params=[params[i] for i in idx], **over) for idx, over in groups]
    opt = CTORS[kind](torch_groups, **defaults)

    out.append(f"case {name}")
    out.append(f"optimizer {kind} {kv(full_defaults(kind, defaults))}")
    for g, (idx, over) in enumerate(groups):
        out.append(f"group {g} params={','.join(map(str, idx))} {kv(over)}".rstrip())
    for i, p in enumerate(init):
        out.append(f"param {i} {','.join(map(str, p.shape))} {fmt(p.flatten().tolist())}")
    for s in range(STEPS):
        for i, p in enumerate(params):
            g = grads[s][i]
            p.grad = None if g is None else g.clone()
            if g is not None:
                out.append(f"grad {s} {i} {fmt(g.flatten().tolist())}")
        opt.step()
        for i, p in enumerate(params):
            out.append(f"expect {s} {i} {fmt(p.detach().flatten().tolist())}")
    out.append("end")


def lambdas(names):
    table = {"pow095": lambda e: 0.95 ** e, "inv": lambda e: 1.0 / (e + 1), "warm5": lambda e: min(1.0, (e + 1) / 5)}
    return [table[n] for n in names]


def build_scheduler(opt, kind, a):
    if kind == "multistep":
        return S.MultiStepLR(opt, milestones=a["milestones"], gamma=a["gamma"])
    if kind == "cosine":
        return S.CosineAnnealingLR(opt, T_max=a["t_max"], eta_min=a.get("eta_min", 0))
    if kind == "linear":
        return S.LinearLR(opt, start_factor=a["start_factor"], end_factor=a["end_factor"],
                          total_iters=a["total_iters"])
    if kind == "lambda":
        fs = lambdas(a["lambdas"])
        return S.LambdaLR(opt, fs if len(fs) > 1 else fs[0])
    if kind == "onecycle":
        extra = {k: a[k] for k in ("pct_start", "anneal_strategy", "cycle_momentum", "base_momentum",
                                   "max_momentum", "div_factor", "final_div_factor", "three_phase") if k in a}
        return S.OneCycleLR(opt, max_lr=a["max_lr"], total_steps=a["total_steps"], **extra)
    raise ValueError(kind)


SCHEDULER_CASES = [
    # name, optimizer (kind, group lrs, extra), scheduler (kind, args), subs [(kind, args)]
    ("multistep", ("sgd", [0.1], {}), ("multistep", dict(milestones=[10, 20], gamma=0.1)), None),
    ("multistep_recipe_half_three_quarters", ("sgd", [0.1], dict(momentum=0.9, weight_decay=5e-4)),
     ("multistep", dict(milestones=[15, 22], gamma=0.1)), None),
    ("multistep_duplicates_unsorted_groups", ("sgd", [0.1, 0.01], {}),
     ("multistep", dict(milestones=[12, 5, 5], gamma=0.5)), None),
    ("cosine_beyond_tmax", ("sgd", [0.1], {}), ("cosine", dict(t_max=10, eta_min=0.001)), None),
    ("cosine_to_zero", ("adam", [0.003, 0.001], {}), ("cosine", dict(t_max=30)), None),
    ("linear_warmup", ("sgd", [0.1], {}), ("linear", dict(start_factor=0.25, end_factor=1.0, total_iters=8)), None),
    ("linear_decay", ("sgd", [0.2], {}), ("linear", dict(start_factor=1.0, end_factor=0.1, total_iters=20)), None),
    ("lambda_single", ("sgd", [0.1], {}), ("lambda", dict(lambdas=["pow095"])), None),
    ("lambda_per_group", ("sgd", [0.1, 0.05], {}), ("lambda", dict(lambdas=["pow095", "inv"])), None),
    ("sequential_warmup_multistep", ("sgd", [0.1], dict(momentum=0.9)), ("sequential", dict(milestones=[5])),
     [("linear", dict(start_factor=0.2, end_factor=1.0, total_iters=5)),
      ("multistep", dict(milestones=[10, 20], gamma=0.2))]),
    ("sequential_recipe_one_warmup_epoch", ("sgd", [0.1], {}), ("sequential", dict(milestones=[1])),
     [("linear", dict(start_factor=0.1, end_factor=1.0, total_iters=1)),
      ("multistep", dict(milestones=[8, 16, 24], gamma=0.2))]),
    ("sequential_warmup_cosine_groups", ("adamw", [0.001, 0.0005], {}), ("sequential", dict(milestones=[5])),
     [("linear", dict(start_factor=0.1, end_factor=1.0, total_iters=5)), ("cosine", dict(t_max=25))]),
    ("sequential_three", ("sgd", [0.1], {}), ("sequential", dict(milestones=[3, 12])),
     [("lambda", dict(lambdas=["warm5"])), ("cosine", dict(t_max=9, eta_min=0.01)),
      ("multistep", dict(milestones=[6], gamma=0.5))]),
    ("onecycle_sgd_defaults", ("sgd", [0.1], dict(momentum=0.9)),
     ("onecycle", dict(max_lr=0.1, total_steps=30)), None),
    ("onecycle_adam_three_phase_linear", ("adam", [0.001], {}),
     ("onecycle", dict(max_lr=0.01, total_steps=30, pct_start=0.25, anneal_strategy="linear", base_momentum=0.8,
                       max_momentum=0.9, div_factor=10.0, final_div_factor=100.0, three_phase=True)), None),
    ("onecycle_groups_no_momentum_cycle", ("sgd", [0.1, 0.1], dict(momentum=0.9)),
     ("onecycle", dict(max_lr=[0.1, 0.05], total_steps=30, pct_start=0.4, cycle_momentum=False)), None),
]


def scheduler_case(out, name, optimizer, scheduler, subs):
    kind, lrs, extra = optimizer
    params = [torch.zeros(2, requires_grad=True) for _ in lrs]
    opt = CTORS[kind]([dict(params=[p], lr=lr) for p, lr in zip(params, lrs)], lr=lrs[0], **extra)
    skind, sargs = scheduler
    if skind == "sequential":
        inner = [build_scheduler(opt, k, a) for k, a in subs]
        sched = S.SequentialLR(opt, inner, milestones=sargs["milestones"])
    else:
        sched = build_scheduler(opt, skind, sargs)
    momentum_key = "betas" if kind in ("adam", "adamw") else "momentum"

    def momentum(g):
        v = g[momentum_key]
        return v[0] if momentum_key == "betas" else v

    lr_rows = [[g["lr"]] for g in opt.param_groups]
    mom_rows = [[momentum(g)] for g in opt.param_groups]
    for _ in range(EPOCHS):
        opt.step()  # no gradients: parameters stay, only the step order PyTorch expects
        sched.step()
        for g, group in enumerate(opt.param_groups):
            lr_rows[g].append(group["lr"])
            mom_rows[g].append(momentum(group))

    out.append(f"case {name}")
    out.append(f"optimizer {kind} lrs={','.join(repr(float(x)) for x in lrs)} {kv(extra)}".rstrip())
    out.append(f"scheduler {skind} {kv(sargs)}".rstrip())
    for k, a in subs or []:
        out.append(f"sub {k} {kv(a)}".rstrip())
    for g, row in enumerate(lr_rows):
        out.append(f"lr {g} {' '.join(repr(float(v)) for v in row)}")
    if skind == "onecycle":
        for g, row in enumerate(mom_rows):
            out.append(f"momentum {g} {' '.join(repr(float(v)) for v in row)}")
    out.append("end")


def main():
    if not torch.__version__.startswith("1.13"):
        print(f"warning: fixtures were made with torch 1.13, this is {torch.__version__}", file=sys.stderr)
    os.makedirs(OUT, exist_ok=True)
    header = [f"# generated by tools/reference/optim_fixtures.py with torch {torch.__version__}; do not edit"]

    gen = torch.Generator().manual_seed(20240611)
    lines = list(header)
    for case in OPTIMIZER_CASES:
        optimizer_case(lines, gen, *case)
    with open(os.path.join(OUT, "optimizers.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")

    lines = list(header)
    for case in SCHEDULER_CASES:
        scheduler_case(lines, *case)
    with open(os.path.join(OUT, "schedulers.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
