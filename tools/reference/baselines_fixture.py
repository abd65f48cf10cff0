#!/usr/bin/env python3
# Writes src/test/resources/unlearn/baselines.safetensors: the first steps of SalUn, NegGrad+, SCRUB, Boundary Shrink
# and Boundary Expand, transcribed in PyTorch from their references' update code (no code copied; the facts each
# transcription follows are cited per function), on one fixed tiny model and fixed data:
#   - a width-4 ResNet (one BasicBlock per stage, CIFAR stem, 5 classes, 3x8x8 inputs) with perturbed batch norm
#     (model_fixtures.perturb_resnet), the state before every case in "state.*";
#   - Dr = 24 images with random labels 0-4, Df = 8 images labelled 0 ("retain.*", "forget.*"), pixels in [0, 1];
#   - every step uses one batch holding the whole set (the Java tests run the real methods with batch sizes equal to
#     the set sizes: their loaders' shuffles only permute a batch, which changes the mean loss and the batch-norm
#     statistics by float rounding only).
# Per case, the parameters and buffers after the steps ("<case>.after.*") and what the Java side needs besides:
#   salun:    the saliency mask (OPTML-Group/Unlearn-Saliency generate_mask.py save_gradient_ratio: eval mode, sum over
#             Df's batches — here 2 of 4 — of the gradient of -CE, |.|, the int(N*0.2) largest kept; "salun.mask.*",
#             metadata salun_near_ties = elements within 1e-4 relative of the threshold), then 2 steps of RL with the
#             mask (unlearn/RL.py: train mode, CE on [Df with fixed "random" labels salun.forget_labels, Dr], grad *= mask,
#             SGD step, masked-out entries restored to their start values and their momentum zeroed), SGD lr 0.05,
#             momentum 0.9, weight decay 5e-4;
#   neggrad:  2 steps of SCRUB's helper/loops.py train_negrad: train mode, loss = beta*CE(Dr) - (1-beta)*CE(Df),
#             beta 0.8, plain SGD lr 0.05 (no momentum, no weight decay);
#   scrub:    SCRUB (large_scale_unlearning.ipynb's loop with helper/loops.py train_distill and distiller_zoo/KD.py):
#             teacher = frozen copy in eval mode, student in train mode, epochs 2, msteps 1: epoch 1 = max-step on Df
#             (loss -KL), min-step on Dr (gamma*CE + alpha*KL), epoch 2 = min-step on Dr; KL = sum KL(p_t/T || p_s/T)
#             * T^2 / batch; T 4, alpha 0.5, gamma 0.7; SGD momentum 0.9, weight decay 5e-4, lr 0.05 in epoch 1 and
#             0.005 in epoch 2 (util.py adjust_learning_rate with lr_decay_epochs [1], rate 0.1);
#   shrink:   2 steps of unlearn/boundary_sh.py: the frozen original (eval) takes one FGSM step on Df (bound 0.1,
#             clamp to [0, 1], round to 1/255), its argmax on the result is the new label ("shrink.labels"), CE on
#             (x, label) in train mode, SGD lr 0.05, momentum 0.9, weight decay 5e-4. The model normalises its
#             input inside (mean/std in metadata shrink_mean/shrink_std), as the reference's models do; Lethe gets
#             the same normalisation as its transform and must attack in pixel space;
#   expand:   2 steps of unlearn/boundary_ex.py: fc widened to 6 outputs (rows 0-4 the old ones, row 5 the shadow
#             row, initialised as nn.Linear does, in "expand.shadow.*"), CE towards class 5 on Df in train mode,
#             SGD lr 0.05, momentum 0.9, weight decay 5e-4; then the shadow row is pruned.
# Run from the repository root:  /usr/bin/python3 tools/reference/baselines_fixture.py   (deterministic)
import copy
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import safetensors_min  # noqa: E402
from model_fixtures import perturb_resnet, resnet, resnet_config  # noqa: E402

OUT = os.path.join(HERE, "..", "..", "src", "test", "resources", "unlearn")
BLOCKS = (1, 1, 1, 1)
CLASSES = 5
LR = 0.05
# Of this model's 19,737 parameter elements 15,130 get an exactly zero Df gradient (8x8 inputs leave layer4 1x1, so
# 8 of 9 taps of its 3x3 kernels see only padding; perturbed batch norm kills some ReLUs): a fraction of 0.2 puts the
# threshold among the non-zero scores, where it tests the ordering rather than the tie-breaking of zeros.
SALUN_FRACTION = 0.2


