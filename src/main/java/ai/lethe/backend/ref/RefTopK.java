// The ref backend's multi-tensor top-k kernels (Backend.scoreHistograms, Backend.masksFromScores): the oracle the
// other backends are tested against, written directly from the SPI's definition — the views laid end to end in
// list order, one histogram over all of them, one tie budget spent in list order and then row-major order.
// Scores are compared as float32; every score is read before any mask is written (a mask may overlap scores).
package ai.lethe.backend.ref;

import ai.lethe.backend.ScoreKeys;
import ai.lethe.backend.View;
import java.util.List;

final class RefTopK {
    private RefTopK() {}

    static void scoreHistograms(List<View> scores, int shift, int bits, int matchShift, int matchValue, long[] counts) {
        String op = "scoreHistograms";
        ScoreKeys.checkHistogram(op, shift, bits, matchShift, counts);
        long[] local = new long[counts.length];
        long mask = (1L << bits) - 1;
        for (int t = 0; t < scores.size(); t++) {
            View v = scores.get(t);
            RefBackend.requireFloat(op, v);
            float[] s = floats(v);
            for (int i = 0; i < s.length; i++) {
                long key = ScoreKeys.key(s[i]);
                if (key < 0) throw ScoreKeys.badScore(op + ": scores[" + t + "]", i, s[i]);
                if (ScoreKeys.matches(key, matchShift, matchValue)) local[(int) ((key >>> shift) & mask)]++;
            }
        }
        for (int b = 0; b < counts.length; b++) counts[b] += local[b];
    }

    static long masksFromScores(List<View> scores, List<View> masks, float threshold, long tiesToKeep) {
        String op = "masksFromScores";
        ScoreKeys.checkTies(op, tiesToKeep);
        float[][] s = new float[scores.size()][];
        for (int t = 0; t < s.length; t++) {
            RefBackend.requireFloat(op, scores.get(t));
            RefBackend.requireFloat(op, masks.get(t));
            s[t] = floats(scores.get(t));
        }
        long kept = 0;
        for (int t = 0; t < s.length; t++) {
            double[] out = new double[s[t].length];
            for (int i = 0; i < out.length; i++) {
                if (s[t][i] > threshold) out[i] = 1;
                else if (s[t][i] == threshold && kept < tiesToKeep) {
                    out[i] = 1;
                    kept++;
                }
            }
            new RefData(masks.get(t)).fromDoubles(out);
        }
        return kept;
    }

    /** The view's values rounded to float32, in row-major order. */
    private static float[] floats(View v) {
        double[] d = new RefData(v).toDoubles();
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}
