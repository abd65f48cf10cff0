// Shared by the commands that read data or build models: loading a dataset by name and building a model
// config, with every bad argument turned into a usage error (exit code 2) that names the option.
package ai.lethe.cli;

import ai.lethe.data.ImageShape;
import ai.lethe.data.Pipeline;
import ai.lethe.data.source.DatasetNotFoundException;
import ai.lethe.models.ModelConfig;
import java.io.IOException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

final class CliData {
    private CliData() {}

    static Pipeline load(CommandSpec spec, String dataset, boolean augment, int resize) throws IOException {
        try {
            return Pipeline.load(dataset, augment, resize);
        } catch (IllegalArgumentException | DatasetNotFoundException e) {
            throw new ParameterException(spec.commandLine(), "--dataset: " + e.getMessage());
        }
    }

    static ModelConfig modelConfig(CommandSpec spec, ModelOptions options, ImageShape input, int classes) {
        try {
            return options.config(input, classes);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
