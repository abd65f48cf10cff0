// The convolutions of ResNet18 (width 16) on 1x28x28 images that Conv2dBench measures, by name:
//   c16k16_28_3x3s1   16 -> 16 channels, 28x28 -> 28x28, 3x3, stride 1, padding 1   (stage 1 body)
//   c16k32_28_3x3s2   16 -> 32 channels, 28x28 -> 14x14, 3x3, stride 2, padding 1   (stage 2 downsampling)
//   c32k64_14_3x3s2   32 -> 64 channels, 14x14 -> 7x7,   3x3, stride 2, padding 1   (stage 3 downsampling)
//   c16k32_28_1x1s2   16 -> 32 channels, 28x28 -> 14x14, 1x1, stride 2, padding 0   (stage 2 shortcut)
// No bias (ResNet convolutions are followed by batch norm). benchmarks/pytorch/peer_cpu.py uses the same names.
package ai.lethe.bench;

record ConvShape(long in, long out, long size, int kernel, int stride, int padding) {
    static ConvShape of(String name) {
        return switch (name) {
            case "c16k16_28_3x3s1" -> new ConvShape(16, 16, 28, 3, 1, 1);
            case "c16k32_28_3x3s2" -> new ConvShape(16, 32, 28, 3, 2, 1);
            case "c32k64_14_3x3s2" -> new ConvShape(32, 64, 14, 3, 2, 1);
            case "c16k32_28_1x1s2" -> new ConvShape(16, 32, 28, 1, 2, 0);
            default -> throw new IllegalArgumentException("unknown convolution '" + name
                    + "' (known: c16k16_28_3x3s1, c16k32_28_3x3s2, c32k64_14_3x3s2, c16k32_28_1x1s2)");
        };
    }

    long outSize() { return (size + 2L * padding - kernel) / stride + 1; }
}
