package dev.tersor.cli;

import dev.tersor.embed.EmbedderOptions;
import dev.tersor.embed.Pooling;
import dev.tersor.model.ExecutionPolicy;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;

/** Options every embedding command shares: tokenizer, pooling, normalization, batch size. */
final class EmbeddingOptions {

    @Option(names = "--tokenizer", paramLabel = "tokenizer.json",
            description = "The tokenizer; default: the one stored in the .tsr, else <model>-tokenizer.json or tokenizer.json beside the model.")
    Path tokenizer;

    @Option(names = "--pooling", defaultValue = "mean", paramLabel = "mean|cls",
            description = "Mean over real tokens or the [CLS] vector. Default: ${DEFAULT-VALUE}.")
    String pooling;

    @Option(names = "--no-normalize", description = "Keep the pooled vectors' length (default: scale to unit L2 norm).")
    boolean noNormalize;

    @Option(names = "--batch-size", defaultValue = "32", description = "Texts per model call. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--exec", defaultValue = "fastest", paramLabel = "stored|fastest|budget:MB",
            description = "Layout each weight runs in: as stored, the fastest, or the fastest within MB of resident weights. Default: ${DEFAULT-VALUE}.")
    String exec;

    /** Most texts per model call: one call's activations grow with it. */
    static final int MAX_BATCH_SIZE = 1024;

    /** The pooling {@code --pooling} names. */
    static Pooling pooling(String option) {
        return switch (option.toLowerCase(Locale.ROOT)) {
            case "mean" -> Pooling.MEAN;
            case "cls" -> Pooling.CLS;
            default -> throw new IllegalArgumentException("--pooling is mean or cls, not '" + option + "'");
        };
    }

    EmbedderOptions embedderOptions() {
        Arguments.inRange("--batch-size", batchSize, 1, MAX_BATCH_SIZE);
        return EmbedderOptions.defaults().withPooling(pooling(pooling)).withNormalize(!noNormalize).withBatchSize(batchSize)
                .withPolicy(ExecutionPolicy.parse(exec));
    }
}
