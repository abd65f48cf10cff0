// The CUDA backend's unary/binary/where with broadcasting and strides, reductions and arg-reductions over axes, and Philox random
// (the same streams as the ref and cpu backends).
// Called by CudaBackend after SpiChecks has validated the arguments; queues its kernels on the context's stream.
// Not yet on the device (issue 14): every method throws CudaBackend.notYet(op), which the conformance suite's
// known-missing list (ai.lethe.testing.KnownMissing) must name.
package ai.lethe.backend.cuda;

import ai.lethe.backend.ArgReduceOp;
import ai.lethe.backend.BinaryOp;
import ai.lethe.backend.RandomKind;
import ai.lethe.backend.ReduceOp;
import ai.lethe.backend.UnaryOp;
import ai.lethe.backend.View;

final class CudaMath {
    private final CudaContext context;

    CudaMath(CudaContext context) { this.context = context; }

    void random(RandomKind kind, View dst, long seed, long counter, double a, double b) {
        throw CudaBackend.notYet("random");
    }

    void unary(UnaryOp op, View x, View out, double p0, double p1) {
        throw CudaBackend.notYet("unary");
    }

    void binary(BinaryOp op, View a, View b, View out, double p0, double p1) {
        throw CudaBackend.notYet("binary");
    }

    void where(View cond, View a, View b, View out) {
        throw CudaBackend.notYet("where");
    }

    void reduce(ReduceOp op, View x, View out, double p0) {
        throw CudaBackend.notYet("reduce");
    }

    void argReduce(ArgReduceOp op, View x, int axis, View out) {
        throw CudaBackend.notYet("argReduce");
    }
}
