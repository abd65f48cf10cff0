#!/usr/bin/env python3
# Writes src/test/resources/prune/synflow_resnet.safetensors: SynFlow's scores of one round on a tiny ResNet18
# (width 4, CIFAR stem, 5 classes, 3x8x8 inputs, non-trivial BatchNorm statistics) computed the way the
# reference computes them (Unlearn-Sparse's synflow_importance_score, after Tanaka et al.'s Synaptic-Flow
# SynFlow.score): model.eval(); zero_grad; every state-dict tensor <- |tensor| (signs kept); one all-ones input
# [1, 3, 8, 8]; torch.sum(model(input)).backward(); score = |weight.grad * weight| for every nn.Conv2d weight;
# signs restored. The pass runs in float64 (model.double()) on the float32 weights stored in the file, so the
# expected scores are exact to float64 rounding. The file holds the weights ("state.*") and the scores
# ("score.<param>"); metadata "config" is Lethe's model config JSON.
# Run from the repository root:  /usr/bin/python3 tools/reference/synflow_fixture.py
import json
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import safetensors_min  # noqa: E402
from model_fixtures import perturb_resnet, resnet, resnet_config  # noqa: E402

OUT = os.path.join(HERE, "..", "..", "src", "test", "resources", "prune")


def synflow_scores(model, input_shape):
    """One SynFlow scoring pass (the reference's), returning {conv weight name: score}."""
    @torch.no_grad()
    def linearize(m):
        signs = {}
        for name, param in m.state_dict().items():
            signs[name] = torch.sign(param)
            param.abs_()
        return signs

    @torch.no_grad()
    def nonlinearize(m, signs):
        for name, param in m.state_dict().items():
            param.mul_(signs[name])

    model.eval()
    model.zero_grad()
    signs = linearize(model)
    dtype = next(model.parameters()).dtype
    x = torch.ones([1] + list(input_shape), dtype=dtype)
    torch.sum(model(x)).backward()
    scores = {}
    for name, m in model.named_modules():
        if isinstance(m, nn.Conv2d):
            scores[name + ".weight"] = (m.weight.grad.data * m.weight.data).abs().clone()
    model.zero_grad()
    nonlinearize(model, signs)
    return scores


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(11)
    model = resnet(5, width=4)
    perturb_resnet(model, gen)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    scores = synflow_scores(model.double(), (3, 8, 8))
    tensors = {"state." + k: v for k, v in state.items()}
    for k, v in scores.items():
        tensors["score." + k] = v
    os.makedirs(OUT, exist_ok=True)
    config = json.dumps(resnet_config(5, width=4), separators=(",", ":"))
    path = os.path.join(OUT, "synflow_resnet.safetensors")
    safetensors_min.write(path, tensors, {"config": config, "input": "3,8,8", "torch": torch.__version__})
    print("wrote", path, "max score", max(float(v.max()) for v in scores.values()))


if __name__ == "__main__":
    main()
