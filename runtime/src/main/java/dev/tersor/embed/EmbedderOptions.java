package dev.tersor.embed;

import dev.tersor.format.Execution;
import dev.tersor.model.ExecutionPolicy;

import java.util.Objects;

/**
 * How an {@link Embedder} pools, normalizes, batches and runs.
 *
 * @param pooling          mean over real tokens or the {@code [CLS]} vector
 * @param normalize        whether to scale every embedding to unit L2 norm
 * @param batchSize        most texts per model call; longer lists are split, each call padded to its longest text
 * @param defaultMaxTokens truncation length when the tokenizer.json does not set one
 * @param execution        kernels and threads for the weight products
 * @param policy           the layout each weight runs in (Decision 11): as stored, fastest, or within a budget
 */
public record EmbedderOptions(Pooling pooling, boolean normalize, int batchSize, int defaultMaxTokens, Execution execution,
                              ExecutionPolicy policy) {

    public EmbedderOptions {
        Objects.requireNonNull(pooling, "pooling");
        Objects.requireNonNull(execution, "execution");
        Objects.requireNonNull(policy, "policy");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1: " + batchSize);
        }
        if (defaultMaxTokens < 2) {
            throw new IllegalArgumentException("defaultMaxTokens must be at least 2: " + defaultMaxTokens);
        }
    }

    /**
     * Mean pooling, L2-normalized, 32 texts per call, 512 tokens unless the tokenizer says otherwise, and
     * product weights in the layout that runs fastest ({@link ExecutionPolicy#FASTEST}): an embedder serves
     * requests, and an entropy-coded layer decoded on every product would be slower than the uncompressed
     * model. Use {@link ExecutionPolicy#STORED} for the smallest resident memory instead.
     */
    public static EmbedderOptions defaults() {
        return new EmbedderOptions(Pooling.MEAN, true, 32, Tokenizer.DEFAULT_MAX_TOKENS, Execution.defaults(),
                ExecutionPolicy.FASTEST);
    }

    public EmbedderOptions withPooling(Pooling value) {
        return new EmbedderOptions(value, normalize, batchSize, defaultMaxTokens, execution, policy);
    }

    public EmbedderOptions withNormalize(boolean value) {
        return new EmbedderOptions(pooling, value, batchSize, defaultMaxTokens, execution, policy);
    }

    public EmbedderOptions withBatchSize(int value) {
        return new EmbedderOptions(pooling, normalize, value, defaultMaxTokens, execution, policy);
    }

    public EmbedderOptions withDefaultMaxTokens(int value) {
        return new EmbedderOptions(pooling, normalize, batchSize, value, execution, policy);
    }

    public EmbedderOptions withExecution(Execution value) {
        return new EmbedderOptions(pooling, normalize, batchSize, defaultMaxTokens, value, policy);
    }

    public EmbedderOptions withPolicy(ExecutionPolicy value) {
        return new EmbedderOptions(pooling, normalize, batchSize, defaultMaxTokens, execution, value);
    }
}
