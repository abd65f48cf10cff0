// The cpu backend's neural-network and optimizer kernels on the Java side: dtype and density checks, then
// one native call each (native/norm.c, softmax.c, pool.c, optim.c). Optional views pass as NULL.
package ai.lethe.backend.cpu;

import static ai.lethe.backend.cpu.CpuViews.address;
import static ai.lethe.backend.cpu.CpuViews.addressOrNull;
import static ai.lethe.backend.cpu.CpuViews.requireContiguous;
import static ai.lethe.backend.cpu.CpuViews.requireDType;
import static ai.lethe.backend.cpu.CpuViews.requireFloat32;

import ai.lethe.backend.AdamParams;
import ai.lethe.backend.Pool2dGeometry;
import ai.lethe.backend.SgdParams;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import java.lang.foreign.MemorySegment;

final class CpuNn {
    private final NativeCpu lib;

    CpuNn(NativeCpu lib) { this.lib = lib; }

    private static void requireDenseFloat32(String op, View... views) {
        requireFloat32(op, views);
        requireContiguous(op, views);
    }

    // ---- batch norm over x [N, C, S] -----------------------------------------------------------------------

    void batchNormTrain(View x, View weight, View bias, View runningMean, View runningVar, View out, View saveMean,
                        View saveInvStd, double momentum, double eps, boolean relu) {
        String op = relu ? "batchNormReluTrain" : "batchNormTrain";
        requireDenseFloat32(op, x, weight, bias, runningMean, runningVar, out, saveMean, saveInvStd);
        lib.batchNormTrain(x.dim(0), x.dim(1), x.dim(2), address(op, x), addressOrNull(op, weight), addressOrNull(op, bias),
                addressOrNull(op, runningMean), addressOrNull(op, runningVar), address(op, out), addressOrNull(op, saveMean),
                addressOrNull(op, saveInvStd), momentum, eps, relu);
    }

    void batchNormEval(View x, View weight, View bias, View runningMean, View runningVar, View out, double eps,
                       boolean relu) {
        String op = relu ? "batchNormReluEval" : "batchNormEval";
        requireDenseFloat32(op, x, weight, bias, runningMean, runningVar, out);
        lib.batchNormEval(x.dim(0), x.dim(1), x.dim(2), address(op, x), addressOrNull(op, weight), addressOrNull(op, bias),
                address(op, runningMean), address(op, runningVar), address(op, out), eps, relu);
    }

    /** out: the forward's output of relu(batch norm) masking dy (batchNormReluBackward), or null. */
    void batchNormBackward(View dy, View out, View x, View weight, View mean, View invStd, View dx, View dweight,
                           View dbias, boolean batchStatistics) {
        String op = out != null ? "batchNormReluBackward" : "batchNormBackward";
        requireDenseFloat32(op, dy, out, x, weight, mean, invStd, dx, dweight, dbias);
        lib.batchNormBackward(op, x.dim(0), x.dim(1), x.dim(2), address(op, dy), addressOrNull(op, out), address(op, x),
                addressOrNull(op, weight),
                address(op, mean), address(op, invStd), addressOrNull(op, dx), addressOrNull(op, dweight), addressOrNull(op, dbias),
                batchStatistics ? 1 : 0);
    }

    /** out = max(a + b, 0), all contiguous float32 of one shape. */
    void addRelu(View a, View b, View out) {
        String op = "addRelu";
        requireDenseFloat32(op, a, b, out);
        if (out.numel() == 0) return;
        lib.addReluF32(out.numel(), address(op, a), address(op, b), address(op, out));
    }

    // ---- layer norm over the last dimension of x [M, D] ------------------------------------------------------

    void layerNorm(View x, View weight, View bias, View out, View saveMean, View saveInvStd, double eps) {
        String op = "layerNorm";
        requireDenseFloat32(op, x, weight, bias, out, saveMean, saveInvStd);
        lib.layerNorm(x.dim(0), x.dim(1), address(op, x), addressOrNull(op, weight), addressOrNull(op, bias), address(op, out),
                addressOrNull(op, saveMean), addressOrNull(op, saveInvStd), eps);
    }

    void layerNormBackward(View dy, View x, View weight, View saveMean, View saveInvStd, View dx, View dweight,
                           View dbias) {
        String op = "layerNormBackward";
        requireDenseFloat32(op, dy, x, weight, saveMean, saveInvStd, dx, dweight, dbias);
        lib.layerNormBackward(x.dim(0), x.dim(1), address(op, dy), address(op, x), addressOrNull(op, weight), address(op, saveMean),
                address(op, saveInvStd), addressOrNull(op, dx), addressOrNull(op, dweight), addressOrNull(op, dbias));
    }

    // ---- softmax over the middle dimension of [outer, D, inner] ---------------------------------------------

