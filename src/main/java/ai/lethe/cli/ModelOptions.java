// The model options shared by commands that create a model: architecture name, ResNet width and stem, ViT
// patch size, and the input resize; turned into a ModelConfig for a dataset's channels and classes.
package ai.lethe.cli;

import ai.lethe.data.ImageShape;
import ai.lethe.experiment.ExperimentConfig.ModelSpec;
import ai.lethe.models.ModelConfig;
import picocli.CommandLine.Option;

final class ModelOptions {
    @Option(names = "--model", paramLabel = "NAME", defaultValue = "resnet18",
            description = "resnet18, vit-tiny, vit-small or vit-base (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--width", paramLabel = "N", defaultValue = "64",
            description = "ResNet base width: 64 is torchvision's, 16 suits small machines (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--stem", paramLabel = "STEM", defaultValue = "cifar",
            description = "ResNet stem: cifar (3x3 stride 1, no max-pool) or imagenet (7x7 stride 2 + max-pool).")
    String stem;

    @Option(names = "--patch", paramLabel = "N", defaultValue = "4", description = "ViT patch size (default: ${DEFAULT-VALUE}).")
    int patch;

    @Option(names = "--image-size", paramLabel = "N", defaultValue = "0",
            description = "Resize images to N x N before the model (e.g. 224 for a ViT); 0 keeps their size.")
    int imageSize;

    /** The numeric options on their own (before any data is loaded): --width and --patch positive, --image-size >= 0. */
    void check(picocli.CommandLine.Model.CommandSpec spec) {
        if (width <= 0) throw CliData.usage(spec, "--width: must be positive, got " + width);
        if (patch <= 0) throw CliData.usage(spec, "--patch: must be positive, got " + patch);
        if (imageSize < 0) throw CliData.usage(spec, "--image-size: must be >= 0 (0 keeps the images' size), got " + imageSize);
    }

    /** The config for images of {@code shape} (after resizing) and {@code classes} classes. */
    ModelConfig config(ImageShape shape, int classes) {
        try {
            ModelSpec.stem(stem);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--stem: " + e.getMessage(), e);
        }
        try {
            return new ModelSpec(model, width, stem, patch, imageSize).config(shape, classes);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--model: " + e.getMessage(), e);
        }
    }
}