def sgd(params, momentum=0.9, weight_decay=5e-4, lr=LR):
    return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)


def saliency_mask(model, forget, forget_labels, batch, fraction):
    """generate_mask.py save_gradient_ratio: eval mode, gradients of -CE summed over the batches, |.|, global top."""
    model.eval()
    model.zero_grad()
    grads = {n: torch.zeros_like(p) for n, p in model.named_parameters()}
    for start in range(0, len(forget), batch):
        model.zero_grad()
        loss = -F.cross_entropy(model(forget[start:start + batch]), forget_labels[start:start + batch])
        loss.backward()
        for n, p in model.named_parameters():
            grads[n] += p.grad
    scores = {n: g.abs() for n, g in grads.items()}
    flat = torch.cat([s.flatten() for s in scores.values()])
    keep = int(len(flat) * fraction)
    threshold = torch.sort(flat, descending=True).values[keep - 1]
    masks, start = {}, 0
    order = torch.argsort(-flat, stable=True)
    chosen = torch.zeros_like(flat)
    chosen[order[:keep]] = 1
    for n, s in scores.items():
        masks[n] = chosen[start:start + s.numel()].reshape(s.shape)
        start += s.numel()
    near = int(((flat - threshold).abs() <= 1e-4 * threshold).sum().item())
    model.zero_grad()
    return masks, near, keep, len(flat)


def salun(model, forget, retain, retain_labels, relabels, gen):
    mask, near, keep, total = saliency_mask(model, forget, torch.zeros(len(forget), dtype=torch.int64), 4, SALUN_FRACTION)
    theta0 = {n: p.detach().clone() for n, p in model.named_parameters()}
    opt = sgd(model.parameters())
    x = torch.cat([forget, retain])
    y = torch.cat([relabels, retain_labels])
    for _ in range(2):
        model.train()
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        for n, p in model.named_parameters():
            p.grad *= mask[n]
        opt.step()
        with torch.no_grad():   # RL.py _restore_masked_params
            for n, p in model.named_parameters():
                p.mul_(mask[n]).add_(theta0[n] * (1 - mask[n]))
                state = opt.state.get(p)
                if state is not None and "momentum_buffer" in state:
                    state["momentum_buffer"].mul_(mask[n])
    return mask, {"salun_near_ties": str(near), "salun_kept": str(keep), "salun_total": str(total),
                  "salun_fraction": repr(SALUN_FRACTION)}


def neggrad(model, forget, forget_labels, retain, retain_labels, beta):
    opt = sgd(model.parameters(), momentum=0, weight_decay=0)
    for _ in range(2):
        model.train()
        out_r = model(retain)
        out_f = model(forget)
        loss = beta * F.cross_entropy(out_r, retain_labels) - (1 - beta) * F.cross_entropy(out_f, forget_labels)
        opt.zero_grad()
        loss.backward()
        opt.step()


def distill_kl(logit_s, logit_t, t):
    p_s = F.log_softmax(logit_s / t, dim=1)
    p_t = F.softmax(logit_t / t, dim=1)
    return F.kl_div(p_s, p_t, reduction="sum") * (t ** 2) / logit_s.shape[0]


def scrub(model, forget, retain, retain_labels, t, alpha, gamma):
    teacher = copy.deepcopy(model)
    teacher.eval()
    opt = sgd(model.parameters())
    for epoch in (1, 2):
        for g in opt.param_groups:
            g["lr"] = LR * (0.1 if epoch > 1 else 1.0)
        passes = [("max", forget, None)] if epoch <= 1 else []
        passes.append(("min", retain, retain_labels))
        for split, x, y in passes:
            model.train()
            teacher.eval()
            logit_s = model(x)
            with torch.no_grad():
                logit_t = teacher(x)
            kl = distill_kl(logit_s, logit_t, t)
            loss = -kl if split == "max" else gamma * F.cross_entropy(logit_s, y) + alpha * kl
            opt.zero_grad()
            loss.backward()
            opt.step()


class Normalized(nn.Module):
    def __init__(self, net, mean, std):
        super().__init__()
        self.net = net
        self.register_buffer("mean", torch.tensor(mean).view(1, -1, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std).view(1, -1, 1, 1), persistent=False)

    def forward(self, x):
        return self.net((x - self.mean) / self.std)


