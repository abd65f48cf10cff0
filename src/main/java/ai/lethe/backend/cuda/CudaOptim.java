// The CUDA backend's fused, masked optimizer steps (SGD with momentum, dampening, Nesterov, weight decay and l1;
// Adam/AdamW): one kernel launch, one pass over each parameter and its state (cuda-kernels/optim.cu), with the
// semantics of the ref backend (RefOptim): each update in double, rounded once; where the mask is 0 the parameter
// and its state become exactly 0. float32 only; strided views are staged through contiguous copies (DenseFloat32).
// Called by CudaBackend after SpiChecks has validated the arguments; queues its kernels on the context's stream.
//
// sgdStepMulti / adamStepMulti are multi-tensor apply (optim.cu's *_multi_f32): the parameters' pointers and sizes
// travel in the launch's arguments (a table of up to MT_MAX tensors, under 4 KiB), each parameter cut in chunks of
// MT_CHUNK elements, one block a chunk, so one launch updates up to MT_MAX parameters (ResNet18's 62 in one) with
// the very element code of the per-tensor kernels: results are bit-identical to sgdStep/adamStep on each.
//
// In a captured step with a step-parameter block (CapturedStep, StepParameters) the *_hyper_f32 kernels take the
// scalars — learning rate, SGD's first-step flag, Adam's bias corrections, every hyper-parameter and flag — from the
// block, so the graph replays with each step's values; in a replay's parameter pass only the block is written. The
// multi-tensor steps keep their one launch per MT_MAX tensors there (sgd_step_multi_hyper_f32 /
// adam_step_multi_hyper_f32: one slot per launch); only operands that need staging fall back to per-tensor kernels.
package ai.lethe.backend.cuda;

import ai.lethe.backend.AdamParams;
import ai.lethe.backend.SgdParams;
import ai.lethe.backend.View;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

final class CudaOptim {
    // flags of optim.cu (LETHE_SGD_*, LETHE_ADAM_*)
    private static final int SGD_NESTEROV = 1, SGD_MAXIMIZE = 2, SGD_FIRST_STEP = 4;
    private static final int ADAM_DECOUPLED = 1, ADAM_MAXIMIZE = 2;

    // optim.cu's multi-tensor table (OPTIM_MT_MAX, OPTIM_MT_LISTS, OPTIM_MT_CHUNK)
    static final int MT_MAX = 64, MT_LISTS = 5, MT_CHUNK = 16384;
    /** Blocks one multi-tensor launch may have (grid.x of a 1-D grid). */
    private static final long MT_MAX_BLOCKS = Integer.MAX_VALUE;

    private final CudaContext context;

    CudaOptim(CudaContext context) { this.context = context; }

    /**
     * Whether the kernels can take every view as it lies (contiguous; the read-only gradient and mask not overlapping an
     * updated view): the hyper-parameter kernels then run on them directly, with no staging copies to capture.
     */
    private static boolean dense(View[] updated, View... inputs) {
        for (View o : updated) {
            if (o != null && !o.isContiguous()) return false;
            for (View in : inputs)
                if (in != null && o != null && !CudaContext.sameLayout(in, o) && CudaContext.overlaps(in, o)) return false;
        }
        for (View in : inputs) if (in != null && !in.isContiguous()) return false;
        return true;
    }

    private long pointer(String op, View v) { return v == null ? 0 : context.elementPointer(op, v); }

    /**
     * What a step-parameter slot was captured for: the element count and the addresses of the parameter, its state and
     * its mask (the gradient's is left out: a replayed step's parameter pass runs on the host, where the gradients may
     * be another step's, the graph having its own).
     */
    private long[] signature(String op, long n, View param, View... others) {
        long[] s = new long[others.length + 2];
        s[0] = n;
        s[1] = context.elementPointer(op, param);
        for (int i = 0; i < others.length; i++) s[i + 2] = pointer(op, others[i]);
        return s;
    }

