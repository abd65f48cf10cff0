// Configuration of a ResNet with torchvision's BasicBlocks: input channels, classes, base width (stage widths
// width·{1, 2, 4, 8}; torchvision's ResNet18 is width 64, 16 suits small machines), the stem (CIFAR: 3×3 stride-1
// conv and no max-pool, the default; IMAGENET: torchvision's 7×7 stride-2 conv and 3×3 stride-2 max-pool) and
// the number of blocks per stage ([2, 2, 2, 2] is ResNet18, [3, 4, 6, 3] ResNet34). Validated on construction.
package ai.lethe.models;

import java.util.List;
import java.util.Locale;

public record ResNetConfig(int inChannels, int numClasses, int width, Stem stem, List<Integer> blocks) implements ModelConfig {
    public static final List<Integer> RESNET18_BLOCKS = List.of(2, 2, 2, 2);
    public static final List<Integer> RESNET34_BLOCKS = List.of(3, 4, 6, 3);

    /** The first layers before layer1. */
    public enum Stem {
        /** conv1 = 3×3 stride 1 padding 1, no max-pool (maxpool is an Identity): for 32×32 images. */
        CIFAR,
        /** conv1 = 7×7 stride 2 padding 3, then max-pool 3×3 stride 2 padding 1: torchvision's stem. */
        IMAGENET;

        /** The name used in JSON: "cifar" or "imagenet". */
        public String jsonName() { return name().toLowerCase(Locale.ROOT); }
    }

    public ResNetConfig {
        positive("inChannels", inChannels);
        positive("numClasses", numClasses);
        positive("width", width);
        if (width > Integer.MAX_VALUE / 8) throw new IllegalArgumentException("ResNetConfig: width " + width + " is too large");
        if (stem == null) throw new IllegalArgumentException("ResNetConfig: stem must be CIFAR or IMAGENET, got null");
        if (blocks == null || blocks.size() != 4 || blocks.stream().anyMatch(java.util.Objects::isNull))
            throw new IllegalArgumentException("ResNetConfig: blocks must hold 4 block counts (one per stage), got " + blocks);
        for (int b : blocks)
            if (b <= 0) throw new IllegalArgumentException("ResNetConfig: blocks must be positive, got " + blocks);
        blocks = List.copyOf(blocks);
    }

    private static void positive(String field, int value) {
        if (value <= 0) throw new IllegalArgumentException("ResNetConfig: " + field + " must be positive, got " + value);
    }

    /** ResNet18 with the CIFAR stem, width 64, 3 input channels. */
    public static ResNetConfig resnet18(int numClasses) { return new ResNetConfig(3, numClasses, 64, Stem.CIFAR, RESNET18_BLOCKS); }

    /** ResNet34 with the CIFAR stem, width 64, 3 input channels. */
    public static ResNetConfig resnet34(int numClasses) { return new ResNetConfig(3, numClasses, 64, Stem.CIFAR, RESNET34_BLOCKS); }

    public ResNetConfig withInChannels(int c) { return new ResNetConfig(c, numClasses, width, stem, blocks); }

    public ResNetConfig withNumClasses(int n) { return new ResNetConfig(inChannels, n, width, stem, blocks); }

    public ResNetConfig withWidth(int w) { return new ResNetConfig(inChannels, numClasses, w, stem, blocks); }

    public ResNetConfig withStem(Stem s) { return new ResNetConfig(inChannels, numClasses, width, s, blocks); }

    public ResNetConfig withBlocks(List<Integer> b) { return new ResNetConfig(inChannels, numClasses, width, stem, b); }

    /** Output channels of layer1..layer4: width·{1, 2, 4, 8}. */
    public List<Integer> stageWidths() { return List.of(width, 2 * width, 4 * width, 8 * width); }

    /** Features before the classifier (fc's input): 8·width. */
    public int featureDim() { return 8 * width; }

    @Override public String modelName() {
        if (blocks.equals(RESNET18_BLOCKS)) return "resnet18";
        if (blocks.equals(RESNET34_BLOCKS)) return "resnet34";
        return "resnet";
    }
}
