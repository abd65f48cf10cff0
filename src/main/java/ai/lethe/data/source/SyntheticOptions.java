// The settings of a synthetic dataset, and their text form for dataset names: "synthetic" alone, or
// "synthetic:classes=10,train=2000,test=500,channels=3,size=32,seed=0,noise=0.1" with any subset of the keys
// (size=H or size=HxW; height= and width= also work). toSpec() writes the form that reproduces the data.
package ai.lethe.data.source;

import java.util.List;
import java.util.Locale;

public record SyntheticOptions(int classes, int train, int test, int channels, int height, int width, long seed,
                               double noise) {
    public static final List<String> KEYS = List.of("classes", "train", "test", "channels", "size", "height", "width",
            "seed", "noise");

    public SyntheticOptions {
        if (classes < 1 || classes > 100_000) throw new IllegalArgumentException("synthetic: classes must be in [1, 100000], got " + classes);
        if (train < 0 || test < 0) throw new IllegalArgumentException("synthetic: train and test sizes must be >= 0, got " + train + " and " + test);
        if (channels < 1 || channels > 64) throw new IllegalArgumentException("synthetic: channels must be in [1, 64], got " + channels);
        if (height < 1 || width < 1 || height > 4096 || width > 4096)
            throw new IllegalArgumentException("synthetic: size must be in [1, 4096] per side, got " + height + "x" + width);
        if (!(noise >= 0 && noise <= 1)) throw new IllegalArgumentException("synthetic: noise must be in [0, 1], got " + noise);
        if ((long) Math.max(train, test) * channels * height * width > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException("synthetic: " + Math.max(train, test) + " images of " + channels + "x"
                    + height + "x" + width + " do not fit in one array");
    }

    /** 10 classes, 2,000 train and 500 test images of 3x32x32, seed 0, noise 0.1. */
    public static SyntheticOptions defaults() { return new SyntheticOptions(10, 2000, 500, 3, 32, 32, 0, 0.1); }

    /** Parses the part after "synthetic:" ("" for the defaults): comma-separated key=value pairs. */
    public static SyntheticOptions parse(String options) {
        var o = defaults();
        if (options == null || options.isBlank()) return o;
        for (String pair : options.split(",")) {
            int eq = pair.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("synthetic: expected key=value, got '" + pair + "' (keys: " + String.join(", ", KEYS) + ")");
            String key = pair.substring(0, eq).strip().toLowerCase(Locale.ROOT), value = pair.substring(eq + 1).strip();
            try {
                o = switch (key) {
                    case "classes" -> new SyntheticOptions(Integer.parseInt(value), o.train, o.test, o.channels, o.height, o.width, o.seed, o.noise);
                    case "train" -> new SyntheticOptions(o.classes, Integer.parseInt(value), o.test, o.channels, o.height, o.width, o.seed, o.noise);
                    case "test" -> new SyntheticOptions(o.classes, o.train, Integer.parseInt(value), o.channels, o.height, o.width, o.seed, o.noise);
                    case "channels" -> new SyntheticOptions(o.classes, o.train, o.test, Integer.parseInt(value), o.height, o.width, o.seed, o.noise);
                    case "size" -> {
                        String[] hw = value.toLowerCase(Locale.ROOT).split("x");
                        if (hw.length > 2) throw new NumberFormatException("size is H or HxW");
                        int h = Integer.parseInt(hw[0]), w = hw.length == 2 ? Integer.parseInt(hw[1]) : h;
                        yield new SyntheticOptions(o.classes, o.train, o.test, o.channels, h, w, o.seed, o.noise);
                    }
                    case "height" -> new SyntheticOptions(o.classes, o.train, o.test, o.channels, Integer.parseInt(value), o.width, o.seed, o.noise);
                    case "width" -> new SyntheticOptions(o.classes, o.train, o.test, o.channels, o.height, Integer.parseInt(value), o.seed, o.noise);
                    case "seed" -> new SyntheticOptions(o.classes, o.train, o.test, o.channels, o.height, o.width, Long.parseLong(value), o.noise);
                    case "noise" -> new SyntheticOptions(o.classes, o.train, o.test, o.channels, o.height, o.width, o.seed, Double.parseDouble(value));
                    default -> throw new IllegalArgumentException("synthetic: unknown option '" + key + "' (keys: " + String.join(", ", KEYS) + ")");
                };
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("synthetic: bad value '" + value + "' for " + key + " (" + e.getMessage() + ")", e);
            }
        }
        return o;
    }

    /** The dataset name that reproduces these settings, e.g. "synthetic:classes=10,train=2000,...". */
    public String toSpec() {
        return "synthetic:classes=%d,train=%d,test=%d,channels=%d,size=%dx%d,seed=%d,noise=%s"
                .formatted(classes, train, test, channels, height, width, seed, noise);
    }
}
