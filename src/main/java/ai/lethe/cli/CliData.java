// Shared by the commands that read data or build models: loading a dataset by name and building a model
// config, with every bad argument turned into a usage error (exit code 2) that names the option.
package ai.lethe.cli;

import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.data.Pipeline;
import ai.lethe.data.TrainTest;
import ai.lethe.data.split.Split;
import ai.lethe.data.source.DatasetNotFoundException;
import ai.lethe.models.ModelConfig;
import ai.lethe.train.RunFolder;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

final class CliData {
    /** Written by `lethe train --subset` into its run folder: the subset as a split whose forget part it is. */
    static final String TRAINING_SUBSET = "training-subset.json";

    private CliData() {}

    /**
     * The training set a model was trained on: the full training set, or — when the model's run folder holds a
     * training-subset.json (lethe train --subset) — that subset, so forget/retain sets index what it saw.
     */
    static Dataset trainingSet(CommandSpec spec, Path modelArg, TrainTest data) throws IOException {
        Path file = subsetFile(modelArg);
        if (file == null) return data.train();
        Split s = Split.read(file);
        try {
            return s.sets(data.train(), data.test()).forget();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--model: " + file + " does not fit " + data.name() + ": " + e.getMessage());
        }
    }

    /** training-subset.json of the run {@code modelArg} belongs to (the run folder, its checkpoint folder or a file in it), or null. */
    static Path subsetFile(Path modelArg) { return RunFolder.findInRun(modelArg, TRAINING_SUBSET).orElse(null); }

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