    void sgdStep(View param, View grad, View momentumBuffer, View mask, SgdParams p) {
        String op = "sgdStep";
        DenseFloat32.require(op, param, grad, momentumBuffer, mask);
        if (p.momentum() != 0 && momentumBuffer == null)
            throw new IllegalArgumentException(op + ": momentum " + p.momentum() + " needs a momentum buffer");
        long n = param.numel();
        if (n == 0) return;
        int flags = (p.nesterov() ? SGD_NESTEROV : 0) | (p.maximize() ? SGD_MAXIMIZE : 0) | (p.firstStep() ? SGD_FIRST_STEP : 0);
        StepParameters sp = context.stepParameters();
        if (sp != null) {
            double[] hyper = {p.lr(), p.momentum(), p.dampening(), p.weightDecay(), p.l1(), flags};
            if (sp.mode() == StepParameters.Mode.PASS) {
                sp.slot("sgd_step_hyper_f32", signature(op, n, param, momentumBuffer, mask), hyper);
                return;
            }
            if (dense(new View[] {param, momentumBuffer}, grad, mask)) {
                long w = context.elementPointer(op, param), buf = pointer(op, momentumBuffer), m = pointer(op, mask);
                long slot = sp.slot("sgd_step_hyper_f32", signature(op, n, param, momentumBuffer, mask), hyper);
                context.launch1d("sgd_step_hyper_f32", (n + 3) / 4, new KernelArgs().pointer(w)
                        .pointer(context.elementPointer(op, grad)).pointer(buf).pointer(m).i64(n).pointer(slot));
                return;
            }
            context.unreplayable(op + " of a strided or overlapping view (its scalars go by value)");
        }
        try (DenseFloat32 d = new DenseFloat32(context, op)) {
            long w = d.output(param), buf = d.output(momentumBuffer);
            KernelArgs args = new KernelArgs().pointer(w).pointer(d.input(grad)).pointer(buf).pointer(d.input(mask))
                    .i64(n).f64(p.lr()).f64(p.momentum()).f64(p.dampening()).f64(p.weightDecay()).f64(p.l1()).i32(flags);
            context.launch1d("sgd_step_f32", (n + 3) / 4, args);
            d.finish();
        }
    }

    void adamStep(View param, View grad, View expAvg, View expAvgSq, View mask, AdamParams p) {
        String op = "adamStep";
        DenseFloat32.require(op, param, grad, expAvg, expAvgSq, mask);
        long n = param.numel();
        if (n == 0) return;
        // bias corrections as RefOptim and native/optim.c compute them
        double bias1 = 1 - Math.pow(p.beta1(), p.step()), bias2 = 1 - Math.pow(p.beta2(), p.step());
        double stepSize = p.lr() / bias1, bias2Sqrt = Math.sqrt(bias2);
        int flags = (p.decoupledWeightDecay() ? ADAM_DECOUPLED : 0) | (p.maximize() ? ADAM_MAXIMIZE : 0);
        StepParameters sp = context.stepParameters();
        if (sp != null) {
            double[] hyper = {p.lr(), p.beta1(), p.beta2(), p.eps(), p.weightDecay(), stepSize, bias2Sqrt, flags};
            if (sp.mode() == StepParameters.Mode.PASS) {
                sp.slot("adam_step_hyper_f32", signature(op, n, param, expAvg, expAvgSq, mask), hyper);
                return;
            }
            if (dense(new View[] {param, expAvg, expAvgSq}, grad, mask)) {
                long w = context.elementPointer(op, param), m = context.elementPointer(op, expAvg);
                long v = context.elementPointer(op, expAvgSq), k = pointer(op, mask);
                long slot = sp.slot("adam_step_hyper_f32", signature(op, n, param, expAvg, expAvgSq, mask), hyper);
                context.launch1d("adam_step_hyper_f32", (n + 3) / 4, new KernelArgs().pointer(w)
                        .pointer(context.elementPointer(op, grad)).pointer(m).pointer(v).pointer(k).i64(n).pointer(slot));
                return;
            }
            context.unreplayable(op + " of a strided or overlapping view (its scalars go by value)");
        }
        try (DenseFloat32 d = new DenseFloat32(context, op)) {
            long w = d.output(param), m = d.output(expAvg), v = d.output(expAvgSq);
            KernelArgs args = new KernelArgs().pointer(w).pointer(d.input(grad)).pointer(m).pointer(v).pointer(d.input(mask))
                    .i64(n).f64(p.lr()).f64(p.beta1()).f64(p.beta2()).f64(p.eps()).f64(p.weightDecay()).f64(stepSize)
                    .f64(bias2Sqrt).i32(flags);
            context.launch1d("adam_step_f32", (n + 3) / 4, args);
            d.finish();
        }
    }

