package dev.tersor.spark;

import dev.tersor.embed.Embedder;
import dev.tersor.embed.Pooling;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The embedders of this JVM, one per model file and options, shared by every task thread of the
 * executor: the model is mapped and its layouts chosen once, not once per task or partition (DJL's
 * Spark extension loads about once per task; a broadcast would deserialize a copy per executor,
 * where a memory-mapped file needs none). The first task to ask loads it while the others wait for
 * that one load. Embedders stay open for the life of the executor.
 */
public final class ExecutorEmbedders {

    /**
     * What makes two embedders different: the local files and the options that change the vectors or the
     * layouts. Not the batch size: callers hand the embedder one batch at a time, so jobs with different
     * batch sizes share one mapping.
     */
    private record Key(Path model, Path tokenizer, Pooling pooling, boolean normalize, String exec) {
    }

    private static final Map<Key, Embedder> EMBEDDERS = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();
    private static final AtomicLong LOAD_NANOS = new AtomicLong();

    private ExecutorEmbedders() {
    }

    /** The embedder for {@code model} in this JVM, loaded on first use. */
    public static Embedder get(ExecutorModel model) {
        Key key = new Key(model.modelFile(), model.tokenizerFile(), model.pooling(), model.normalize(), model.exec());
        return EMBEDDERS.computeIfAbsent(key, k -> {
            try {
                long start = System.nanoTime();
                Embedder embedder = Embedder.load(k.model(), k.tokenizer(), model.options());
                LOAD_NANOS.addAndGet(System.nanoTime() - start);
                LOADS.incrementAndGet();
                return embedder;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load " + k.model() + ": " + e.getMessage(), e);
            }
        });
    }

    /** How many embedders this JVM has loaded since it started (or since {@link #closeAll()}). */
    public static int loads() {
        return LOADS.get();
    }

    /** The seconds those loads took, together: part of a job's time that does not grow with its rows. */
    public static double loadSeconds() {
        return LOAD_NANOS.get() / 1e9;
    }

    /**
     * Closes every embedder and forgets them: for a driver in local mode that ends its session, and
     * for tests. No task may be running.
     */
    public static void closeAll() {
        List<Embedder> open = new ArrayList<>(EMBEDDERS.values());
        EMBEDDERS.clear();
        LOADS.set(0);
        LOAD_NANOS.set(0);
        for (Embedder embedder : open) {
            embedder.close();
        }
    }
}
