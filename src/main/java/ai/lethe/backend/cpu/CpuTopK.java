// The cpu backend's multi-tensor top-k kernels (Backend.scoreHistograms, Backend.masksFromScores) over the
// single-tensor native kernels of native/unlearn.c: one native counts buffer accumulated across every view and
// copied back once; one tie budget handed from view to view in list order. Strided scores, and scores that share
// memory with any mask, are copied dense before any mask is written. Host memory: no round trip to avoid.
package ai.lethe.backend.cpu;

import static ai.lethe.backend.cpu.CpuViews.address;
import static ai.lethe.backend.cpu.CpuViews.requireContiguous;
import static ai.lethe.backend.cpu.CpuViews.requireFloat32;

import ai.lethe.backend.ScoreKeys;
import ai.lethe.backend.View;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

final class CpuTopK {
    private final NativeCpu lib;
    private final CpuMath math;

    CpuTopK(NativeCpu lib, CpuMath math) {
        this.lib = lib;
        this.math = math;
    }

    void scoreHistograms(List<View> scores, int shift, int bits, int matchShift, int matchValue, long[] counts) {
        String op = "scoreHistograms";
        ScoreKeys.checkHistogram(op, shift, bits, matchShift, counts);
        for (View v : scores) requireFloat32(op, v);
        try (TempViews temps = math.temps(); Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(ValueLayout.JAVA_LONG, counts.length);
            MemorySegment.copy(counts, 0, buffer, ValueLayout.JAVA_LONG, 0, counts.length);
            for (int t = 0; t < scores.size(); t++) {
                View v = scores.get(t);
                if (v.numel() == 0) continue;
                View s = v.isContiguous() ? v : temps.copyOf(v);
                if (lib.scoreHistogram(s.numel(), address(op, s), shift, bits, matchShift, matchValue, buffer) == NativeCpu.ERR_VALUE)
                    throw ScoreKeys.badScore(op + ": scores[" + t + "]", NativeCpu.info(0), Float.intBitsToFloat((int) NativeCpu.info(1)));
            }
            MemorySegment.copy(buffer, ValueLayout.JAVA_LONG, 0, counts, 0, counts.length);
        }
    }

    long masksFromScores(List<View> scores, List<View> masks, float threshold, long tiesToKeep) {
        String op = "masksFromScores";
        ScoreKeys.checkTies(op, tiesToKeep);
        int n = scores.size();
        for (int t = 0; t < n; t++) {
            requireFloat32(op, scores.get(t), masks.get(t));
            requireContiguous(op, masks.get(t));
        }
        try (TempViews temps = math.temps()) {
            View[] dense = new View[n];
            for (int t = 0; t < n; t++) {
                View v = scores.get(t);
                boolean shared = false;
                for (View m : masks) shared |= CpuViews.overlaps(v, m);
                dense[t] = v.isContiguous() && !shared ? v : temps.copyOf(v);
            }
            long left = tiesToKeep;
            for (int t = 0; t < n; t++) {
                View m = masks.get(t);
                if (m.numel() == 0) continue;
                left -= lib.maskFromScores(m.numel(), address(op, dense[t]), address(op, m), threshold, left);
            }
            return tiesToKeep - left;
        }
    }
}
