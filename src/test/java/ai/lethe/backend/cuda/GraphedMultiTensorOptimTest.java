// Captured optimizer steps keep the multi-tensor kernels (issue 15): in a step graph with a step-parameter block,
// Backend.sgdStepMulti / adamStepMulti launch sgd_step_multi_hyper_f32 / adam_step_multi_hyper_f32 — one launch and
// one step-parameter slot per table of up to 64 tensors, the scalars read from the block — instead of one per-tensor
// kernel per parameter. On cuda-emu, over 70 parameters of mixed sizes (some of several 16,384-element chunks, some
// masked): the captured optimizer step is 2 graph operations and 2 slots (it was 70 of each with the per-tensor
// kernels), a replay launches nothing from Java and uploads the block in one copy, and after N steps with a learning
// rate that changes every step the parameters and every state buffer equal the eager steps' bit for bit (tolerance 0:
// the same element code, in double, rounded once), for SGD (momentum, Nesterov, weight decay, l1; and two parameter
// groups of different layouts, a launch and a slot each) and AdamW.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.lethe.backend.GraphCapture;
import ai.lethe.core.Device;
import ai.lethe.optim.AdamW;
import ai.lethe.optim.Optimizer;
import ai.lethe.optim.ParamState;
import ai.lethe.optim.SGD;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class GraphedMultiTensorOptimTest {
    static final int TENSORS = 70, STEPS = 6;

    /** Tensor i's size: mostly small, every 9th spanning several chunks of CudaOptim.MT_CHUNK. */
    static int size(int i) { return i % 9 == 4 ? 2 * CudaOptim.MT_CHUNK + 37 * i : 5 + 13 * i; }

    /** Parameters (with fixed gradients) and masks on every 5th, the same values on each call. */
    record Problem(List<Tensor> params, List<Tensor> masks) implements AutoCloseable {
        static Problem of(Device d) {
            List<Tensor> ps = new ArrayList<>(), ms = new ArrayList<>();
            for (int t = 0; t < TENSORS; t++) {
                int n = size(t);
                float[] w = new float[n], g = new float[n], m = new float[n];
                for (int i = 0; i < n; i++) {
                    w[i] = (float) Math.cos(i * 0.11 + t);
                    g[i] = (float) Math.sin(i * 0.29 - t);
                    m[i] = (i + t) % 4 == 0 ? 0 : 1;
                }
                Tensor p = Scope.unscoped(() -> Tensor.fromArray(w, d, n)).setRequiresGrad(true);
                p.setGrad(Scope.unscoped(() -> Tensor.fromArray(g, d, n)));
                ps.add(p);
                ms.add(t % 5 == 0 ? Scope.unscoped(() -> Tensor.fromArray(m, d, n)) : null);
            }
            return new Problem(ps, ms);
        }

        void mask(Optimizer<?> opt) {
            for (int t = 0; t < TENSORS; t++) if (masks.get(t) != null) opt.setMask(params.get(t), masks.get(t));
        }

        @Override public void close() {
            for (Tensor p : params) {
                p.zeroGrad();
                p.close();
            }
            for (Tensor m : masks) if (m != null) m.close();
        }
    }

    /**
     * Every parameter and state buffer after STEPS steps of {@code make}'s optimizer, eagerly or with step 0 eager, step
     * 1 captured and the rest replayed; {@code counts}: the capture's graph operations and slots.
     */
    static List<float[]> run(Function<List<Tensor>, Optimizer<?>> make, boolean graphed, long[] counts) {
        CudaBackend cuda = GraphReplayTest.cuda();
        try (Problem p = Problem.of(cuda.device()); Optimizer<?> opt = make.apply(p.params());
             GraphCapture.StepGraph graph = cuda.newStepGraph("multi-tensor optimizer test")) {
            p.mask(opt);
            for (int s = 0; s < STEPS; s++) {
                opt.setLr(0.01 * (s + 1));
                if (!graphed || s == 0) {
                    opt.step();
                    continue;
                }
                DeviceCounters before = cuda.counters();
                boolean captured = graph.run(opt.layoutKey(), opt::step, opt::replayStep);
                DeviceCounters d = cuda.counters().minus(before);
                assertEquals(s == 1, captured, "step " + s);
                assertEquals(1, d.graphLaunches(), d.toString());
                if (captured) {
                    counts[0] = d.capturedOperations();
                    counts[1] = ((CapturedStep) graph).parameterSlots();
                } else {
                    assertEquals(0, d.launches(), "a replay launches no kernel from Java: " + d);
                    assertEquals(0, d.capturedOperations(), d.toString());
                    assertEquals(1, d.hostToDeviceCopies(), "the step-parameter block, one copy: " + d);
                    assertEquals(0, d.hostSynchronizations() + d.deviceAllocations(), d.toString());
                }
            }
            if (graphed) assertEquals(STEPS - 2, graph.replays());
            List<float[]> out = new ArrayList<>();
            for (Tensor t : p.params()) {
                out.add(t.toFloatArray());
                ParamState st = opt.stateOf(t);
                for (Tensor b : st.buffers().values()) out.add(b.toFloatArray());
            }
            return out;
        }
    }

    static void graphedEqualsEager(Function<List<Tensor>, Optimizer<?>> make) {
        graphedEqualsEager(make, (TENSORS + CudaOptim.MT_MAX - 1) / CudaOptim.MT_MAX);
    }

    static void graphedEqualsEager(Function<List<Tensor>, Optimizer<?>> make, long launches) {
        long[] counts = new long[2];
        List<float[]> eager = run(make, false, counts), graphed = run(make, true, counts);
        assertEquals(launches, counts[0], "graph operations of the optimizer step: one multi-tensor launch per 64 tensors");
        assertEquals(launches, counts[1], "step-parameter slots: one per launch");
        assertEquals(eager.size(), graphed.size());
        for (int i = 0; i < eager.size(); i++) assertArrayEquals(eager.get(i), graphed.get(i), "tensor " + i);
    }

    @Test void sgdCapturedWithTheMultiTensorKernelReplaysTheEagerSteps() {
        graphedEqualsEager(ps -> SGD.builder(ps).lr(0.01).momentum(0.9).weightDecay(1e-3).nesterov(true).l1(1e-4).build());
    }

    @Test void twoParameterGroupsTakeALaunchAndASlotEach() {
        // 20 tensors with momentum and Nesterov, 50 without momentum and with maximize: a table each (1 + 1 launches)
        graphedEqualsEager(ps -> SGD.builder(ps.subList(0, 20)).lr(0.01).momentum(0.9).nesterov(true).weightDecay(1e-3)
                .group(ps.subList(20, TENSORS), o -> o.withNesterov(false).withMomentum(0).withMaximize(true).withL1(1e-3)).build(), 2);
    }

    @Test void adamWCapturedWithTheMultiTensorKernelReplaysTheEagerSteps() {
        graphedEqualsEager(ps -> AdamW.builder(ps).lr(0.01).weightDecay(0.05).build());
    }
}
