// The README's Java example, run: the code between the README markers below (less the lines marked test-only)
// must be exactly the README's first ```java block (so the README cannot drift), and it must run — load a safetensors model, forget class 3 of
// Fashion-MNIST with SSD, and produce metrics in [0, 1] that relate to the original's as SSD's should, from a
// copy that SSD changed while the loaded model stays bit-identical.
package ai.lethe.docs;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.data.pipeline.Pipeline;
import ai.lethe.data.split.ForgetRequest;
import ai.lethe.eval.MetricSet;
import ai.lethe.eval.MiaOptions;
import ai.lethe.eval.UnlearnMetrics;
import ai.lethe.experiment.JobSettings;
import ai.lethe.experiment.TaskData;
import ai.lethe.experiment.UnlearnJob;
import ai.lethe.io.ModelFiles;
import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.models.ResNetConfig.Stem;
import ai.lethe.models.ResNetConfig;
import ai.lethe.unlearn.FashionForgetTask;
import ai.lethe.unlearn.StateSnapshot;
import ai.lethe.unlearn.Unlearner;
import ai.lethe.unlearn.Unlearners;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadmeExampleTest {
    static final Path SELF = Path.of("src/test/java/ai/lethe/docs/ReadmeExampleTest.java");

    @Test void theReadmeShowsThisCode() throws Exception {
        List<String> readme = Files.readAllLines(Path.of("README.md"));
        int start = readme.indexOf("```java");
        assertTrue(start >= 0, "README has a ```java block");
        int end = start + 1;
        while (!readme.get(end).equals("```")) end++;
        List<String> shown = readme.subList(start + 1, end).stream().map(String::strip).toList();
        List<String> self = Files.readAllLines(SELF);
        int a = self.indexOf("        // README:begin"), b = self.indexOf("        // README:end");
        List<String> code = self.subList(a + 1, b).stream().filter(l -> !l.endsWith("// test-only")).map(String::strip).toList();
        assertEquals(code, shown, "README's first java block and this test's example differ");
    }

    @Test void theExampleRunsAndForgets(@TempDir Path dir) throws Exception {
        FashionForgetTask fixture = FashionForgetTask.get();
        Path weights = dir.resolve("resnet18-fmnist.safetensors");
        try (ImageModel trained = fixture.original()) {
            ModelFiles.save(trained, weights, Map.of());
        }
        double[] seen = new double[5];
        long changed = -1;
        List<String> originalChanges = List.of("not checked");
        // README:begin
        try (ImageModel model = Models.create(new ResNetConfig(1, 10, 16, Stem.CIFAR, ResNetConfig.RESNET18_BLOCKS)).to(Device.CPU)) {
            ModelFiles.load(model, weights);                               // a safetensors state dict (torchvision names)
            StateSnapshot loaded = StateSnapshot.of(model);   // test-only
            TaskData task = TaskData.of(Pipeline.load("fashion-mnist", false, 0), 5000, 2000, 0, ForgetRequest.parse("class=3"), 0);
            Unlearner ssd = Unlearners.create("ssd", Map.of("alpha", "8", "lambda", "1"));
            JobSettings settings = new JobSettings(Device.CPU, 2, 256, "confidence", Optional.empty(), null);
            try (UnlearnJob.Outcome out = UnlearnJob.run(model, task, ssd, 0, settings, List.of())) {
                MetricSet m = out.metrics();                              // UA, RA, TA, forget-test accuracy, MIA-efficacy, ...
                System.out.printf("UA %.3f  RA %.3f  TA %.3f  MIA-efficacy %.3f  in %.1f s%n", m.ua(), m.ra(), m.ta(), m.miaEfficacy(), out.result().seconds());
                seen = new double[] {m.ua(), m.ra(), m.ta(), m.miaEfficacy(), m.forgetTestAccuracy()};   // test-only
                changed = loaded.changedParameterElements(out.model());   // test-only
                originalChanges = loaded.differences(model);   // test-only
            }
        }
        // README:end
        for (double v : seen) assertTrue(Double.isFinite(v) && v >= 0 && v <= 1, java.util.Arrays.toString(seen));
        // Against the original's metrics on the same task: SSD dampened some weights of its copy and none of the model
        // it was given (UnlearnJob works on a copy), does not make the forget set better known (UA does not fall) and
        // keeps the rest (TA within 10 points). Whether α = 8 erases the
        // class depends on the model (see the README's "Hyper-parameters" and FisherMethodsAcceptanceTest: the
        // originals trained through different BLAS kernels need α from 8 down to 4; on one, α 8 dampens 1,319
        // elements and the forget-test accuracy goes from 0.890 to 0.870, at α 7 per-sample it rises to 0.905), so erasure is asserted there, where α is
        // swept, not here.
        assertTrue(changed > 0, "SSD changed " + changed + " parameter elements of its copy");
        assertEquals(List.of(), originalChanges, "the model given to UnlearnJob.run is untouched");
        MetricSet before;
        try (ImageModel original = Models.create(new ResNetConfig(1, 10, 16, Stem.CIFAR, ResNetConfig.RESNET18_BLOCKS)).to(Device.CPU)) {
            ModelFiles.load(original, weights);
            original.eval();
            TaskData task = TaskData.of(Pipeline.load("fashion-mnist", false, 0), 5000, 2000, 0, ForgetRequest.parse("class=3"), 0);
            before = UnlearnMetrics.evaluate(original, task.sets(), task.pipeline().evalTransform(), Device.CPU, 256, 2, 0,
                    MiaOptions.defaults());
        }
        System.out.printf("original: UA %.3f  RA %.3f  TA %.3f  forget-test %.3f; after SSD: forget-test %.3f, %d elements changed%n",
                before.ua(), before.ra(), before.ta(), before.forgetTestAccuracy(), seen[4], changed);
        assertTrue(seen[0] >= before.ua(), "UA " + seen[0] + " against the original's " + before.ua());
        assertTrue(seen[2] >= before.ta() - 0.10, "TA " + seen[2] + " against the original's " + before.ta());
    }
}
