package dev.tersor.cli;

import dev.tersor.embed.EmbedderOptions;
import dev.tersor.embed.Pooling;
import dev.tersor.model.ExecutionPolicy;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;

/** How an embedding model is read and run, for every command that loads one: tokenizer, pooling, weight layouts. */
final class ModelReadingOptions {

    @Option(names = "--tokenizer", paramLabel = "tokenizer.json",
            description = "The tokenizer; default: the one stored in the .tsr, else <model>-tokenizer.json or tokenizer.json beside the model.")
    Path tokenizer;

    @Option(names = "--pooling", defaultValue = "mean", paramLabel = "mean|cls",
            description = "Mean over real tokens or the [CLS] vector. Default: ${DEFAULT-VALUE}.")
    String pooling;

    @Option(names = "--exec", defaultValue = "fastest", paramLabel = "stored|fastest|budget:MB",
            description = "Layout each weight runs in: as stored, the fastest, or the fastest within MB of resident weights. Default: ${DEFAULT-VALUE}.")
    String exec;

    /** The pooling {@code --pooling} names. */
    static Pooling pooling(String option) {
        return switch (option.toLowerCase(Locale.ROOT)) {
            case "mean" -> Pooling.MEAN;
            case "cls" -> Pooling.CLS;
            default -> throw new IllegalArgumentException("--pooling is mean or cls, not '" + option + "'");
        };
    }

    /** The defaults with this pooling and execution policy. */
    EmbedderOptions embedderOptions() {
        return EmbedderOptions.defaults().withPooling(pooling(pooling)).withPolicy(ExecutionPolicy.parse(exec));
    }
}
