// The synthetic generator: same options give the same bytes, another seed other bytes; labels are balanced;
// options parse from the dataset name and reproduce it; the task is learnable — nearest class mean on the raw
// pixels already separates it, and a small CNN trained for a few epochs reaches high test accuracy.
package ai.lethe.data.source;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.backend.Backends;
import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.nn.BatchNorm2d;
import ai.lethe.nn.Conv2d;
import ai.lethe.nn.F;
import ai.lethe.nn.Flatten;
import ai.lethe.nn.Linear;
import ai.lethe.nn.MaxPool2d;
import ai.lethe.nn.ReLU;
import ai.lethe.nn.Sequential;
import ai.lethe.optim.SGD;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SyntheticImagesTest {
    static byte[] bytes(Dataset d) {
        int n = d.shape().size();
        byte[] all = new byte[d.size() * n];
        for (int i = 0; i < d.size(); i++) ((ByteImageDataset) d).readBytes(i, all, i * n);
        return all;
    }

    @Test void sameSeedSameBytesOtherSeedOtherBytes() {
        var o = SyntheticOptions.parse("classes=5,train=64,test=16,channels=3,size=12,seed=7");
        var a = SyntheticImages.generate(o);
        var b = SyntheticImages.generate(o);
        assertArrayEquals(bytes(a.train()), bytes(b.train()));
        assertArrayEquals(bytes(a.test()), bytes(b.test()));
        assertArrayEquals(((ByteImageDataset) a.train()).labels(), ((ByteImageDataset) b.train()).labels());
        var c = SyntheticImages.generate(SyntheticOptions.parse("classes=5,train=64,test=16,channels=3,size=12,seed=8"));
        assertFalse(Arrays.equals(bytes(a.train()), bytes(c.train())));
        assertFalse(Arrays.equals(bytes(a.train()), bytes(a.test())), "train and test are different draws");
    }

    /** A fingerprint of the bytes for seed 0: changing it changes every synthetic dataset ever named. */
    @Test void bytesAreStableAcrossRuns() {
        var tt = SyntheticImages.generate(SyntheticOptions.parse("classes=3,train=4,test=1,channels=1,size=8,seed=0"));
        byte[] b = bytes(tt.train());
        long h = 1125899906842597L;
        for (byte x : b) h = 31 * h + x;
        assertEquals(5366874394697886441L, h, "fingerprint changed; update it only on purpose");
    }

    @Test void shapeLabelsAndNames() {
        var o = SyntheticOptions.parse("classes=4,train=10,test=6,channels=2,size=6x9,noise=0");
        var tt = SyntheticImages.generate(o);
        assertEquals(new ImageShape(2, 6, 9), tt.train().shape());
        assertEquals(4, tt.train().numClasses());
        int[] counts = new int[4];
        for (int i = 0; i < tt.test().size(); i++) counts[tt.test().label(i)]++;
        assertArrayEquals(new int[] {2, 2, 1, 1}, counts);
        assertEquals(o, SyntheticOptions.parse(tt.name().substring("synthetic:".length())), "the name reproduces the options");
        float[] img = new float[tt.train().shape().size()];
        tt.train().readImage(0, img, 0);
        for (float v : img) assertTrue(v >= 0 && v <= 1);
    }

    @Test void badOptionsAreClearErrors() {
        var e = assertThrows(IllegalArgumentException.class, () -> SyntheticOptions.parse("clases=3"));
        assertTrue(e.getMessage().contains("unknown option 'clases'") && e.getMessage().contains("classes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SyntheticOptions.parse("classes=x"));
        assertThrows(IllegalArgumentException.class, () -> SyntheticOptions.parse("channels=0"));
        assertThrows(IllegalArgumentException.class, () -> SyntheticOptions.parse("noise"));
        assertEquals(SyntheticOptions.defaults(), SyntheticOptions.parse(""));
    }

    @Test void nearestClassMeanSeparatesTheClasses() {
        var tt = SyntheticImages.generate(SyntheticOptions.defaults());    // 10 classes, 3x32x32, noise 0.1
        int n = tt.train().shape().size(), k = tt.train().numClasses();
        double[][] means = new double[k][n];
        int[] counts = new int[k];
        float[] img = new float[n];
        for (int i = 0; i < tt.train().size(); i++) {
            tt.train().readImage(i, img, 0);
            int y = tt.train().label(i);
            counts[y]++;
            for (int j = 0; j < n; j++) means[y][j] += img[j];
        }
        for (int c = 0; c < k; c++) for (int j = 0; j < n; j++) means[c][j] /= counts[c];
        int correct = 0;
        for (int i = 0; i < tt.test().size(); i++) {
            tt.test().readImage(i, img, 0);
            int best = -1;
            double bestD = Double.MAX_VALUE;
            for (int c = 0; c < k; c++) {
                double d = 0;
                for (int j = 0; j < n; j++) d += (img[j] - means[c][j]) * (img[j] - means[c][j]);
                if (d < bestD) { bestD = d; best = c; }
            }
            if (best == tt.test().label(i)) correct++;
        }
        double accuracy = (double) correct / tt.test().size();
        assertTrue(accuracy > 0.9, "nearest-mean accuracy " + accuracy);
    }

    @Test void aSmallCnnLearnsIt() {
        var tt = SyntheticImages.generate(SyntheticOptions.parse("classes=10,train=1000,test=300,channels=3,size=16,seed=3"));
        Device device = Backends.defaultDevice();
        Generator g = new Generator(1);
        try (var net = new Sequential(
                new Conv2d(3, 16, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, false, g),
                new BatchNorm2d(16), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(16 * 8 * 8, 10, true, g))) {
            net.to(device);
            try (SGD opt = SGD.builder(net.parameters()).lr(0.05).momentum(0.9).build()) {
                net.train();
                for (int epoch = 0; epoch < 4; epoch++)
                    for (int from = 0; from < tt.train().size(); from += 50)
                        try (Scope _ = Scope.open("step")) {
                            Tensor loss = F.crossEntropy(net.forward(images(tt.train(), from, 50, device)), labels(tt.train(), from, 50, device));
                            opt.zeroGrad();
                            loss.backward();
                            opt.step();
                        }
            }
            net.eval();
            long correct = 0;
            try (Scope _ = Scope.open("eval"); var _ = GradMode.noGrad()) {
                for (int from = 0; from < tt.test().size(); from += 100)
                    correct += (long) net.forward(images(tt.test(), from, 100, device)).argmax(1)
                            .eq(labels(tt.test(), from, 100, device)).sum().item();
            }
            double accuracy = correct / (double) tt.test().size();
            assertTrue(accuracy > 0.95, "small CNN test accuracy " + accuracy + " on " + device);
        }
    }

    static Tensor images(Dataset d, int from, int n, Device device) {
        int size = d.shape().size();
        float[] x = new float[n * size];
        for (int i = 0; i < n; i++) d.readImage(from + i, x, i * size);
        return Tensor.fromArray(x, device, n, d.shape().channels(), d.shape().height(), d.shape().width());
    }

    static Tensor labels(Dataset d, int from, int n, Device device) {
        long[] y = new long[n];
        for (int i = 0; i < n; i++) y[i] = d.label(from + i);
        return Tensor.fromLongs(y, device, n);
    }
}
