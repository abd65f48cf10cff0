// The sizes of the GPU benchmark (GpuBench): `full` is issue 15's anchors on a GPU (ResNet18 CIFAR and ViT-S/4 on
// 3×32×32 at batch 256, Fisher passes over 10,240 images, the unlearning kernels over ResNet18's 11.17M parameters,
// a 1 GiB copy); `emulated` scales everything down so the whole run takes a minute or two on cuda-emu; `smoke` is
// the smallest, for tests, with TrainingStepProxiesTest's models (ResNet18 width 4 and a ViT of dim 16 on 1×12×12,
// 4 classes, batch 8) so the counts it records are the ones that test asserts. benchmarks/gpu/peer_gpu.py has
// the same presets (full, smoke) with the same sizes.
package ai.lethe.kernelbench;

import ai.lethe.models.ModelConfig;
import ai.lethe.models.ResNetConfig;
import ai.lethe.models.ViTConfig;
import java.util.List;
import java.util.Objects;

/**
 * @param name        full, emulated or smoke
 * @param copySize    floats of the copy-bandwidth case
 * @param kernelSize  floats of the elementwise kernel cases (lethe bench's cases, with % of copy)
 * @param resnet      the ResNet18 training step
 * @param vit         the ViT training step
 * @param fisher      the Fisher and plain forward + backward passes
 * @param unlearnModel the model whose parameters the SSD, top-k and masked-SGD cases run over
 * @param counts      the models whose steady training step's device counters are recorded
 * @param kernelRuns  timed runs (at most) and warm-up runs of the kernel cases
 * @param trainRuns   of the training steps
 * @param fisherRuns  of the Fisher passes (a warm-up is a pass over the first two batches only)
 * @param caseBudgetS a case stops taking timed runs once they have taken this long (at least one is taken)
 */
record GpuPreset(String name, long copySize, long kernelSize, Model resnet, Model vit, Fisher fisher, ModelConfig unlearnModel,
                 List<Model> counts, Runs kernelRuns, Runs trainRuns, Runs fisherRuns, double caseBudgetS) {

    /** A model on images [batch, channels, side, side] with labels in [0, classes). */
    record Model(String label, ModelConfig config, int batch, int channels, int side, int classes) {
        Model {
            Objects.requireNonNull(config, "config");
            if (batch <= 0 || channels <= 0 || side <= 0 || classes < 2)
                throw new IllegalArgumentException(label + ": batch " + batch + ", " + channels + "×" + side + "×" + side + ", " + classes + " classes");
        }

        String sizes() { return label + ", batch " + batch + ", " + channels + "×" + side + "×" + side + ", " + classes + " classes"; }
    }

    /** The Fisher passes: {@code images} hashed images through {@code model}, at the three batch sizes. */
    record Fisher(Model model, int images, int batchMean, int perSample, int plain) {}

    record Runs(int max, int warmup) {}

    static final int RESNET_IN = 3, CLASSES = 10;

    static ResNetConfig resnet18(int channels, int classes, int width) {
        return new ResNetConfig(channels, classes, width, ResNetConfig.Stem.CIFAR, ResNetConfig.RESNET18_BLOCKS);
    }

    /** TrainingStepProxiesTest's models: ResNet18 width 4 and a ViT (patch 4, dim 16, depth 2, 2 heads) on 1×12×12, 4 classes, batch 8. */
    static final Model PROXY_RESNET = new Model("resnet18 width 4 (TrainingStepProxiesTest)", resnet18(1, 4, 4), 8, 1, 12, 4);
    static final Model PROXY_VIT = new Model("vit dim 16 depth 2 (TrainingStepProxiesTest)",
            ViTConfig.of(12, 4, 4, 16, 2, 2).withInChannels(1), 8, 1, 12, 4);

    static final GpuPreset FULL;
    static final GpuPreset EMULATED;
    static final GpuPreset SMOKE;

    static {
        Model r18 = new Model("resnet18 (CIFAR stem, width 64)", resnet18(RESNET_IN, CLASSES, 64), 256, 3, 32, CLASSES);
        Model vits = new Model("vit-s/4 (dim 384, depth 12, 6 heads, 65 tokens)", ViTConfig.small(32, 4, CLASSES), 256, 3, 32, CLASSES);
        FULL = new GpuPreset("full", 256L << 20, 11_173_962L, r18, vits,
                new Fisher(new Model(r18.label(), r18.config(), 256, 3, 32, CLASSES), 10_240, 64, 256, 256),
                resnet18(RESNET_IN, CLASSES, 64), List.of(PROXY_RESNET, PROXY_VIT, r18, vits),
                new Runs(20, 3), new Runs(20, 3), new Runs(3, 1), 10);
        Model r18e = new Model("resnet18 width 8", resnet18(RESNET_IN, CLASSES, 8), 8, 3, 16, CLASSES);
        Model vite = new Model("vit dim 64 depth 2 (patch 4, 17 tokens)", ViTConfig.of(16, 4, CLASSES, 64, 2, 2), 8, 3, 16, CLASSES);
        EMULATED = new GpuPreset("emulated", 1L << 22, 1L << 20, r18e, vite,
                new Fisher(r18e, 48, 8, 16, 16), resnet18(RESNET_IN, CLASSES, 16), List.of(PROXY_RESNET, PROXY_VIT, r18e, vite),
                new Runs(5, 1), new Runs(3, 1), new Runs(1, 1), 4);
        SMOKE = new GpuPreset("smoke", 1L << 16, 1L << 14, PROXY_RESNET, PROXY_VIT,
                new Fisher(PROXY_RESNET, 16, 4, 8, 8), resnet18(1, 4, 4), List.of(PROXY_RESNET, PROXY_VIT),
                new Runs(2, 1), new Runs(2, 1), new Runs(1, 1), 2);
    }

    static GpuPreset of(String name) {
        return switch (name) {
            case "full" -> FULL;
            case "emulated" -> EMULATED;
            case "smoke" -> SMOKE;
            default -> throw new IllegalArgumentException("unknown preset '" + name + "'; known: full, emulated, smoke");
        };
    }
}
