// The backend SPI: storage plus the kernels every op is built from. Backends are found by ServiceLoader
// (META-INF/services/ai.lethe.backend.Backend) and see only Views, never Tensors. The tensor layer validates
// shapes, dtypes and devices before calling in; Backends hands every backend out behind CheckedBackend, the one
// layer that checks each call with SpiChecks before the implementation touches memory (each view inside its
// storage, sizes without overflow, shapes as documented here), so a wrong View is an IllegalArgumentException
// naming the op and never a read or write outside a storage. An implementation checks only what is its own: the
// dtypes it supports and data-dependent conditions (index values), reported as Java exceptions.
//
// Conventions for every method:
//  - Views are strided unless a method says "contiguous"; an output may alias an input only where stated.
//  - Outputs are overwritten (never accumulated) unless the method says otherwise.
//  - float32 is supported by every backend; float64 by the ref backend (gradient checks); int64 where stated.
//    A backend rejects a dtype it does not support with an IllegalArgumentException naming the op and dtype.
package ai.lethe.backend;

import ai.lethe.core.Device;
import java.lang.foreign.MemorySegment;
import java.util.List;

public interface Backend {

    // ---- identity -------------------------------------------------------------------------------------

    /** Device type this backend serves: "ref", "cpu", "cuda", "cuda-emu". */
    String name();

    /**
     * Preference when no device is forced: the available backend with the highest priority is the default. A negative
     * priority (the CUDA emulator) is never the default: such a backend runs only when forced.
     */
    int priority();

    /** Whether the backend can run here, and why not. Never throws; may load native libraries on first call. */
    Availability availability();

    /** The device tensors of this backend live on. */
    Device device();

    // ---- memory ---------------------------------------------------------------------------------------

    /** Uninitialised memory of {@code bytes} bytes, reference count 1. */
    Storage allocate(long bytes);

    MemoryStats memoryStats();

    /** Sets the peak-bytes counter of {@link #memoryStats()} to the bytes in use now. */
    void resetPeakBytes();

    /** Copies {@code dst.numel()} elements from host memory {@code src} into contiguous {@code dst}. */
    void write(MemorySegment src, View dst);

    /** Copies contiguous {@code src} into host memory {@code dst}. */
    void read(View src, MemorySegment dst);

    /** dst = src, elementwise, same shape; converts between dtypes (float → int64 truncates toward zero). */
    void copy(View src, View dst);

    /** Every element of {@code dst} = value. Any dtype. */
    void fill(View dst, double value);

    /** Fills contiguous float {@code dst} from the Philox stream (seed, counter); see {@link Philox}. */
    void random(RandomKind kind, View dst, long seed, long counter, double a, double b);

    // ---- elementwise ----------------------------------------------------------------------------------

    /** out = op(x; p0, p1); same shape; out may be x. */
    void unary(UnaryOp op, View x, View out, double p0, double p1);

    /**
     * out = op(a, b; p0, p1); a and b have out's shape (broadcast dimensions have stride 0); out may alias a.
     * Float operands give an output of the same dtype. int64 operands support ADD, SUB, MUL (int64 output)
     * and comparisons (float32 output).
     */
    void binary(BinaryOp op, View a, View b, View out, double p0, double p1);

    /** out = cond != 0 ? a : b; all four have out's shape (broadcast allowed); cond is float. */
    void where(View cond, View a, View b, View out);

    // ---- reductions -----------------------------------------------------------------------------------

    /**
     * out = op over the dimensions where out has size 1 and x does not; out has x's rank. p0 is VAR's
     * correction. Float only; accumulation in at least float64 for the ref backend, float32 with pairwise or
     * blocked sums elsewhere.
     */
    void reduce(ReduceOp op, View x, View out, double p0);

    /** int64 out (x's shape with {@code axis} of size 1) = index of the max/min along {@code axis}. */
    void argReduce(ArgReduceOp op, View x, int axis, View out);

    // ---- linear algebra -------------------------------------------------------------------------------

    /**
     * out = alpha · a @ b + beta · out over the last two dimensions: a [..., M, K], b [..., K, N],
     * out [..., M, N], all of the same rank, batch dimensions equal or broadcast with stride 0 in a or b.
     * out is contiguous and does not alias a or b.
     */
    void matmul(View a, View b, View out, double alpha, double beta);

    // ---- indexing (index views are int64; out-of-range values throw IndexOutOfBoundsException: at the call on ref
    //      and cpu, at the next synchronisation (the next read of any result) on a GPU backend, naming the op) ---

