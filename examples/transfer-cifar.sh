#!/bin/sh
# The sparsity paper's transfer application on CIFAR, for users with the data and a GPU (the paper: ImageNet ->
# SUN397 / OxfordPets, which Lethe does not load). Two studies:
#  1. CIFAR-10 -> CIFAR-100: a ResNet18 trained on CIFAR-10 with the paper's recipe; search which of its 10 classes to
#     forget for a linear probe on CIFAR-100, then compare original / unlearned / retrained.
#  2. a disjoint split of CIFAR-100: source = classes 0-49, target = classes 50-99; forget source classes 0-4.
# Run time (ESTIMATES, not measured — Lethe has not yet run on a GPU): each source training (182 epochs) and each
# retraining ~30-40 min on an H100/H200 at PyTorch-like speed; the search adds 10 SSD runs (two Fisher passes over the
# source data each) and 11 probes (feature extraction + L-BFGS on 512 features; seconds to minutes). On a 2-core CPU: weeks.
set -e
./lethe train --model resnet18 --dataset cifar10 --preset unlearn-sparse --epochs 182 --out runs/transfer-cifar/c10
./lethe transfer --model runs/transfer-cifar/c10 --search-classes --target-dataset cifar100 --out runs/transfer-cifar/c10-to-c100
./lethe train --model resnet18 --dataset cifar100@0-49 --preset unlearn-sparse --epochs 182 --out runs/transfer-cifar/c100-source
./lethe transfer --model runs/transfer-cifar/c100-source --forget-classes 0-4 --target-classes 50-99 --out runs/transfer-cifar/c100-split
