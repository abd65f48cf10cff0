#!/usr/bin/env python3
# Writes src/test/resources/unlearn/lf_ssd.safetensors: LF-SSD ("Loss-Free Machine Unlearning", Foster et al.,
# ICLR 2024 Tiny Paper) computed exactly the way the SSD reference does it (if-loops/selective-synaptic-dampening:
# ssd.py ParameterPerturber.calc_importance and modify_weight, called as forget_full_class_strategies.py's
# ssd_tuning calls them, with the two replacements its README gives under "Implementing LFSSD"):
#     model.eval()
#     importance(loader): for each batch of a non-shuffled loader (batch 64):
#         zero_grad; out = model(x)
#         loss = torch.norm(out, p="fro", dim=1).pow(2).mean()      # LFSSD: instead of CrossEntropyLoss()(out, y)
#         loss.backward()
#         imp[name] += p.grad.data.clone().abs()                     # LFSSD: instead of .pow(2)
#       then imp[name] /= len(loader)                                # the number of batches, the last one partial
#     I_f = importance(Df), I_D = importance(D), D = ConcatDataset((Dr, Df)) (retain first, as full_train_dl)
#     modify_weight(I_D, I_f): where I_f > alpha * I_D: p *= min(lambda * I_D / I_f, 1)   (in torch float32)
# on a tiny ResNet (width 4, one BasicBlock per stage, CIFAR stem, 5 classes, 3x8x8 inputs; BN affine parameters
# and running statistics perturbed away from their init) and fixed data: Dr = 300 random images (labels 1-4),
# Df = 10 images from another distribution (a fixed pattern plus smaller noise; label 0). No labels are used.
# D has 310 samples (batches 64, 64, 64, 64, 54: Df's samples share the last one with Dr's) and Df one partial batch
# of 10, so |D|/|Df| = 31 and SSD's default alpha 10 can select.
#
# The file holds the weights ("state.*"), the images ("retain.images", "forget.images") and labels, the two
# importances ("importance_d.*", "importance_f.*") and, per case K (metadata "caseK" = "alpha,lambda"), the
# dampened parameters ("caseK.*") and the number of elements selected ("selectedK"). Metadata "near_tiesK" counts
# the elements whose I_f / (alpha * I_D) lies within 1e-3 of 1, where the selection could depend on the float
# rounding of the importances.
# Run from the repository root:  /usr/bin/python3 tools/reference/lf_ssd_fixture.py   (deterministic)
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import safetensors_min  # noqa: E402
from model_fixtures import perturb_resnet, resnet, resnet_config  # noqa: E402

OUT = os.path.join(HERE, "..", "..", "src", "test", "resources", "unlearn")
BLOCKS = (1, 1, 1, 1)
BATCH = 64
CASES = [(10.0, 1.0), (3.0, 0.5)]   # SSD's published defaults; a stronger selection with a non-trivial lambda


def lf_importance(model, images, batch_size):
    """The reference's calc_importance with LFSSD's loss and |grad| accumulation, on an in-memory dataset."""
    importances = {n: torch.zeros_like(p) for n, p in model.named_parameters()}
    batches = 0
    for start in range(0, len(images), batch_size):
        x = images[start:start + batch_size]
        model.zero_grad()
        out = model(x)
        loss = torch.norm(out, p="fro", dim=1).pow(2).mean()
        loss.backward()
        for n, p in model.named_parameters():
            if p.grad is not None:
                importances[n].data += p.grad.data.clone().abs()
        batches += 1
    for imp in importances.values():
        imp.data /= float(batches)
    return importances


def modify_weight(model, original_importance, forget_importance, alpha, lam):
    """The reference's modify_weight (selection_weighting alpha, dampening_constant lambda, exponent 1, bound 1)."""
    with torch.no_grad():
        for (n, p), (_, oimp), (_, fimp) in zip(model.named_parameters(), original_importance.items(),
                                               forget_importance.items()):
            oimp_norm = oimp.mul(alpha)
            locations = torch.where(fimp > oimp_norm)
            weight = ((oimp.mul(lam)).div(fimp)).pow(1)
            update = weight[locations]
            min_locs = torch.where(update > 1)
            update[min_locs] = 1
            p[locations] = p[locations].mul(update)


def near_ties(imp_d, imp_f, alpha, margin=1e-3):
    n = 0
    for k in imp_d:
        d, f = imp_d[k].double(), imp_f[k].double()
        r = f / (alpha * d)
        n += int(((r - 1).abs() <= margin).sum().item())
    return n


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(13)
    model = resnet(5, width=4, blocks=BLOCKS)
    perturb_resnet(model, gen)
    model.eval()
    retain = torch.randn(300, 3, 8, 8, generator=gen)
    pattern = torch.randn(1, 3, 8, 8, generator=gen)
    forget = pattern + 0.5 * torch.randn(10, 3, 8, 8, generator=gen)
    retain_labels = torch.randint(1, 5, (300,), generator=gen)
    forget_labels = torch.zeros(10, dtype=torch.int64)
    state = {k: v.clone() for k, v in model.state_dict().items()}

    imp_f = lf_importance(model, forget, BATCH)                              # ssd_tuning: Df first,
    imp_d = lf_importance(model, torch.cat([retain, forget]), BATCH)         # then D = Dr + Df

    tensors = {}
    for k, v in state.items():
        tensors["state." + k] = v
    tensors["retain.images"] = retain
    tensors["retain.labels"] = retain_labels
    tensors["forget.images"] = forget
    tensors["forget.labels"] = forget_labels
    for k, v in imp_d.items():
        tensors["importance_d." + k] = v
    for k, v in imp_f.items():
        tensors["importance_f." + k] = v
    meta = {"config": json.dumps(resnet_config(5, width=4, blocks=BLOCKS), separators=(",", ":")),
            "batch_size": str(BATCH), "cases": str(len(CASES)), "torch": torch.__version__}
    total = sum(p.numel() for p in model.parameters())
    for c, (alpha, lam) in enumerate(CASES):
        model.load_state_dict(state)
        modify_weight(model, imp_d, imp_f, alpha, lam)
        selected = sum(int((imp_f[k] > imp_d[k].mul(alpha)).sum().item()) for k in imp_d)
        changed = sum(int((p != state[n]).sum().item()) for n, p in model.named_parameters())
        for n, p in model.named_parameters():
            tensors[f"case{c}.{n}"] = p.detach().clone()
        ties = near_ties(imp_d, imp_f, alpha)
        meta[f"case{c}"] = f"{alpha!r},{lam!r}"
        meta[f"near_ties{c}"] = str(ties)
        meta[f"selected{c}"] = str(selected)
        print(f"case{c}: alpha {alpha} lambda {lam}: {selected} of {total} selected, {changed} changed, "
              f"{ties} near-ties")
    model.load_state_dict(state)
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "lf_ssd.safetensors")
    safetensors_min.write(path, tensors, meta)
    print("wrote", path)


if __name__ == "__main__":
    main()
