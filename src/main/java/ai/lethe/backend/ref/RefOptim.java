// The ref backend's optimizer steps, written as torch.optim writes them (see SgdParams, AdamParams), with the
// pruning mask of Backend.sgdStep/adamStep: where the mask is 0 the parameter and its state become exactly 0.
package ai.lethe.backend.ref;

import ai.lethe.backend.AdamParams;
import ai.lethe.backend.SgdParams;
import ai.lethe.backend.View;

final class RefOptim {
    private RefOptim() {}

    /** The mask's values, or null for no mask. */
    private static double[] maskOf(View mask) { return mask == null ? null : new RefData(mask).toDoubles(); }

    static void sgd(View param, View grad, View momentumBuffer, View mask, SgdParams p) {
        RefData pd = new RefData(param);
        double[] w = pd.toDoubles(), g = new RefData(grad).toDoubles(), keep = maskOf(mask);
        double[] buf = momentumBuffer == null ? null : new RefData(momentumBuffer).toDoubles();
        if (p.momentum() != 0 && buf == null)
            throw new IllegalArgumentException("sgdStep: momentum " + p.momentum() + " needs a momentum buffer");
        for (int i = 0; i < w.length; i++) {
            if (keep != null && keep[i] == 0) {
                w[i] = 0;
                if (buf != null) buf[i] = 0;
                continue;
            }
            double d = p.maximize() ? -g[i] : g[i];
            if (p.weightDecay() != 0) d += p.weightDecay() * w[i];
            if (p.l1() != 0) d += p.l1() * (w[i] > 0 ? 1 : w[i] < 0 ? -1 : 0);
            if (p.momentum() != 0) {
                buf[i] = p.firstStep() ? d : p.momentum() * buf[i] + (1 - p.dampening()) * d;
                d = p.nesterov() ? d + p.momentum() * buf[i] : buf[i];
            }
            w[i] -= p.lr() * d;
        }
        pd.fromDoubles(w);
        if (buf != null) new RefData(momentumBuffer).fromDoubles(buf);
    }

    static void adam(View param, View grad, View expAvg, View expAvgSq, View mask, AdamParams p) {
        RefData pd = new RefData(param), md = new RefData(expAvg), vd = new RefData(expAvgSq);
        double[] w = pd.toDoubles(), g = new RefData(grad).toDoubles(), m = md.toDoubles(), v = vd.toDoubles();
        double[] keep = maskOf(mask);
        double bc1 = 1 - Math.pow(p.beta1(), p.step()), bc2 = 1 - Math.pow(p.beta2(), p.step());
        double stepSize = p.lr() / bc1, bc2Sqrt = Math.sqrt(bc2);
        for (int i = 0; i < w.length; i++) {
            if (keep != null && keep[i] == 0) {
                w[i] = 0;
                m[i] = 0;
                v[i] = 0;
                continue;
            }
            double gi = p.maximize() ? -g[i] : g[i];
            if (p.weightDecay() != 0) {
                if (p.decoupledWeightDecay()) w[i] *= 1 - p.lr() * p.weightDecay();
                else gi += p.weightDecay() * w[i];
            }
            m[i] = p.beta1() * m[i] + (1 - p.beta1()) * gi;
            v[i] = p.beta2() * v[i] + (1 - p.beta2()) * gi * gi;
            w[i] -= stepSize * m[i] / (Math.sqrt(v[i]) / bc2Sqrt + p.eps());
        }
        pd.fromDoubles(w);
        md.fromDoubles(m);
        vd.fromDoubles(v);
    }
}
