// Configuration of a Vision Transformer in timm's layout: image and patch size, input channels, classes (0: no
// head, the model returns the CLS features), embedding dim, depth, heads, MLP ratio (hidden = int(dim·ratio), as
// timm), qkv bias, dropout (timm's drop_rate: after the position embedding, the attention projection and in the
// MLP), attention dropout and the LayerNorm eps (timm: 1e-6; Hugging Face checkpoints use 1e-12). Presets
// tiny/small/base are timm's vit_{tiny,small,base}: 192/12/3, 384/12/6, 768/12/12. Validated on construction.
package ai.lethe.models;

public record ViTConfig(int imageSize, int patchSize, int inChannels, int numClasses, int dim, int depth, int heads,
                        double mlpRatio, boolean qkvBias, double dropout, double attentionDropout, double layerNormEps)
        implements ModelConfig {
    public static final double DEFAULT_MLP_RATIO = 4.0;
    public static final double DEFAULT_LAYER_NORM_EPS = 1e-6;

    public ViTConfig {
        positive("imageSize", imageSize);
        positive("patchSize", patchSize);
        positive("inChannels", inChannels);
        if (numClasses < 0) throw new IllegalArgumentException("ViTConfig: numClasses must be >= 0 (0: no head), got " + numClasses);
        positive("dim", dim);
        positive("depth", depth);
        positive("heads", heads);
        if (imageSize % patchSize != 0)
            throw new IllegalArgumentException("ViTConfig: imageSize " + imageSize + " is not divisible by patchSize " + patchSize);
        if (dim % heads != 0)
            throw new IllegalArgumentException("ViTConfig: dim " + dim + " is not divisible by heads " + heads);
        if (!(mlpRatio > 0) || !Double.isFinite(mlpRatio) || (long) (dim * mlpRatio) < 1 || dim * mlpRatio > Integer.MAX_VALUE)
            throw new IllegalArgumentException("ViTConfig: mlpRatio must be positive and give an MLP width int(dim·mlpRatio) >= 1, got "
                    + mlpRatio + " for dim " + dim);
        probability("dropout", dropout);
        probability("attentionDropout", attentionDropout);
        if (!(layerNormEps > 0) || !Double.isFinite(layerNormEps))
            throw new IllegalArgumentException("ViTConfig: layerNormEps must be positive, got " + layerNormEps);
    }

    private static void positive(String field, int value) {
        if (value <= 0) throw new IllegalArgumentException("ViTConfig: " + field + " must be positive, got " + value);
    }

    private static void probability(String field, double p) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("ViTConfig: " + field + " must be in [0, 1), got " + p);
    }

    /** A ViT with timm's defaults: 3 channels, MLP ratio 4, qkv bias, no dropout, LayerNorm eps 1e-6. */
    public static ViTConfig of(int imageSize, int patchSize, int numClasses, int dim, int depth, int heads) {
        return new ViTConfig(imageSize, patchSize, 3, numClasses, dim, depth, heads, DEFAULT_MLP_RATIO, true, 0, 0, DEFAULT_LAYER_NORM_EPS);
    }

    /** timm's vit_tiny: dim 192, depth 12, 3 heads (patch 4 at 32 px, 16 at 224 px). */
    public static ViTConfig tiny(int imageSize, int patchSize, int numClasses) { return of(imageSize, patchSize, numClasses, 192, 12, 3); }

    /** timm's vit_small: dim 384, depth 12, 6 heads. */
    public static ViTConfig small(int imageSize, int patchSize, int numClasses) { return of(imageSize, patchSize, numClasses, 384, 12, 6); }

    /** timm's vit_base: dim 768, depth 12, 12 heads. */
    public static ViTConfig base(int imageSize, int patchSize, int numClasses) { return of(imageSize, patchSize, numClasses, 768, 12, 12); }

    public ViTConfig withInChannels(int c) {
        return new ViTConfig(imageSize, patchSize, c, numClasses, dim, depth, heads, mlpRatio, qkvBias, dropout, attentionDropout, layerNormEps);
    }

    public ViTConfig withNumClasses(int n) {
        return new ViTConfig(imageSize, patchSize, inChannels, n, dim, depth, heads, mlpRatio, qkvBias, dropout, attentionDropout, layerNormEps);
    }

    public ViTConfig withMlpRatio(double r) {
        return new ViTConfig(imageSize, patchSize, inChannels, numClasses, dim, depth, heads, r, qkvBias, dropout, attentionDropout, layerNormEps);
    }

    public ViTConfig withQkvBias(boolean b) {
        return new ViTConfig(imageSize, patchSize, inChannels, numClasses, dim, depth, heads, mlpRatio, b, dropout, attentionDropout, layerNormEps);
    }

    public ViTConfig withDropout(double p) {
        return new ViTConfig(imageSize, patchSize, inChannels, numClasses, dim, depth, heads, mlpRatio, qkvBias, p, attentionDropout, layerNormEps);
    }

    public ViTConfig withAttentionDropout(double p) {
        return new ViTConfig(imageSize, patchSize, inChannels, numClasses, dim, depth, heads, mlpRatio, qkvBias, dropout, p, layerNormEps);
    }

    public ViTConfig withLayerNormEps(double eps) {
        return new ViTConfig(imageSize, patchSize, inChannels, numClasses, dim, depth, heads, mlpRatio, qkvBias, dropout, attentionDropout, eps);
    }

    /** Patches per side. */
    public int gridSize() { return imageSize / patchSize; }

    /** Patch tokens (without the CLS token). */
    public int numPatches() { return gridSize() * gridSize(); }

    /** Hidden width of each MLP: int(dim·mlpRatio), as timm. */
    public int mlpHiddenDim() { return (int) (dim * mlpRatio); }

    public int headDim() { return dim / heads; }

    @Override public String modelName() { return "vit"; }
}
