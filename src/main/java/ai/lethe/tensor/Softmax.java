// softmax and log_softmax along one dimension, with their gradients (one fused backend kernel each way).
package ai.lethe.tensor;


public final class Softmax {
    private Softmax() {}

    public static Tensor softmax(Tensor x, int axis) { return run(x, axis, false); }

    public static Tensor logSoftmax(Tensor x, int axis) { return run(x, axis, true); }

    private static Tensor run(Tensor x, int axis, boolean log) {
        String name = log ? "logSoftmax" : "softmax";
        Ops.check(name, x);
        Ops.requireFloat(name, x);
        if (x.rank() == 0) x = x.reshape(1);
        int ax = x.shape().axis(axis, name);
        long[] d = x.shape().dims();
        long outer = 1, inner = 1;
        for (int i = 0; i < ax; i++) outer *= d[i];
        for (int i = ax + 1; i < d.length; i++) inner *= d[i];
        long[] three = {outer, d[ax], inner};
        Tensor xc = x.contiguous();
        Tensor out = Tensor.empty(x.shape(), x.dtype(), x.device());
        x.backend().softmax(xc.kernelView().reshaped(three), out.kernelView().reshaped(three), log);
        Tensor in = x;
        return Node.record(out, name, new Tensor[] {x}, new Tensor[] {out}, (g, needs) -> {
            Tensor dy = g.contiguous();
            Tensor dx = Tensor.empty(in.shape(), in.dtype(), in.device());
            in.backend().softmaxBackward(out.kernelView().reshaped(three), dy.kernelView().reshaped(three),
                    dx.kernelView().reshaped(three), log);
            return new Tensor[] {dx};
        });
    }
}
