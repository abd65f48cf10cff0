#!/usr/bin/env python3
# Writes src/test/resources/data/transform/transform_fixtures.json: inputs and PyTorch outputs that the ai.lethe.data.transform
# tests compare with (torch never runs during the tests).
#   resize: F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False, antialias=False), as
#           torchvision's Resize on tensors with antialias off;
#   rotate: torchvision.transforms.functional.rotate(x, angle, InterpolationMode.BILINEAR, fill=None):
#           rotation about the image centre, counter-clockwise for positive angles, bilinear, zeros outside
#           (grid_sample padding_mode="zeros"; fill=None, so no mask is blended in).
# Run from the repository root:  /usr/bin/python3 tools/reference/transform_fixtures.py
# Deterministic (fixed seed); float32 values are written as the doubles they equal (exact when read as float).
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
import torchvision.transforms.functional as TF
from torchvision.transforms import InterpolationMode

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "test", "resources", "data", "transform",
                   "transform_fixtures.json")


def values(t):
    return [float(np.float32(v)) for v in t.reshape(-1).tolist()]


def main():
    g = torch.Generator().manual_seed(1234)
    cases = []
    for c, h, w, oh, ow in [(1, 4, 4, 7, 5), (3, 5, 6, 3, 4), (2, 8, 8, 28, 28), (1, 3, 5, 3, 5), (1, 6, 4, 2, 9)]:
        x = torch.rand(1, c, h, w, generator=g)
        y = F.interpolate(x, size=(oh, ow), mode="bilinear", align_corners=False, antialias=False)
        cases.append({"op": "resize", "shape": [c, h, w], "height": oh, "width": ow,
                      "input": values(x), "output": values(y)})
    for c, h, w, angle in [(1, 5, 5, 10.0), (2, 6, 7, -23.5), (1, 4, 4, 90.0), (3, 8, 6, 4.25)]:
        x = torch.rand(c, h, w, generator=g)
        y = TF.rotate(x, angle, interpolation=InterpolationMode.BILINEAR, fill=None)
        cases.append({"op": "rotate", "shape": [c, h, w], "degrees": angle, "input": values(x), "output": values(y)})
    doc = {"generator": "src/test/resources/data/transform/transform_fixtures.py",
           "torch": torch.__version__, "torchvision": torchvision.__version__, "cases": cases}
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