    /** out = x.index_select(axis, index); index is 1-D; out has x's shape with axis = index length. */
    void indexSelect(View x, int axis, View index, View out);

    /** out.index_add_(axis, index, src): out[.., index[i], ..] += src[.., i, ..]; accumulates into out. */
    void indexAdd(View src, int axis, View index, View out);

    /** out = x.gather(axis, index); index and out have the same shape, of x's rank. */
    void gather(View x, int axis, View index, View out);

    /** out.scatter_add_(axis, index, src); index and src have the same shape; accumulates into out. */
    void scatterAdd(View src, int axis, View index, View out);

    // ---- neural-network kernels (all views contiguous) -------------------------------------------------

    /** out [N, K, OH, OW] = conv2d(x [N, C, H, W], w [K, C, kh, kw]) + bias [K] (bias may be null). */
    void conv2d(View x, View w, View bias, View out, Conv2dGeometry g);

    /** dx [N, C, H, W] = gradient of conv2d with respect to its input. */
    void conv2dBackwardInput(View dy, View w, View dx, Conv2dGeometry g);

    /** dw [K, C, kh, kw] = gradient of conv2d with respect to its weight. */
    void conv2dBackwardWeight(View dy, View x, View dw, Conv2dGeometry g);

    /**
     * Batch norm in training mode over x [N, C, S] (S = H·W): out = (x − mean)·invStd·weight + bias with
     * batch statistics (biased variance); saveMean/saveInvStd [C] receive them; runningMean/runningVar [C]
     * (may be null) are updated as r = (1 − momentum)·r + momentum·stat with the unbiased variance.
     * weight and bias may be null (no affine).
     */
    void batchNormTrain(View x, View weight, View bias, View runningMean, View runningVar, View out,
                        View saveMean, View saveInvStd, double momentum, double eps);

    /** Batch norm in eval mode: out = (x − runningMean)/√(runningVar + eps)·weight + bias, x [N, C, S]. */
    void batchNormEval(View x, View weight, View bias, View runningMean, View runningVar, View out, double eps);

    /**
     * Gradients of batch norm over x [N, C, S] with mean and invStd [C]: dweight = Σ dy·x̂ and dbias = Σ dy per
     * channel (x̂ = (x − mean)·invStd). With {@code batchStatistics} (training mode: mean and invStd are the batch's
     * saved statistics, functions of x) dx = weight·invStd/count·(count·dy − Σ dy − x̂·Σ dy·x̂); without (eval mode:
     * the running statistics, constants) dx = dy·weight·invStd. dx, dweight and dbias may be null (not wanted, or no
     * affine); weight may be null (no affine).
     */
    void batchNormBackward(View dy, View x, View weight, View mean, View invStd, View dx, View dweight, View dbias,
                           boolean batchStatistics);

    /**
     * Layer norm of x [M, D] over its last dimension: out = (x − mean)·invStd·weight + bias; saveMean and
     * saveInvStd [M]; weight/bias [D] may be null.
     */
    void layerNorm(View x, View weight, View bias, View out, View saveMean, View saveInvStd, double eps);

    /** Gradients of layer norm; dweight/dbias may be null. */
    void layerNormBackward(View dy, View x, View weight, View saveMean, View saveInvStd, View dx,
                           View dweight, View dbias);

    /** out = softmax (or log_softmax when {@code log}) of x [outer, D, inner] along its middle dimension. */
    void softmax(View x, View out, boolean log);

    /** dx from the forward's output y and dy, shapes [outer, D, inner]. */
    void softmaxBackward(View y, View dy, View dx, boolean log);

    /** out [N, C, OH, OW] = max over windows; indices (int64) = flat h·W + w of each max in its plane. */
    void maxPool2d(View x, View out, View indices, Pool2dGeometry g);

    /** dx (zeroed by this call) receives dy at the saved max positions. */
    void maxPool2dBackward(View dy, View indices, View dx, Pool2dGeometry g);

    void avgPool2d(View x, View out, Pool2dGeometry g);

    void avgPool2dBackward(View dy, View dx, Pool2dGeometry g);

    /** out [N, C, OH, OW] = adaptive average pooling of x [N, C, H, W] (PyTorch's window formula). */
    void adaptiveAvgPool2d(View x, View out);

    void adaptiveAvgPool2dBackward(View dy, View dx);

    // ---- optimizer steps (contiguous, same shape, updated in place) -------------------------------------

