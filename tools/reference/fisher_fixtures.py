#!/usr/bin/env python3
# Writes src/test/resources/fisher/resnet_batch_mean.safetensors: the BATCH_MEAN Fisher diagonal of a tiny
# ResNet18 (width 4, CIFAR stem, 3x8x8 inputs, 5 classes) computed the way the SSD reference computes it
# (if-loops/selective-synaptic-dampening, ParameterPerturber.calc_importance): model.eval(); for each batch of
# a non-shuffled loader (batch 64): zero_grad, out = model(x), CrossEntropyLoss()(out, y).backward(), then
# imp[name] += p.grad.pow(2) for every parameter; finally imp[name] /= number of batches. 130 samples, so the
# last batch is partial (64, 64, 2), as it is in the reference. The file holds the weights ("state.*"), the
# inputs ("images"), labels ("labels") and the expected importances ("fisher.*"); metadata "config" is Lethe's
# model config JSON. Run from the repository root:  /usr/bin/python3 tools/reference/fisher_fixtures.py
import json
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import safetensors_min  # noqa: E402
from model_fixtures import perturb_resnet, resnet, resnet_config  # noqa: E402

OUT = os.path.join(HERE, "..", "..", "src", "test", "resources", "fisher")


def batch_mean_importance(model, images, labels, batch_size):
    """The SSD reference's calc_importance, on an in-memory dataset without shuffling."""
    criterion = nn.CrossEntropyLoss()
    importances = {n: torch.zeros_like(p) for n, p in model.named_parameters()}
    model.eval()
    batches = 0
    for start in range(0, len(images), batch_size):
        x, y = images[start:start + batch_size], labels[start:start + batch_size]
        model.zero_grad()
        criterion(model(x), y).backward()
        for n, p in model.named_parameters():
            if p.grad is not None:
                importances[n] += p.grad.data.clone().pow(2)
        batches += 1
    return {n: imp / batches for n, imp in importances.items()}


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    model = resnet(5, width=4)
    perturb_resnet(model, gen)
    images = torch.randn(130, 3, 8, 8, generator=gen)
    labels = torch.randint(0, 5, (130,), generator=gen)
    fisher = batch_mean_importance(model, images, labels, 64)
    tensors = {}
    for k, v in model.state_dict().items():
        tensors["state." + k] = v
    tensors["images"] = images
    tensors["labels"] = labels
    for k, v in fisher.items():
        tensors["fisher." + k] = v
    os.makedirs(OUT, exist_ok=True)
    config = json.dumps(resnet_config(5, width=4), separators=(",", ":"))
    safetensors_min.write(os.path.join(OUT, "resnet_batch_mean.safetensors"), tensors,
                          {"config": config, "batch_size": "64", "torch": torch.__version__})
    print("wrote", os.path.join(OUT, "resnet_batch_mean.safetensors"))


if __name__ == "__main__":
    main()
