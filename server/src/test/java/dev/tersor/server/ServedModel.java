package dev.tersor.server;

import dev.tersor.embed.Embedder;
import dev.tersor.embed.EmbedderOptions;
import dev.tersor.embed.Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * all-minilm-l6-v2 (fetched by the runtime module's build into the model cache), loaded once for every
 * test class of this JVM: the embedder the servers serve (not normalizing, as the server requires) and
 * a reference embedder with the library's defaults over the same model, which the answers must equal.
 */
final class ServedModel {

    /**
     * How close a served vector must be to the reference: cosine at least this. Batches pad to their
     * longest text, and a padded batch sums in another order than a single text, so vectors agree to
     * float rounding, not bit for bit.
     */
    static final double MIN_COSINE = 0.9999;
    /** And every component within this of the reference's. */
    static final float MAX_COMPONENT_DIFFERENCE = 1e-4f;

    private static Embedder served;
    private static Embedder reference;

    private ServedModel() {
    }

    static synchronized Embedder served() {
        load();
        return served;
    }

    static synchronized Embedder reference() {
        load();
        return reference;
    }

    private static void load() {
        if (served != null) {
            return;
        }
        Path dir = Path.of(System.getProperty("tersor.models.dir", "../.cache/models"), "all-minilm-l6-v2");
        Path model = dir.resolve("all-minilm-l6-v2.onnx");
        if (!Files.isRegularFile(model)) {
            throw new IllegalStateException(model + " is missing: the runtime module's build fetches it (mvn -pl server -am verify)");
        }
        try {
            served = Embedder.load(model, null, EmbedderOptions.defaults().withNormalize(false));
            reference = Embedder.of(served.modelId(), served.model(),
                    Tokenizer.load(dir.resolve("all-minilm-l6-v2-tokenizer.json")), EmbedderOptions.defaults());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths " + a.length + " and " + b.length);
        }
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    /** Whether {@code actual} equals {@code expected} within {@link #MIN_COSINE} and {@link #MAX_COMPONENT_DIFFERENCE}. */
    static boolean close(float[] actual, float[] expected) {
        if (actual.length != expected.length || cosine(actual, expected) < MIN_COSINE) {
            return false;
        }
        for (int i = 0; i < actual.length; i++) {
            if (Math.abs(actual[i] - expected[i]) > MAX_COMPONENT_DIFFERENCE) {
                return false;
            }
        }
        return true;
    }

    static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }
}
