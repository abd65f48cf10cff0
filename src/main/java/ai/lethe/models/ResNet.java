// ResNet with BasicBlocks (ResNet18/34) in torchvision's exact structure, so torchvision state dicts load with no
// renaming: conv1, bn1, relu, maxpool, layer1..layer4 (Sequentials of BasicBlocks; layers 2-4 start with stride
// 2), avgpool (AdaptiveAvgPool2d(1, 1)), fc. With the CIFAR stem conv1 is 3×3 stride 1 and maxpool is an Identity
// (how CIFAR ResNets are usually derived from torchvision's; it has no parameters either way). Initialised as
// torchvision: kaiming_normal_(mode='fan_out', nonlinearity='relu') for every conv weight, BatchNorm weight 1 and
// bias 0, fc with Linear's default init; all draws come from the given Generator.
package ai.lethe.models;

import ai.lethe.nn.AdaptiveAvgPool2d;
import ai.lethe.nn.BatchNorm;
import ai.lethe.nn.BatchNorm2d;
import ai.lethe.nn.Conv2d;
import ai.lethe.nn.FanMode;
import ai.lethe.nn.Identity;
import ai.lethe.nn.Init;
import ai.lethe.nn.Linear;
import ai.lethe.nn.MaxPool2d;
import ai.lethe.nn.Module;
import ai.lethe.nn.Nonlinearity;
import ai.lethe.nn.ReLU;
import ai.lethe.nn.Sequential;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;

public final class ResNet extends ImageModel {
    private final ResNetConfig config;

    public ResNet(ResNetConfig config) { this(config, Generator.global()); }

    public ResNet(ResNetConfig config, Generator gen) {
        if (config == null) throw new IllegalArgumentException("ResNet: config must not be null");
        if (gen == null) throw new IllegalArgumentException("ResNet: generator must not be null");
        this.config = config;
        int width = config.width();
        boolean cifar = config.stem() == ResNetConfig.Stem.CIFAR;
        registerModule("conv1", cifar ? BasicBlock.conv(config.inChannels(), width, 3, 1, 1, gen)
                : BasicBlock.conv(config.inChannels(), width, 7, 2, 3, gen));
        registerModule("bn1", new BatchNorm2d(width));
        registerModule("relu", new ReLU());
        registerModule("maxpool", cifar ? new Identity() : new MaxPool2d(3, 2, 1));
        long inPlanes = width;
        for (int stage = 0; stage < 4; stage++) {
            long planes = config.stageWidths().get(stage);
            registerModule("layer" + (stage + 1), layer(inPlanes, planes, config.blocks().get(stage), stage == 0 ? 1 : 2, gen));
            inPlanes = planes;
        }
        registerModule("avgpool", new AdaptiveAvgPool2d(1, 1));
        registerModule("fc", new Linear(config.featureDim(), config.numClasses(), true, gen));
        initWeights(gen);
    }

    /** torchvision's _make_layer: the first block changes stride and width, the others keep them. */
    private static Sequential layer(long inPlanes, long planes, int blocks, int stride, Generator gen) {
        Sequential s = new Sequential(new BasicBlock(inPlanes, planes, stride, gen));
        for (int i = 1; i < blocks; i++) s.append(new BasicBlock(planes, planes, 1, gen));
        return s;
    }

    /** torchvision's loop over self.modules(): Kaiming-normal fan-out conv weights, BatchNorm (1, 0). */
    private void initWeights(Generator gen) {
        for (Module m : namedModules().values()) {
            switch (m) {
                case Conv2d c -> Init.kaimingNormal(c.parameter("weight"), FanMode.FAN_OUT, Nonlinearity.RELU, gen);
                case BatchNorm2d bn -> {
                    Init.ones(bn.parameter("weight"));
                    Init.zeros(bn.parameter("bias"));
                }
                default -> { }
            }
        }
    }

    @Override public ResNetConfig config() { return config; }

    /** The pooled features fc reads, [N, 8·width]. */
    @Override public Tensor features(Tensor x) {
        checkImages(x);
        Tensor y = module("conv1").forward(x);
        Module bn1 = module("bn1"), relu = module("relu");
        // bn1 + relu fused (FusedNorm) unless a forward hook needs the batch norm's output
        y = bn1 instanceof BatchNorm b && !b.hasForwardHooks() && !relu.hasForwardHooks() ? b.forwardRelu(y)
                : relu.forward(bn1.forward(y));
        y = module("maxpool").forward(y);
        for (int stage = 1; stage <= 4; stage++) y = module("layer" + stage).forward(y);
        return module("avgpool").forward(y).flatten(1, -1);
    }

    @Override protected Tensor compute(Tensor x) { return module("fc").forward(features(x)); }
}