    void sgdStepMulti(View[] params, View[] grads, View[] momentumBuffers, View[] masks, SgdParams p) {
        String op = "sgdStepMulti";
        int flags = (p.nesterov() ? SGD_NESTEROV : 0) | (p.maximize() ? SGD_MAXIMIZE : 0) | (p.firstStep() ? SGD_FIRST_STEP : 0);
        View[][] lists = {params, grads, momentumBuffers, masks, null};
        boolean[] outputs = {true, false, true, false, false};
        StepParameters sp = context.stepParameters();
        if (sp != null) {   // a captured step: the multi-tensor kernel reading its scalars from the step-parameter block
            if (denseLists(op, lists, outputs)) {
                graphed(op, sp, "sgd_step_multi_hyper_f32", lists,
                        new double[] {p.lr(), p.momentum(), p.dampening(), p.weightDecay(), p.l1(), flags});
                return;
            }
            // strided or overlapping operands: per tensor (sgdStep marks such a capture unreplayable)
            for (int i = 0; i < params.length; i++)
                sgdStep(params[i], grads[i], momentumBuffers == null ? null : momentumBuffers[i], masks == null ? null : masks[i], p);
            return;
        }
        multi(op, lists, outputs, table ->
                context.launch("sgd_step_multi_f32", Dim3.of(table.blocks()), Dim3.of(256), 0, new KernelArgs()
                        .words64(table.words()).f64(p.lr()).f64(p.momentum()).f64(p.dampening()).f64(p.weightDecay())
                        .f64(p.l1()).i32(flags)));
    }

    void adamStepMulti(View[] params, View[] grads, View[] expAvgs, View[] expAvgSqs, View[] masks, AdamParams p) {
        String op = "adamStepMulti";
        double bias1 = 1 - Math.pow(p.beta1(), p.step()), bias2 = 1 - Math.pow(p.beta2(), p.step());
        double stepSize = p.lr() / bias1, bias2Sqrt = Math.sqrt(bias2);
        int flags = (p.decoupledWeightDecay() ? ADAM_DECOUPLED : 0) | (p.maximize() ? ADAM_MAXIMIZE : 0);
        View[][] lists = {params, grads, expAvgs, expAvgSqs, masks};
        boolean[] outputs = {true, false, true, true, false};
        StepParameters sp = context.stepParameters();
        if (sp != null) {   // as sgdStepMulti
            if (denseLists(op, lists, outputs)) {
                graphed(op, sp, "adam_step_multi_hyper_f32", lists,
                        new double[] {p.lr(), p.beta1(), p.beta2(), p.eps(), p.weightDecay(), stepSize, bias2Sqrt, flags});
                return;
            }
            for (int i = 0; i < params.length; i++)
                adamStep(params[i], grads[i], expAvgs[i], expAvgSqs[i], masks == null ? null : masks[i], p);
            return;
        }
        multi(op, lists, outputs, table ->
                context.launch("adam_step_multi_f32", Dim3.of(table.blocks()), Dim3.of(256), 0, new KernelArgs()
                        .words64(table.words()).f64(p.lr()).f64(p.beta1()).f64(p.beta2()).f64(p.eps()).f64(p.weightDecay())
                        .f64(stepSize).f64(bias2Sqrt).i32(flags)));
    }

    /** Whether every tensor's operands can be taken as they lie (see dense): then no staging copy is needed. */
    private static boolean denseLists(String op, View[][] lists, boolean[] outputs) {
        for (View[] list : lists) if (list != null) for (View v : list) DenseFloat32.require(op, v);
        for (int i = 0; i < lists[0].length; i++) {
            List<View> updated = new ArrayList<>(), inputs = new ArrayList<>();
            for (int l = 0; l < MT_LISTS; l++)
                if (lists[l] != null && lists[l][i] != null) (outputs[l] ? updated : inputs).add(lists[l][i]);
            if (!dense(updated.toArray(View[]::new), inputs.toArray(View[]::new))) return false;
        }
        return true;
    }

