// The run folder records the conv/GEMM precision a run trained in (issue 15: fp32, TF32 or bf16 autocast): result.json's
// "precision" is the cliName of the setting the trainer ran under — "bf16" for a run inside Precision.autocast(BF16)
// (as `lethe train --precision bf16` runs it), "fp32" for a run with the default setting.
package ai.lethe.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.lethe.backend.Precision;
import ai.lethe.data.transform.Transforms;
import ai.lethe.models.ImageModel;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunPrecisionRecordedTest {
    @TempDir Path dir;

    /** The "precision" of result.json after one epoch trained under {@code precision} (null: the default). */
    String recorded(Precision precision, String name) throws IOException {
        RunFolder run = RunFolder.create(dir.resolve(name));
        TrainConfig config = TrainerTest.config(1).toBuilder().build();
        try (Precision.Scope _ = precision == null ? null : Precision.autocast(precision); ImageModel m = TrainerTest.model(1)) {
            Trainer.builder(m, TrainerTest.DATA.train(), config).transforms(Transforms.eval(TrainerTest.MEAN, TrainerTest.STD), null)
                    .runFolder(run).build().fit();
        }
        return JsonMapper.builder().build().readTree(Files.readString(run.result())).get("precision").asText();
    }

    @Test void resultJsonNamesThePrecisionOfTheRun() throws IOException {
        assertEquals(Precision.defaultPrecision().cliName(), recorded(null, "default"));
        assertEquals("bf16", recorded(Precision.BF16, "bf16"));
        assertEquals("tf32", recorded(Precision.TF32, "tf32"));
    }
}
