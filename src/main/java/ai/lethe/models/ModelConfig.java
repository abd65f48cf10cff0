// What a model is, as a value: ResNetConfig or ViTConfig. Configs round-trip through JSON with a "model"
// discriminator ({"model":"resnet18",...}, {"model":"vit",...}; see ConfigJson for the format and its errors),
// so a checkpoint or an experiment file can name the model it holds. Models.create builds the module.
package ai.lethe.models;

public sealed interface ModelConfig permits ResNetConfig, ViTConfig {
    /** The JSON discriminator: "resnet18", "resnet34", "resnet" (other block counts) or "vit". */
    String modelName();

    /** Channels of the input images (3 for RGB, 1 for MNIST-like data). */
    int inChannels();

    /** Output classes of the classifier head (a ViT with 0 has no head and returns features). */
    int numClasses();

    /** One line of JSON with every field written out, the "model" discriminator first. */
    default String toJson() { return ConfigJson.write(this); }

    /**
     * Parses a config written by {@link #toJson()} (or by hand: optional fields take their defaults). Throws
     * IllegalArgumentException naming the problem: malformed JSON, a missing or unknown "model", a missing
     * required field, an unknown field, a value of the wrong type, or an invalid value (naming the field).
     */
    static ModelConfig fromJson(String json) { return ConfigJson.read(json); }
}
