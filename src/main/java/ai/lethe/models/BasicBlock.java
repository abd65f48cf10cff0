// torchvision's BasicBlock (expansion 1): conv1 3×3 stride s pad 1, bn1, relu, conv2 3×3 pad 1, bn2, plus the
// shortcut, then relu; downsample = Sequential(conv 1×1 stride s, BatchNorm2d) when the stride is not 1 or the
// channel count changes. Convolutions have no bias. Children and names are torchvision's (so is the state_dict); the
// forward fuses bn1 + relu and the residual add + relu when no hook needs the tensors in between (see compute).
package ai.lethe.models;

import ai.lethe.nn.BatchNorm;
import ai.lethe.nn.BatchNorm2d;
import ai.lethe.nn.Conv2d;
import ai.lethe.nn.FusedNorm;
import ai.lethe.nn.Module;
import ai.lethe.nn.ReLU;
import ai.lethe.nn.Sequential;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;

public final class BasicBlock extends Module {
    public BasicBlock(long inPlanes, long planes, int stride, Generator gen) {
        registerModule("conv1", conv(inPlanes, planes, 3, stride, 1, gen));
        registerModule("bn1", new BatchNorm2d(planes));
        registerModule("relu", new ReLU());
        registerModule("conv2", conv(planes, planes, 3, 1, 1, gen));
        registerModule("bn2", new BatchNorm2d(planes));
        if (stride != 1 || inPlanes != planes)
            registerModule("downsample", new Sequential(conv(inPlanes, planes, 1, stride, 0, gen), new BatchNorm2d(planes)));
    }

    static Conv2d conv(long in, long out, int kernel, int stride, int padding, Generator gen) {
        return Conv2d.builder(in, out, kernel).stride(stride).padding(padding).bias(false).generator(gen).build();
    }

    /** Whether this block has the 1×1 projection shortcut. */
    public boolean hasDownsample() { return namedChildren().containsKey("downsample"); }

    /**
     * bn1 + relu and the residual add + relu are fused ops (FusedNorm: one kernel each way on cuda) unless a forward
     * hook on bn1, bn2 or relu needs the intermediate tensors; then the unfused modules run (same values).
     */
    @Override protected Tensor compute(Tensor x) {
        Tensor identity = hasDownsample() ? module("downsample").forward(x) : x;
        Module bn1 = module("bn1"), bn2 = module("bn2"), relu = module("relu");
        boolean fuse = bn1 instanceof BatchNorm b1 && !b1.hasForwardHooks() && !bn2.hasForwardHooks() && !relu.hasForwardHooks();
        if (fuse) {
            Tensor out = ((BatchNorm) bn1).forwardRelu(module("conv1").forward(x));
            out = bn2.forward(module("conv2").forward(out));
            return FusedNorm.addRelu(out, identity);
        }
        Tensor out = relu.forward(bn1.forward(module("conv1").forward(x)));
        out = bn2.forward(module("conv2").forward(out));
        return relu.forward(out.add(identity));
    }
}
