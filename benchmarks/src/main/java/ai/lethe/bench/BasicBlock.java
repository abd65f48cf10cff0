// The ResNet basic block (torchvision's BasicBlock): conv3x3(stride) - BN - ReLU - conv3x3 - BN, plus the
// shortcut (identity, or conv1x1(stride) - BN when the stride or the width changes), then ReLU. Convolutions
// have no bias. Children are named as torchvision names them (conv1, bn1, conv2, bn2, downsample.0/.1).
// A benchmark-local model: the library's ResNet comes with the models package.
package ai.lethe.bench;

import ai.lethe.nn.BatchNorm2d;
import ai.lethe.nn.Conv2d;
import ai.lethe.nn.Module;
import ai.lethe.nn.Sequential;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;

final class BasicBlock extends Module {
    private final Conv2d conv1, conv2;
    private final BatchNorm2d bn1, bn2;
    private final Sequential downsample;

    BasicBlock(long in, long out, int stride, Generator gen) {
        conv1 = registerModule("conv1", conv(in, out, 3, stride, gen));
        bn1 = registerModule("bn1", new BatchNorm2d(out));
        conv2 = registerModule("conv2", conv(out, out, 3, 1, gen));
        bn2 = registerModule("bn2", new BatchNorm2d(out));
        downsample = stride != 1 || in != out
                ? registerModule("downsample", new Sequential(conv(in, out, 1, stride, gen), new BatchNorm2d(out)))
                : null;
    }

    static Conv2d conv(long in, long out, int kernel, int stride, Generator gen) {
        return Conv2d.builder(in, out, kernel).stride(stride).padding(kernel / 2).bias(false).generator(gen).build();
    }

    @Override protected Tensor compute(Tensor x) {
        Tensor y = bn1.forward(conv1.forward(x)).relu();
        y = bn2.forward(conv2.forward(y));
        Tensor shortcut = downsample == null ? x : downsample.forward(x);
        return y.add(shortcut).relu();
    }
}