    /**
     * The multi-tensor step of a captured step ({@code kernel}: a *_multi_hyper_f32 kernel): per table of up to MT_MAX
     * tensors, one step-parameter slot holding {@code hyper} and, while capturing, one launch reading it. In a replay's
     * parameter pass only the slots are written. A slot's signature is its table less the gradients' pointers (the
     * pass stands each parameter in for its gradient; the graph keeps its own).
     */
    private void graphed(String op, StepParameters sp, String kernel, View[][] lists, double[] hyper) {
        View[] params = lists[0];
        long[][] ptr = new long[params.length][MT_LISTS];
        for (int l = 0; l < MT_LISTS; l++)
            if (lists[l] != null)
                for (int i = 0; i < params.length; i++) if (params[i].numel() > 0) ptr[i][l] = pointer(op, lists[l][i]);
        for (Table t : tables(op, params, ptr)) {
            long[] signature = t.words().clone();
            Arrays.fill(signature, MT_MAX, 2 * MT_MAX, 0);   // list 1: the gradients
            long slot = sp.slot(kernel, signature, hyper);
            if (sp.mode() == StepParameters.Mode.PASS) continue;
            context.launch(kernel, Dim3.of(t.blocks()), Dim3.of(256), 0, new KernelArgs().words64(t.words()).pointer(slot));
        }
    }

    /** One launch's table: optim.cu's OptimTensorTable as 8-byte words, and the blocks it needs. */
    record Table(long[] words, int blocks) {}

    /**
     * Packs the lists (list l element i: tensor i's operand l; a null list or element is a null pointer) into tables of
     * up to MT_MAX tensors and launches each; outputs[l] says whether list l is updated in place. Empty tensors are
     * skipped. Strided or overlapping operands are staged through DenseFloat32 (copied back at the end).
     */
    private void multi(String op, View[][] lists, boolean[] outputs, Consumer<Table> launch) {
        View[] params = lists[0];
        for (View[] list : lists) if (list != null) for (View v : list) DenseFloat32.require(op, v);
        try (DenseFloat32 d = new DenseFloat32(context, op)) {
            long[][] ptr = new long[params.length][MT_LISTS];
            for (int pass = 0; pass < 2; pass++)   // outputs first: DenseFloat32 separates inputs from them
                for (int l = 0; l < MT_LISTS; l++) {
                    if (lists[l] == null || outputs[l] != (pass == 0)) continue;
                    for (int i = 0; i < params.length; i++) {
                        View v = lists[l][i];
                        if (v == null || params[i].numel() == 0) continue;
                        ptr[i][l] = outputs[l] ? d.output(v) : d.input(v);
                    }
                }
            for (Table t : tables(op, params, ptr)) launch.accept(t);
            d.finish();
        }
    }

    /**
     * The launches' tables for {@code params} with operand pointers {@code ptr} (tensor i's operand l at ptr[i][l]):
     * up to MT_MAX non-empty tensors a table, in order.
     */
    private static List<Table> tables(String op, View[] params, long[][] ptr) {
        List<Table> out = new ArrayList<>();
        int start = 0;
        while (start < params.length) {
            long[] words = new long[MT_LISTS * MT_MAX + MT_MAX + MT_MAX + 2];
            int count = 0;
            long chunks = 0;
            int i = start;
            for (; i < params.length && count < MT_MAX; i++) {
                long n = params[i].numel();
                if (n == 0) continue;
                long need = (n + MT_CHUNK - 1) / MT_CHUNK;
                if (count > 0 && chunks + need > MT_MAX_BLOCKS) break;
                for (int l = 0; l < MT_LISTS; l++) words[l * MT_MAX + count] = ptr[i][l];
                words[MT_LISTS * MT_MAX + count] = n;
                words[MT_LISTS * MT_MAX + MT_MAX + count] = chunks;
                chunks += need;
                count++;
            }
            start = i;
            if (count == 0) continue;
            words[MT_LISTS * MT_MAX + MT_MAX + count] = chunks;   // first_chunk[count]: the end
            words[words.length - 1] = count;
            if (chunks > MT_MAX_BLOCKS)
                throw new IllegalArgumentException(op + ": a parameter of " + params[start - 1].numel()
                        + " elements needs more than " + MT_MAX_BLOCKS + " blocks");
            out.add(new Table(words, (int) chunks));
        }
        return out;
    }
}
