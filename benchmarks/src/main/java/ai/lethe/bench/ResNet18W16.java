// ResNet18 of base width 16 for 1x28x28 images (the CIFAR-style variant): stem conv3x3(1 -> 16) - BN - ReLU
// (no max pool), four stages of two BasicBlocks with widths 16/32/64/128 (stages 2-4 start with stride 2 and a
// conv1x1 + BN shortcut: 28x28 -> 14x14 -> 7x7 -> 4x4), adaptive average pool to 1x1, linear 128 -> 10.
// 0.70 M parameters. benchmarks/pytorch/peer_cpu.py builds the same network in PyTorch.
package ai.lethe.bench;

import ai.lethe.nn.AdaptiveAvgPool2d;
import ai.lethe.nn.BatchNorm2d;
import ai.lethe.nn.Conv2d;
import ai.lethe.nn.Linear;
import ai.lethe.nn.Module;
import ai.lethe.nn.Sequential;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;

final class ResNet18W16 extends Module {
    static final int CLASSES = 10;

    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Sequential layers;
    private final AdaptiveAvgPool2d pool;
    private final Linear fc;

    ResNet18W16(Generator gen) {
        conv1 = registerModule("conv1", BasicBlock.conv(1, 16, 3, 1, gen));
        bn1 = registerModule("bn1", new BatchNorm2d(16));
        layers = registerModule("layers", new Sequential());
        long in = 16;
        long[] widths = {16, 32, 64, 128};
        for (int stage = 0; stage < widths.length; stage++) {
            int stride = stage == 0 ? 1 : 2;
            layers.append(new Sequential(new BasicBlock(in, widths[stage], stride, gen), new BasicBlock(widths[stage], widths[stage], 1, gen)));
            in = widths[stage];
        }
        pool = registerModule("avgpool", new AdaptiveAvgPool2d(1));
        fc = registerModule("fc", new Linear(in, CLASSES, true, gen));
    }

    @Override protected Tensor compute(Tensor x) {
        Tensor y = bn1.forward(conv1.forward(x)).relu();
        y = layers.forward(y);
        return fc.forward(pool.forward(y).flatten(1, -1));
    }
}
