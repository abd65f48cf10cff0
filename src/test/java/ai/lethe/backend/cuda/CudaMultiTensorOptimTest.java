// Multi-tensor optimizer steps on cuda-emu (Backend.sgdStepMulti / adamStepMulti: optim.cu's *_multi_f32, one launch
// for up to 64 parameters): the result of one multi step over many parameters of mixed sizes (empty, one element,
// every float4 tail, more than one chunk of 16384), some masked, some with pointers that are not 16-byte aligned, is
// bit for bit the per-tensor step (the cpu backend's sgdStep/adamStep, whose bits CudaOptimParityTest shows equal to
// cuda's per-tensor kernels) and within 1e-5 of the ref backend; and the launches are one per 64 non-empty parameters.
package ai.lethe.backend.cuda;

import static ai.lethe.backend.cuda.Mirrored.assertClose;
import static ai.lethe.backend.cuda.Mirrored.assertSameAsCpu;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.lethe.backend.AdamParams;
import ai.lethe.backend.Backends;
import ai.lethe.backend.SgdParams;
import ai.lethe.backend.View;
import ai.lethe.backend.cuda.Mirrored.T;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CudaMultiTensorOptimTest {
    private static final long[] SIZES = {0, 1, 2, 3, 4, 5, 7, 37, 16383, 16384, 16389, 40000};

    private Mirrored m;

    @BeforeEach void setUp() { m = new Mirrored(97); }

    @AfterEach void tearDown() {
        if (m != null) m.close();
    }

    /** count parameters cycling through SIZES; every third unaligned. */
    private List<T> params(int count) {
        List<T> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long n = SIZES[i % SIZES.length];
            out.add(i % 3 == 2 && n > 0 ? m.unalignedNormal(n) : m.normal(n));
        }
        return out;
    }

    private List<T> like(List<T> ps, boolean positive) {
        List<T> out = new ArrayList<>();
        for (T p : ps) out.add(positive ? m.uniform(0, 2, p.ref().shape()) : m.normal(p.ref().shape()));
        return out;
    }

    private List<T> masks(List<T> ps) {
        List<T> out = new ArrayList<>();
        for (int i = 0; i < ps.size(); i++)
            out.add(i % 2 == 0 ? null : m.tensor(ps.get(i).ref().shape(), k -> m.random.nextDouble() < 0.3 ? 0 : 1));
        return out;
    }

    private static View[] side(Mirrored.Side s, List<T> ts) {
        View[] v = new View[ts.size()];
        for (int i = 0; i < v.length; i++) v[i] = s.v(ts.get(i));
        return v;
    }

    private long launches(Runnable r) {
        CudaBackend cuda = (CudaBackend) Backends.implementation(m.cuda);
        long before = cuda.counters().launches();
        r.run();
        return cuda.counters().launches() - before;
    }

    @Test void sgdMultiIsThePerTensorStepInOneLaunchPer64() {
        for (SgdParams p : new SgdParams[] {new SgdParams(0.05, 0.9, 0, 1e-4, 5e-4, false, false, true),
                new SgdParams(0.05, 0.9, 0.1, 1e-4, 2e-3, true, false, false), new SgdParams(0.1, 0, 0, 5e-4, 0, false, true, false)})
            for (int count : new int[] {1, 62, 70}) {
                List<T> ps = params(count), gs = like(ps, false), masks = masks(ps);
                List<T> bufs = p.momentum() == 0 ? null : like(ps, false);
                long[] launched = new long[1];
                m.run(s -> {
                    View[] pv = side(s, ps), gv = side(s, gs), mv = side(s, masks), bv = bufs == null ? null : side(s, bufs);
                    if (s.k() == 1) launched[0] = launches(() -> s.backend().sgdStepMulti(pv, gv, bv, mv, p));
                    else for (int i = 0; i < pv.length; i++) s.backend().sgdStep(pv[i], gv[i], bv == null ? null : bv[i], mv[i], p);
                });
                long nonEmpty = ps.stream().filter(t -> t.ref().numel() > 0).count();
                assertEquals((nonEmpty + 63) / 64, launched[0], "launches for " + count + " parameters");
                for (int i = 0; i < count; i++) {
                    String what = "sgd multi " + count + " param " + i + " " + p;
                    assertSameAsCpu(what, ps.get(i));
                    assertClose(what, ps.get(i));
                    if (bufs != null) assertSameAsCpu(what + " momentum", bufs.get(i));
                }
            }
    }

    @Test void adamMultiIsThePerTensorStep() {
        AdamParams p = new AdamParams(1e-3, 0.9, 0.999, 1e-8, 1e-2, true, false, 7);
        List<T> ps = params(40), gs = like(ps, false), avg = like(ps, false), sq = like(ps, true), masks = masks(ps);
        long[] launched = new long[1];
        m.run(s -> {
            View[] pv = side(s, ps), gv = side(s, gs), av = side(s, avg), qv = side(s, sq), mv = side(s, masks);
            if (s.k() == 1) launched[0] = launches(() -> s.backend().adamStepMulti(pv, gv, av, qv, mv, p));
            else for (int i = 0; i < pv.length; i++) s.backend().adamStep(pv[i], gv[i], av[i], qv[i], mv[i], p);
        });
        assertEquals(1, launched[0]);
        for (int i = 0; i < ps.size(); i++) {
            assertSameAsCpu("adam multi param " + i, ps.get(i));
            assertSameAsCpu("adam multi exp_avg " + i, avg.get(i));
            assertSameAsCpu("adam multi exp_avg_sq " + i, sq.get(i));
            assertClose("adam multi param " + i, ps.get(i));
        }
    }

    @Test void stridedOperandsAreStagedAndBadListsRejected() {
        T param = m.normal(9, 7).transposed(0, 1), grad = m.normal(7, 9), buf = m.normal(9, 7).transposed(0, 1);
        T other = m.normal(5), otherGrad = m.normal(5), otherBuf = m.normal(5);
        SgdParams p = new SgdParams(0.05, 0.9, 0, 1e-4, 0, false, false, false);
        m.runRefCuda(s -> {
            if (s.k() == 1) s.backend().sgdStepMulti(new View[] {s.v(param), s.v(other)}, new View[] {s.v(grad), s.v(otherGrad)},
                    new View[] {s.v(buf), s.v(otherBuf)}, null, p);
            else {
                s.backend().sgdStep(s.v(param), s.v(grad), s.v(buf), null, p);
                s.backend().sgdStep(s.v(other), s.v(otherGrad), s.v(otherBuf), null, p);
            }
        });
        assertClose("strided param", param);
        assertClose("strided momentum", buf);
        assertClose("other param", other);
        View[] one = {other.cuda()};
        assertThrows(IllegalArgumentException.class, () -> m.cuda.sgdStepMulti(one, new View[0], null, null, p));
        assertThrows(IllegalArgumentException.class, () -> m.cuda.sgdStepMulti(one, one, null, null, p));   // no buffers
        assertThrows(IllegalArgumentException.class, () -> m.cuda.sgdStepMulti(new View[] {other.cuda(), other.cuda()},
                new View[] {otherGrad.cuda(), otherGrad.cuda()}, new View[] {otherBuf.cuda(), buf.cuda()}, null, p));
    }
}
