// Names, order, dtypes and shapes of the state dict, named parameters/buffers/modules, parameter counts and
// printing of ResNets and ViTs against PyTorch: torchvision's resnet18/resnet34 (and its ResNet class with Lethe's
// width/stem/channel options) and the timm VisionTransformer mirror of tools/reference/model_fixtures.py. Each
// listing carries the config (Lethe's JSON) the model is built from. Known printing differences, normalised
// here: Lethe's ReLU has no inplace flag (torchvision prints ReLU(inplace=True)), and timm's Attention is
// Lethe's MultiheadSelfAttention.
package ai.lethe.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.lethe.nn.Module;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class StructureTest {
    static final Map<String, String> PYTORCH_CLASS = Map.of("TransformerBlock", "Block", "MultiheadSelfAttention", "Attention");

    static Stream<String> listings() {
        return Stream.of("resnet18_imagenet_w64", "resnet18_cifar_w64", "resnet18_cifar_w16_c1", "resnet18_imagenet_w8",
                "resnet34_imagenet_w64", "resnet_cifar_w4_b1213", "vit_tiny_32_4", "vit_custom_nohead");
    }

    static Stream<String> printed() {
        return Stream.of("resnet18_imagenet_w64", "resnet18_cifar_w64", "resnet18_cifar_w16_c1", "resnet18_imagenet_w8",
                "vit_tiny_32_4", "vit_custom_nohead");
    }

    private static ModelConfig config(Map<String, List<String>> listing) { return ModelConfig.fromJson(listing.get("config").getFirst()); }

    @ParameterizedTest @MethodSource("listings")
    void stateDictMatchesPyTorch(String name) {
        var expected = Listing.sections("/models/structure_" + name + ".txt");
        try (Module m = Models.create(config(expected))) {
            List<String> actual = new ArrayList<>();
            for (var e : m.stateDict().entrySet()) {
                Tensor t = e.getValue();
                String shape = t.rank() == 0 ? "scalar" : Arrays.stream(t.shape().dims()).mapToObj(Long::toString).collect(Collectors.joining(","));
                actual.add(e.getKey() + " " + t.dtype() + " " + shape);
            }
            assertEquals(String.join("\n", expected.get("state_dict")), String.join("\n", actual));
            assertEquals(expected.get("named_parameters"), List.copyOf(m.namedParameters().keySet()));
            assertEquals(expected.get("named_buffers"), List.copyOf(m.namedBuffers().keySet()));
            List<String> modules = new ArrayList<>();
            for (var e : m.namedModules().entrySet()) {
                String type = e.getValue().getClass().getSimpleName();
                modules.add((e.getKey().isEmpty() ? "-" : e.getKey()) + " " + PYTORCH_CLASS.getOrDefault(type, type));
            }
            assertEquals(String.join("\n", expected.get("named_modules")), String.join("\n", modules));
            long count = Long.parseLong(expected.get("num_parameters").getFirst());
            assertEquals(count, m.numParameters());
            assertEquals(count, Models.parameterCount(config(expected)));
        }
    }

    @ParameterizedTest @MethodSource("printed")
    void printsLikePyTorch(String name) {
        try (Module m = Models.create(config(Listing.sections("/models/structure_" + name + ".txt")))) {
            String lethe = m.toString().replace("ReLU()", "ReLU(inplace=True)").replace("MultiheadSelfAttention(", "Attention(");
            assertEquals(Listing.text("/models/repr_" + name + ".txt").stripTrailing(), lethe);
        }
    }
}