def shrink(model, forget, forget_labels, mean, std, bound):
    net = Normalized(model, mean, std)
    original = copy.deepcopy(net)
    original.eval()
    opt = sgd(model.parameters())
    labels = []
    for _ in range(2):
        x_adv = forget.detach().clone().requires_grad_(True)
        F.cross_entropy(original(x_adv), forget_labels).backward()
        x_adv = x_adv + x_adv.grad.sign() * bound
        x_adv = torch.round(torch.clamp(x_adv, 0.0, 1.0) * 255) / 255
        with torch.no_grad():
            adv_label = torch.argmax(original(x_adv.detach()), dim=1)
        labels.append(adv_label)
        net.train()
        loss = F.cross_entropy(net(forget), adv_label)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert torch.equal(labels[0], labels[1])
    return labels[0]


def expand(model, forget, gen):
    fc = model.fc
    shadow = nn.Linear(fc.in_features, 1)
    with torch.no_grad():   # nn.Linear's default init (kaiming_uniform a=sqrt(5)) drawn from the fixture's generator
        bound = 1 / fc.in_features ** 0.5
        shadow.weight.copy_(torch.rand(shadow.weight.shape, generator=gen) * 2 * bound - bound)
        shadow.bias.copy_(torch.rand(shadow.bias.shape, generator=gen) * 2 * bound - bound)
    init = {"weight": shadow.weight.detach().clone(), "bias": shadow.bias.detach().clone()}
    wide = nn.Linear(fc.in_features, CLASSES + 1)
    with torch.no_grad():
        wide.weight[:CLASSES] = fc.weight
        wide.bias[:CLASSES] = fc.bias
        wide.weight[CLASSES:] = shadow.weight
        wide.bias[CLASSES:] = shadow.bias
    model.fc = wide
    opt = sgd(model.parameters())
    target = torch.full((len(forget),), CLASSES, dtype=torch.int64)
    for _ in range(2):
        model.train()
        loss = F.cross_entropy(model(forget), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
    pruned = nn.Linear(fc.in_features, CLASSES)
    with torch.no_grad():
        pruned.weight.copy_(wide.weight[:CLASSES])
        pruned.bias.copy_(wide.bias[:CLASSES])
    model.fc = pruned
    return init


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(29)
    model = resnet(CLASSES, width=4, blocks=BLOCKS)
    perturb_resnet(model, gen)
    retain = torch.rand(24, 3, 8, 8, generator=gen)
    forget = torch.rand(8, 3, 8, 8, generator=gen)
    retain_labels = torch.randint(0, CLASSES, (24,), generator=gen)
    forget_labels = torch.zeros(8, dtype=torch.int64)
    relabels = torch.randint(0, CLASSES, (8,), generator=gen)
    state = {k: v.clone() for k, v in model.state_dict().items()}

    tensors = {"state." + k: v for k, v in state.items()}
    tensors.update({"retain.images": retain, "retain.labels": retain_labels, "forget.images": forget,
                    "forget.labels": forget_labels, "salun.forget_labels": relabels})
    mean, std = [0.5, 0.4, 0.3], [0.25, 0.2, 0.3]
    meta = {"config": json.dumps(resnet_config(CLASSES, width=4, blocks=BLOCKS), separators=(",", ":")),
            "torch": torch.__version__, "lr": repr(LR), "shrink_mean": ",".join(map(repr, mean)),
            "shrink_std": ",".join(map(repr, std))}

    def after(name):
        for k, v in model.state_dict().items():
            tensors[f"{name}.after.{k}"] = v.detach().clone()
        model.load_state_dict(state)

    mask, m = salun(model, forget, retain, retain_labels, relabels, gen)
    meta.update(m)
    for n, v in mask.items():
        tensors["salun.mask." + n] = v
    after("salun")
    neggrad(model, forget, forget_labels, retain, retain_labels, 0.8)
    after("neggrad")
    scrub(model, forget, retain, retain_labels, 4.0, 0.5, 0.7)
    after("scrub")
    labels = shrink(model, forget, forget_labels, mean, std, 0.1)
    tensors["shrink.labels"] = labels
    after("shrink")
    init = expand(model, forget, gen)
    tensors["expand.shadow.weight"] = init["weight"]
    tensors["expand.shadow.bias"] = init["bias"]
    after("expand")
    print(f"salun: {meta['salun_kept']} of {meta['salun_total']} kept, {meta['salun_near_ties']} near-ties; "
          f"shrink labels {labels.tolist()}")
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "baselines.safetensors")
    safetensors_min.write(path, tensors, meta)
    print("wrote", path)


if __name__ == "__main__":
    main()
