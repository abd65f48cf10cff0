#!/bin/sh
# The sparsity paper's transfer application, CPU-sized: a source task of Fashion-MNIST classes 0-5, a target task of
# classes 6-9 (disjoint). Trains the source model, then `lethe transfer` forgets source classes 1 and 2 (SSD) and
# linear-probes the original, the unlearned and a retrained model on the target; then searches which source classes to
# forget. A few minutes on 2 cores. Reports: runs/transfer-fmnist/{given,search}/report.md and report.json.
set -e
./lethe train --model resnet18 --width 8 --dataset fashion-mnist@0-5 --subset 3000 --epochs 2 --batch-size 64 \
  --optimizer adamw --lr 0.002 --weight-decay 0.01 --no-augment --out runs/transfer-fmnist/source
./lethe transfer --model runs/transfer-fmnist/source --forget-classes 1,2 --target-classes 6-9 \
  --target-train-subset 2000 --target-test-subset 1000 --retrain-epochs 2 --out runs/transfer-fmnist/given
./lethe transfer --model runs/transfer-fmnist/source --search-classes --target-classes 6-9 \
  --target-train-subset 2000 --target-test-subset 1000 --retrain-epochs 2 --out runs/transfer-fmnist/search