    /**
     * One SGD step (see {@link SgdParams}); momentumBuffer may be null when momentum is 0. mask (float, same
     * shape, contiguous) may be null: where mask == 0 the parameter and its momentum buffer are set to exactly 0
     * and nothing else happens (the gradient, momentum, weight decay and l1 of a pruned entry are ignored);
     * elsewhere (any other value) the normal update.
     */
    void sgdStep(View param, View grad, View momentumBuffer, View mask, SgdParams p);

    /**
     * One Adam/AdamW step (see {@link AdamParams}). mask as in {@link #sgdStep}: where mask == 0 the parameter,
     * expAvg and expAvgSq are set to exactly 0; elsewhere the normal update.
     */
    void adamStep(View param, View grad, View expAvg, View expAvgSq, View mask, AdamParams p);

    // ---- unlearning and pruning kernels ------------------------------------------------------------------
    // Float only (float32 everywhere, float64 on the ref backend); the native backends compute each element in
    // double where the ref backend does and round once, so results match it to float rounding.

    /**
     * acc += scale · x² elementwise (x strided or contiguous, acc contiguous, same shape; acc does not overlap
     * x). Each element is computed as acc + scale·(x·x) and rounded once.
     */
    void addSquared(View x, View acc, double scale);

    /**
     * acc [M, N] += scale · Σ_b (a_b @ b_b)²: a [B, M, T], b [B, T, N] (strided allowed), each sample's product
     * squared and accumulated without materialising B·M·N (per-sample squared weight gradient of a Linear over
     * tokens: a = per-sample output gradients transposed, b = per-sample inputs). acc contiguous, not
     * overlapping a or b. B, M, N or T of 0 leaves acc unchanged.
     */
    void perSampleSquaredGemm(View a, View b, View acc, double scale);

    /**
     * acc [K, C, kh, kw] += scale · Σ_n (dW_n)², dW_n = the weight gradient of conv2d for sample n alone:
     * dy [N, K, OH, OW], x [N, C, H, W] contiguous (per-sample im2col, GEMM, square-accumulate). acc contiguous.
     */
    void perSampleSquaredConvWeight(View dy, View x, View acc, Conv2dGeometry g, double scale);

    /**
     * SSD selection + dampening in one pass, in place: θ *= (iF > α·iD) ? min(λ·iD/iF, 1) : 1 (contiguous, same
     * shape). Computed in double and rounded once; a NaN importance selects nothing, a NaN ratio counts as 1
     * ({@code r < 1 ? r : 1}). The caller validates α > 0 and λ >= 0.
     */
    void ssdDampen(View theta, View importanceD, View importanceF, double alpha, double lambda);

    /**
     * θ += std · z, z the NORMAL(0, 1) Philox draws of (seed, counter) exactly as random(NORMAL, ...) would produce
     * them for θ's elements in row-major order (contiguous, same shape): z is rounded to θ's dtype as random
     * stores it, then θ + std·z is computed in double and rounded once. Consumes
     * {@code Philox.blocksFor(NORMAL, numel)} blocks from {@code counter}.
     */
    void addGaussianNoise(View theta, View std, long seed, long counter);

    /**
     * Radix-select histogram over non-negative float scores (keys = float bits, monotonic for x >= 0): for every
     * element whose key >>> matchShift == matchValue (matchShift 32 = every element), counts[(key >>> shift) &
     * (2^bits − 1)] += 1 (counts has 2^bits entries, accumulated). A negative or NaN score is an
     * IllegalArgumentException naming the op. Scores are compared as float32 (float64 scores are rounded to
     * float first); −0 counts as +0. shift in [0, 31], bits in [1, 16], shift + bits <= 32, matchShift in
     * [0, 32]; scores may be strided.
     */
    void scoreHistogram(View scores, int shift, int bits, int matchShift, int matchValue, long[] counts);

    /**
     * mask = 1 where score > threshold, and where score == threshold for the first tiesToKeep such elements in
     * row-major order; 0 elsewhere. Returns how many ties it kept (min(tiesToKeep, ties)). mask contiguous float
     * of the scores' shape; scores may be strided; scores are compared as float32 (as in scoreHistogram).
     */
    long maskFromScores(View scores, View mask, float threshold, long tiesToKeep);

    // ---- fused ops (issue 15): one kernel where a GPU backend gains from it; ref and cpu compose them simply -------