    void softmax(View x, View out, boolean log) {
        String op = "softmax";
        requireDenseFloat32(op, x, out);
        if (x.numel() == 0) return;
        lib.softmax(x.dim(0), x.dim(1), x.dim(2), address(op, x), address(op, out), log);
    }

    void softmaxBackward(View y, View dy, View dx, boolean log) {
        String op = "softmaxBackward";
        requireDenseFloat32(op, y, dy, dx);
        if (y.numel() == 0) return;
        lib.softmaxBackward(y.dim(0), y.dim(1), y.dim(2), address(op, y), address(op, dy), address(op, dx), log);
    }

    // ---- pooling ---------------------------------------------------------------------------------------------

    private static MemorySegment geometry(Pool2dGeometry g) {
        return NativeCpu.longs(NativeCpu.LAYOUT_A, g.n(), g.c(), g.h(), g.w(), g.kh(), g.kw(), g.strideH(), g.strideW(),
                g.padH(), g.padW(), g.outH(), g.outW(), g.countIncludePad() ? 1 : 0);
    }

    void maxPool2d(View x, View out, View indices, Pool2dGeometry g) {
        String op = "maxPool2d";
        requireDenseFloat32(op, x, out);
        requireDType(op, indices, DType.INT64);
        requireContiguous(op, indices);
        if (out.numel() == 0) return;
        lib.maxPool2d(geometry(g), address(op, x), address(op, out), address(op, indices));
    }

    void maxPool2dBackward(View dy, View indices, View dx, Pool2dGeometry g) {
        String op = "maxPool2dBackward";
        requireDenseFloat32(op, dy, dx);
        requireDType(op, indices, DType.INT64);
        requireContiguous(op, indices);
        if (dx.numel() == 0) return;
        if (lib.maxPool2dBackward(geometry(g), address(op, dy), address(op, indices), address(op, dx)) == NativeCpu.ERR_INDEX)
            throw new IndexOutOfBoundsException("maxPool2dBackward: index " + NativeCpu.info(0)
                    + " is out of range for a plane of " + NativeCpu.info(3) + " elements");
    }

    void avgPool2d(View x, View out, Pool2dGeometry g) {
        String op = "avgPool2d";
        requireDenseFloat32(op, x, out);
        if (out.numel() == 0) return;
        lib.avgPool2d(geometry(g), address(op, x), address(op, out));
    }

    void avgPool2dBackward(View dy, View dx, Pool2dGeometry g) {
        String op = "avgPool2dBackward";
        requireDenseFloat32(op, dy, dx);
        if (dx.numel() == 0) return;
        lib.avgPool2dBackward(geometry(g), address(op, dy), address(op, dx));
    }

    void adaptiveAvgPool2d(View x, View out) {
        String op = "adaptiveAvgPool2d";
        requireDenseFloat32(op, x, out);
        if (out.numel() == 0) return;
        lib.adaptiveAvgPool2d(x.dim(0) * x.dim(1), x.dim(2), x.dim(3), out.dim(2), out.dim(3), address(op, x), address(op, out));
    }

    void adaptiveAvgPool2dBackward(View dy, View dx) {
        String op = "adaptiveAvgPool2dBackward";
        requireDenseFloat32(op, dy, dx);
        if (dx.numel() == 0) return;
        lib.adaptiveAvgPool2dBackward(dx.dim(0) * dx.dim(1), dx.dim(2), dx.dim(3), dy.dim(2), dy.dim(3), address(op, dy),
                address(op, dx));
    }

    // ---- optimizers ------------------------------------------------------------------------------------------

    void sgdStep(View param, View grad, View momentumBuffer, View mask, SgdParams p) {
        String op = "sgdStep";
        requireDenseFloat32(op, param, grad, momentumBuffer, mask);
        if (p.momentum() != 0 && momentumBuffer == null)
            throw new IllegalArgumentException("sgdStep: momentum " + p.momentum() + " needs a momentum buffer");
        if (param.numel() == 0) return;
        lib.sgdStep(param.numel(), address(op, param), address(op, grad), addressOrNull(op, momentumBuffer), addressOrNull(op, mask),
                p.lr(), p.momentum(), p.dampening(), p.weightDecay(), p.l1(), p.nesterov(), p.maximize(), p.firstStep());
    }

    void adamStep(View param, View grad, View expAvg, View expAvgSq, View mask, AdamParams p) {
        String op = "adamStep";
        requireDenseFloat32(op, param, grad, expAvg, expAvgSq, mask);
        if (param.numel() == 0) return;
        lib.adamStep(param.numel(), address(op, param), address(op, grad), address(op, expAvg), address(op, expAvgSq),
                addressOrNull(op, mask), p.lr(), p.beta1(), p.beta2(), p.eps(), p.weightDecay(), p.decoupledWeightDecay(),
                p.maximize(), p.step());
    }
}
