// Entry point of the package: builds the model a config describes (with a Generator for reproducible
// initialisation), and tells its size without building it (parameter counts computed from the config, equal to
// numParameters() of the built module and to torchvision's / timm's counts).
package ai.lethe.models;

import ai.lethe.tensor.Generator;
import java.util.Locale;

public final class Models {
    private Models() {}

    /** The model of {@code config}, initialised from the global generator. */
    public static ImageModel create(ModelConfig config) { return create(config, Generator.global()); }

    /** The model of {@code config}, initialised (and its dropouts drawn) from {@code gen}. */
    public static ImageModel create(ModelConfig config, Generator gen) {
        return switch (config) {
            case null -> throw new IllegalArgumentException("Models.create: config must not be null");
            case ResNetConfig r -> new ResNet(r, gen);
            case ViTConfig v -> new VisionTransformer(v, gen);
        };
    }

    /** Number of parameter elements of the model {@code config} describes (BatchNorm running statistics excluded). */
    public static long parameterCount(ModelConfig config) {
        return switch (config) {
            case null -> throw new IllegalArgumentException("Models.parameterCount: config must not be null");
            case ResNetConfig r -> resNetParameters(r);
            case ViTConfig v -> vitParameters(v);
        };
    }

    private static long resNetParameters(ResNetConfig c) {
        long k = c.stem() == ResNetConfig.Stem.CIFAR ? 3 : 7;
        long n = k * k * c.inChannels() * c.width() + 2L * c.width();
        long in = c.width();
        for (int stage = 0; stage < 4; stage++) {
            long p = c.stageWidths().get(stage);
            for (int b = 0; b < c.blocks().get(stage); b++) {
                long cin = b == 0 ? in : p;
                n += 9 * cin * p + 2 * p + 9 * p * p + 2 * p;
                if (b == 0 && (stage > 0 || cin != p)) n += cin * p + 2 * p;
            }
            in = p;
        }
        return n + (long) c.featureDim() * c.numClasses() + c.numClasses();
    }

    private static long vitParameters(ViTConfig c) {
        long d = c.dim(), h = c.mlpHiddenDim(), p = c.patchSize();
        long n = c.inChannels() * d * p * p + d + d + (1L + c.numPatches()) * d;
        long block = 4 * d + 3 * d * d + (c.qkvBias() ? 3 * d : 0) + d * d + d + d * h + h + h * d + d;
        n += c.depth() * block + 2 * d;
        return c.numClasses() > 0 ? n + d * c.numClasses() + c.numClasses() : n;
    }

    /** One line saying what {@code config} builds, e.g. "resnet18 (cifar stem, width 64), 3→10: 11,173,962 parameters". */
    public static String describe(ModelConfig config) {
        String what = switch (config) {
            case null -> throw new IllegalArgumentException("Models.describe: config must not be null");
            case ResNetConfig r -> r.modelName() + " (" + r.stem().jsonName() + " stem, width " + r.width()
                    + (r.modelName().equals("resnet") ? ", blocks " + r.blocks() : "") + "), " + r.inChannels() + "→" + r.numClasses();
            case ViTConfig v -> "vit (" + v.imageSize() + "px, patch " + v.patchSize() + ", dim " + v.dim() + ", depth " + v.depth()
                    + ", heads " + v.heads() + "), " + v.inChannels() + "→" + (v.numClasses() > 0 ? v.numClasses() : "features");
        };
        return what + ": " + String.format(Locale.ROOT, "%,d", parameterCount(config)) + " parameters";
    }
}