    /**
     * Softmax cross-entropy of logits [N, C] (contiguous) at int64 class targets [N] with label smoothing ε, in one
     * pass per row: logSumExp [N] receives lse_i = log Σ_j exp(x_ij); losses [N] (may be null) receive
     * lse_i − (1 − ε)·x_{i,t_i} − (ε/C)·Σ_j x_ij (torch's cross_entropy per sample); total (one element, may be null)
     * receives scale · Σ_i loss_i (scale 1/N for the mean, 1 for the sum). losses and total are not both null. A
     * target outside [0, C) is an IndexOutOfBoundsException naming the op (at the next synchronisation on a GPU).
     */
    void crossEntropy(View logits, View target, View losses, View logSumExp, View total, double labelSmoothing,
                      double scale);

    /**
     * Gradient of {@link #crossEntropy} with respect to the logits, in one pass per row: dlogits [N, C] =
     * scale·g_i·(softmax(x_i) − (1 − ε)·onehot(t_i) − ε/C), softmax from the saved logSumExp [N]; g = gradOut [N]
     * (a stride-0 view broadcasts one upstream gradient, as a mean or sum gives). dlogits contiguous, apart from
     * every input. Targets as in crossEntropy.
     */
    void crossEntropyBackward(View logits, View target, View logSumExp, View gradOut, View dlogits,
                              double labelSmoothing, double scale);

    /** {@link #batchNormTrain} followed by ReLU on out, in one pass where the backend fuses it. */
    default void batchNormReluTrain(View x, View weight, View bias, View runningMean, View runningVar, View out,
                                    View saveMean, View saveInvStd, double momentum, double eps) {
        batchNormTrain(x, weight, bias, runningMean, runningVar, out, saveMean, saveInvStd, momentum, eps);
        unary(UnaryOp.RELU, out, out, 0, 0);
    }

    /** {@link #batchNormEval} followed by ReLU on out. */
    default void batchNormReluEval(View x, View weight, View bias, View runningMean, View runningVar, View out,
                                   double eps) {
        batchNormEval(x, weight, bias, runningMean, runningVar, out, eps);
        unary(UnaryOp.RELU, out, out, 0, 0);
    }

    /**
     * Gradients of relu(batchNorm(x)): {@link #batchNormBackward} of dy·(out > 0), out [N, C, S] the forward's ReLU
     * output (contiguous). dx, dweight and dbias as there (at least one not null).
     */
    default void batchNormReluBackward(View dy, View out, View x, View weight, View mean, View invStd, View dx,
                                       View dweight, View dbias, boolean batchStatistics) {
        Storage s = allocate(Math.max(1, x.numel()) * x.dtype().byteSize());
        try {
            View masked = View.contiguous(s, x.dtype(), ai.lethe.core.Shape.of(x.shape()));
            binary(BinaryOp.RELU_BACKWARD, dy, out, masked, 0, 0);
            batchNormBackward(masked, x, weight, mean, invStd, dx, dweight, dbias, batchStatistics);
        } finally {
            s.release();
        }
    }

    /** out = max(a + b, 0), all of one shape (the residual add and ReLU of a ResNet block); out aliases neither. */
    default void addRelu(View a, View b, View out) {
        binary(BinaryOp.ADD, a, b, out, 1, 0);
        unary(UnaryOp.RELU, out, out, 0, 0);
    }

    /**
     * {@link #sgdStep} over many parameters with the same hyper-parameters (multi-tensor apply: one launch on a GPU
     * backend): params[i], grads[i], momentumBuffers[i] and masks[i] as sgdStep's arguments. The arrays have one
     * length; momentumBuffers may be null when momentum is 0, masks may be null, and so may any element of them
     * (no buffer, no mask). The result equals sgdStep on each parameter in turn.
     */
    default void sgdStepMulti(View[] params, View[] grads, View[] momentumBuffers, View[] masks, SgdParams p) {
        for (int i = 0; i < params.length; i++)
            sgdStep(params[i], grads[i], momentumBuffers == null ? null : momentumBuffers[i], masks == null ? null : masks[i], p);
    }

    /** {@link #adamStep} over many parameters with the same hyper-parameters and step count; arrays as sgdStepMulti. */
    default void adamStepMulti(View[] params, View[] grads, View[] expAvgs, View[] expAvgSqs, View[] masks, AdamParams p) {
        for (int i = 0; i < params.length; i++)
            adamStep(params[i], grads[i], expAvgs[i], expAvgSqs[i], masks == null ? null : masks[i], p);
    }

