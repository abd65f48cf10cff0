// What one `lethe bench` run measures and how: the element count of the elementwise cases, repetitions, warm-up
// runs, the rotation of input buffers, the cases, and the shapes of the per-sample GEMM, the per-sample convolution
// and the training step; with the two presets (full, quick) the command starts from.
package ai.lethe.kernelbench;

import ai.lethe.models.ModelConfig;
import java.util.List;
import java.util.Objects;

/**
 * @param size    elements (float32) of the elementwise, optimizer and top-k cases
 * @param repeat  timed runs per case (the median is reported), >= 1
 * @param warmup  untimed runs before them, >= 0
 * @param rotate  input buffer sets the runs rotate over, or 0: chosen per case (see {@link #AUTO_ROTATION_BYTES})
 * @param cases   case names (see {@link #CASES}), in the order to run them; copy is always run first
 * @param gemm    the per-sample squared GEMM's shape
 * @param conv    the per-sample squared convolution weight gradient's shape
 * @param train   the training step's model and batch
 * @param seed    seed of every random input
 */
public record BenchSettings(long size, int repeat, int warmup, int rotate, List<String> cases, GemmShape gemm,
                            ConvShape conv, TrainShape train, long seed) {

    /** Every case, in report order. copy is the bandwidth reference of the "% of copy" column. */
    public static final List<String> CASES = List.of("copy", "add-squared", "ssd-dampen", "gaussian-noise", "sgd-masked",
            "adam-masked", "topk-mask", "per-sample-gemm", "per-sample-conv", "train-step");

    /** With rotate 0, a case rotates over enough buffer sets to span this many bytes (at least 2 sets, at most 8). */
    public static final long AUTO_ROTATION_BYTES = 256L << 20;
    /** The most buffer sets a case rotates over. */
    public static final int MAX_ROTATION = 64;

    /** The default element count: ResNet18's parameters (11.17M). */
    public static final long FULL_SIZE = 11_170_000;
    /** --quick's element count. */
    public static final long QUICK_SIZE = 1L << 20;

    public BenchSettings {
        if (size <= 0) throw new IllegalArgumentException("size must be positive, got " + size);
        if (repeat < 1) throw new IllegalArgumentException("repeat must be >= 1, got " + repeat);
        if (warmup < 0) throw new IllegalArgumentException("warmup must be >= 0, got " + warmup);
        if (rotate < 0 || rotate > MAX_ROTATION)
            throw new IllegalArgumentException("rotate must be in [1, " + MAX_ROTATION + "] (or 0: automatic), got " + rotate);
        for (String c : cases)
            if (!CASES.contains(c)) throw new IllegalArgumentException("unknown case '" + c + "'; known: " + String.join(", ", CASES));
        cases = List.copyOf(cases);
        Objects.requireNonNull(gemm, "gemm");
        Objects.requireNonNull(conv, "conv");
        Objects.requireNonNull(train, "train");
    }

    /**
     * acc [M, N] += Σ_b (a_b [M, T] @ b_b [T, N])²: a Linear's per-sample squared weight gradient over T tokens (M
     * outputs, N inputs) for a batch of B.
     */
    public record GemmShape(int b, int t, int m, int n) {
        public GemmShape {
            if (b <= 0 || t <= 0 || m <= 0 || n <= 0)
                throw new IllegalArgumentException("per-sample GEMM sizes must be positive, got B=" + b + " T=" + t + " M=" + m + " N=" + n);
        }

        /** The full preset: ViT-tiny's MLP fc1 (192 → 768) over 65 tokens (32×32 images, patch 4), batch 32. */
        public static final GemmShape FULL = new GemmShape(32, 65, 768, 192);
        public static final GemmShape QUICK = new GemmShape(4, 17, 64, 32);
    }

    /** A 3×3-style convolution, stride 1, padding kernel/2: x [N, C, H, W], weight [K, C, kernel, kernel]. */
    public record ConvShape(int n, int c, int k, int h, int w, int kernel) {
        public ConvShape {
            if (n <= 0 || c <= 0 || k <= 0 || h <= 0 || w <= 0 || kernel <= 0)
                throw new IllegalArgumentException("per-sample conv sizes must be positive, got N=" + n + " C=" + c + " K=" + k
                        + " H=" + h + " W=" + w + " kernel=" + kernel);
        }

        /** The full preset: a ResNet18 layer1 convolution (64 → 64, 3×3) at 16×16, batch 32. */
        public static final ConvShape FULL = new ConvShape(32, 64, 64, 16, 16, 3);
        public static final ConvShape QUICK = new ConvShape(4, 16, 16, 8, 8, 3);

        public int pad() { return kernel / 2; }

        public int outH() { return h + 2 * pad() - kernel + 1; }

        public int outW() { return w + 2 * pad() - kernel + 1; }
    }

    /**
     * One training step (forward, cross-entropy, backward, SGD with momentum) of {@code config} on a batch of random
     * images [batch, channels, imageSize, imageSize] with random labels in [0, classes).
     *
     * @param label the model as the report names it ("resnet18 width 16")
     */
    public record TrainShape(String label, ModelConfig config, int batch, int channels, int imageSize, int classes) {
        public TrainShape {
            Objects.requireNonNull(config, "config");
            if (batch <= 0) throw new IllegalArgumentException("batch must be positive, got " + batch);
            if (channels <= 0 || imageSize <= 0 || classes <= 1)
                throw new IllegalArgumentException("bad training input: " + channels + " channels, " + imageSize + " px, " + classes + " classes");
        }
    }
}
