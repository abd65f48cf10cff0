// Per-channel normalisation (torchvision's Normalize): out = (x - mean[c]) / std[c], in float32 as torch computes
// it (mean and std rounded to float first). One value of mean/std applies to every channel. The dataset readers
// (ai.lethe.data.source) know each dataset's mean and std; they are arguments here.
package ai.lethe.data.transform;

import ai.lethe.data.Image;
import java.util.Arrays;

public final class Normalize implements Transform {
    private final float[] mean;
    private final float[] std;

    public Normalize(double[] mean, double[] std) {
        if (mean.length == 0 || mean.length != std.length)
            throw new IllegalArgumentException("Normalize needs as many means as standard deviations (at least one), got "
                    + mean.length + " and " + std.length);
        this.mean = new float[mean.length];
        this.std = new float[std.length];
        for (int c = 0; c < mean.length; c++) {
            if (!Double.isFinite(mean[c])) throw new IllegalArgumentException("Normalize: mean[" + c + "] = " + mean[c] + " is not finite");
            if (!(std[c] > 0) || !Double.isFinite(std[c]))
                throw new IllegalArgumentException("Normalize: std[" + c + "] = " + std[c] + " must be positive and finite");
            this.mean[c] = (float) mean[c];
            this.std[c] = (float) std[c];
        }
    }

    @Override public Image apply(Image in, RandomSource rng) {
        int channels = in.shape().channels();
        if (mean.length != 1 && mean.length != channels)
            throw new IllegalArgumentException("Normalize has " + mean.length + " channel statistics but the image is " + in.shape());
        int plane = in.shape().height() * in.shape().width();
        float[] src = in.data(), dst = new float[src.length];
        for (int c = 0; c < channels; c++) {
            float m = mean[mean.length == 1 ? 0 : c], s = std[std.length == 1 ? 0 : c];
            for (int i = c * plane, end = i + plane; i < end; i++) dst[i] = (src[i] - m) / s;
        }
        return new Image(dst, in.shape());
    }

    @Override public String toString() { return "Normalize(mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + ")"; }
}