    /**
     * The bias-add epilogue of a GEMM fused with GELU (the ViT MLP): pre = y + bias (bias [N] broadcast over the rows
     * of y [M, N]) and out = op(pre), op UnaryOp.GELU_ERF or GELU_TANH, all contiguous; pre may be y (in place), out
     * aliases neither.
     */
    default void biasGelu(View y, View bias, View pre, View out, UnaryOp op) {
        View b = new View(bias.storage(), bias.dtype(), bias.offset(), y.shape().clone(), new long[] {0, bias.stride(0)});
        binary(BinaryOp.ADD, y, b, pre, 1, 0);
        unary(op, pre, out, 0, 0);
    }

    /**
     * A linear layer's forward with the bias in the GEMM's epilogue (issue 15): out[M, N] = x[M, K] · w[N, K]ᵀ +
     * bias[N], the bias added to every row, at the thread's Precision as {@link #matmul} (the product rounded as there,
     * the bias added in the output's float precision). x and w as matmul's operands (any strides), bias 1-D, out
     * contiguous and aliasing none of x, w, bias; one dtype. This default composes the backend's own matmul and a
     * broadcast ADD in place on out (two passes over out, the values of F.linear's unfused matmul then add); the cuda
     * backend adds the bias as the GEMM writes out (cuBLASLt's CUBLASLT_EPILOGUE_BIAS on a GPU: no second pass).
     */
    default void linearBias(View x, View w, View bias, View out) {
        View wt = new View(w.storage(), w.dtype(), w.offset(), new long[] {w.dim(1), w.dim(0)},
                new long[] {w.stride(1), w.stride(0)});
        matmul(x, wt, out, 1, 0);
        View b = new View(bias.storage(), bias.dtype(), bias.offset(), out.shape().clone(), new long[] {0, bias.stride(0)});
        binary(BinaryOp.ADD, out, b, out, 1, 0);
    }

    // ---- global top-k over many tensors at once (one host round trip a call on a device backend) --------------

    /**
     * scoreHistogram over every element of every view of {@code scores}, as if the views were one tensor laid end to
     * end in list order: counts (2^bits entries) is accumulated into, with the same keys, arguments and rules as
     * {@link #scoreHistogram}. A negative or NaN score is an IllegalArgumentException naming the op, the view's
     * position in the list and the element's flat index (the first bad score in that order). A device backend
     * makes one host round trip per call, whatever the number of views. An empty list leaves counts unchanged.
     */
    void scoreHistograms(List<View> scores, int shift, int bits, int matchShift, int matchValue, long[] counts);

    /**
     * maskFromScores over several tensors as if they were one tensor laid end to end in list order: masks.get(i) = 1
     * where scores.get(i) > threshold, and where == threshold for the first tiesToKeep such elements of all the
     * scores (earlier views first, then row-major order within a view); 0 elsewhere. Returns how many ties it kept in
     * total (min(tiesToKeep, ties)). masks.get(i) contiguous float of scores.get(i)'s shape; the masks do not overlap
     * one another (a mask may overlap scores: they are read before it is written). A device backend distributes the
     * tie budget over the views on the device and makes one host round trip per call (reading the returned count).
     */
    long masksFromScores(List<View> scores, List<View> masks, float threshold, long tiesToKeep);

    // ---- fused attention (issue 15): flash-style on cuda; ref and cpu compose matmul, softmax and matmul ------------

    /**
     * Scaled dot-product attention per (b, h): out = softmax(scale · q kᵀ) v, with q, k [B, H, T, d], v and out
     * [B, H, T, dv] (strided views, any strides; out shares no element with q, k or v) and logSumExp [B, H, T]
     * (contiguous) receiving lse_i = log Σ_j exp(scale · q_i·k_j), the backward's input. A backend that fuses it never
     * stores the [T, T] scores; this default composes the backend's own matmul, reductions and elementwise ops.
     */
    default void attention(View q, View k, View v, View out, View logSumExp, double scale) {
        ComposedAttention.forward(this, q, k, v, out, logSumExp, scale);
    }

    /**
     * Gradients of {@link #attention} from its inputs, its output, the upstream gradient dOut [B, H, T, dv] and the
     * saved logSumExp: dq, dk [B, H, T, d] and dv [B, H, T, dv] (strided, overwritten; they share no element with an
     * input or with each other). The probabilities are recomputed from q, k and logSumExp.
     */
    default void attentionBackward(View q, View k, View v, View out, View dOut, View logSumExp, View dq, View dk, View dv,
                                   double scale) {
        ComposedAttention.backward(this, q, k, v, out, dOut, logSumExp, dq, dk, dv, scale);
    }
}
