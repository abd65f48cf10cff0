// Replayed step graphs on cuda-emu (CapturedStep.run(key, body, pass), StepParameters, CudaContext.parameterPass):
// an SGD step with momentum, weight decay and a learning rate that changes every step, and an AdamW step (its bias
// corrections change every step), captured once and replayed, give bit for bit the parameters of the same steps run
// eagerly, with the body run only at the capture; a replay launches no kernel, captures nothing and uploads the step
// parameters with one copy; a new key captures again; a parameter pass that queues device work is an error naming the
// call; a capture that draws random numbers is captured again every run (its Philox counter goes by value).
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.GraphCapture;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.optim.AdamW;
import ai.lethe.optim.Optimizer;
import ai.lethe.optim.SGD;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class GraphReplayTest {
    static final int N = 1003, STEPS = 6;

    static CudaBackend cuda() { return (CudaBackend) ai.lethe.backend.Backends.implementation(CudaBackendTest.emu()); }

    /** A parameter and an input on the device, the same values for each run. */
    record Problem(Tensor w, Tensor x) implements AutoCloseable {
        static Problem of(Device d) {
            float[] w = new float[N], x = new float[N];
            for (int i = 0; i < N; i++) {
                w[i] = (float) Math.cos(i * 0.11);
                x[i] = (float) Math.sin(i * 0.29);
            }
            return new Problem(Scope.unscoped(() -> Tensor.fromArray(w, d, N)).setRequiresGrad(true),
                    Scope.unscoped(() -> Tensor.fromArray(x, d, N)));
        }

        /** loss = sum((w * x - 0.5)^2), backward, step. */
        void step(Optimizer<?> opt) {
            try (Scope _ = Scope.open("step")) {
                opt.zeroGrad();
                w.mul(x).sub(0.5).square().sum().backward();
                opt.step();
            }
        }

        @Override public void close() {
            w.zeroGrad();
            w.close();
            x.close();
        }
    }

    /** The parameter after STEPS steps, eagerly or (graphed) with step 0 eager and the rest through one step graph. */
    static float[] run(Function<Tensor, Optimizer<?>> make, boolean graphed, long[] counts) {
        CudaBackend cuda = cuda();
        try (Problem p = Problem.of(cuda.device()); Optimizer<?> opt = make.apply(p.w());
             GraphCapture.StepGraph graph = cuda.newStepGraph("replay test")) {
            int[] bodies = {0};
            for (int s = 0; s < STEPS; s++) {
                opt.setLr(0.01 * (s + 1));   // a warm-up: a new learning rate every step
                if (!graphed || s == 0) {
                    p.step(opt);
                    continue;
                }
                DeviceCounters before = cuda.counters();
                boolean captured = graph.run(opt.layoutKey(), () -> {
                    bodies[0]++;
                    p.step(opt);
                }, opt::replayStep);
                DeviceCounters d = cuda.counters().minus(before);
                assertEquals(s == 1, captured, "step " + s);
                assertEquals(1, d.graphLaunches(), d.toString());
                if (s > 1) {
                    assertEquals(0, d.launches(), "a replay launches no kernel from Java: " + d);
                    assertEquals(0, d.capturedOperations(), "a replay captures nothing: " + d);
                    assertEquals(1, d.hostToDeviceCopies(), "the step parameters, in one copy: " + d);
                    assertEquals(0, d.hostSynchronizations() + d.deviceAllocations(), d.toString());
                }
            }
            if (graphed) {
                assertEquals(1, bodies[0], "the body ran once, at the capture");
                assertEquals(1, graph.captures());
                assertEquals(STEPS - 2, graph.replays());
                counts[0] = ((CapturedStep) graph).parameterSlots();
            }
            return p.w().toFloatArray();
        }
    }

    static void sameAsEager(Function<Tensor, Optimizer<?>> make) {
        long[] slots = new long[1];
        float[] eager = run(make, false, slots), graphed = run(make, true, slots);
        assertArrayEquals(eager, graphed);
        assertEquals(1, slots[0], "one optimizer kernel, one slot");
    }

    @Test void sgdWithMomentumAndAChangingLearningRateReplaysTheEagerSteps() {
        sameAsEager(w -> SGD.builder(List.of(w)).lr(0.01).momentum(0.9).weightDecay(1e-3).nesterov(true).build());
    }

    @Test void adamWReplaysTheEagerSteps() {
        sameAsEager(w -> AdamW.builder(List.of(w)).lr(0.01).weightDecay(0.05).build());
    }

    @Test void aNewKeyCapturesAgainAndAPassThatQueuesWorkIsRefused() {
        CudaBackend cuda = cuda();
        try (Problem p = Problem.of(cuda.device()); SGD opt = SGD.builder(List.of(p.w())).lr(0.01).momentum(0.9).build();
             GraphCapture.StepGraph graph = cuda.newStepGraph("key test")) {
            p.step(opt);
            assertTrue(graph.run("a", () -> p.step(opt), opt::replayStep));
            assertFalse(graph.run("a", () -> p.step(opt), opt::replayStep));
            assertTrue(graph.run("b", () -> p.step(opt), opt::replayStep), "a new key captures again");
            assertEquals(2, graph.captures());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> graph.run("b", () -> p.step(opt), () -> p.x().mul(2).close()));
            assertTrue(e.getMessage().contains("launch of") && e.getMessage().contains("parameter pass"), e.getMessage());
            p.step(opt);   // the backend works normally afterwards
        }
    }

    @Test void aCaptureThatDrawsRandomNumbersIsCapturedEveryRun() {
        CudaBackend cuda = cuda();
        Device d = cuda.device();
        try (Tensor out = Scope.unscoped(() -> Tensor.zeros(Shape.of(N), d));
             GraphCapture.StepGraph graph = cuda.newStepGraph("random test")) {
            Generator g = new Generator(3);
            Runnable body = () -> {
                try (Scope _ = Scope.open("draw")) {
                    out.copyFrom(Tensor.uniform(Shape.of(N), 0, 1, g, ai.lethe.core.DType.FLOAT32, d));
                }
            };
            float[] previous = null;
            for (int i = 0; i < 3; i++) {
                assertTrue(graph.run("k", body, () -> {}), "run " + i + " captured");
                float[] now = out.toFloatArray();
                if (previous != null) assertFalse(java.util.Arrays.equals(previous, now), "new numbers each run");
                previous = now;
            }
            assertEquals(3, graph.captures());
            assertEquals(0, graph.replays());
        }
    }
}
