package dev.tersor.cli;

import dev.tersor.bench.model.OrtEmbedder;
import dev.tersor.bench.model.Pooling;
import dev.tersor.embed.Embedder;
import dev.tersor.embed.EmbedderOptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The demo's ONNX Runtime rows: ONNX Runtime's embeddings, pooled as Tersor pools, agree with
 * Tersor's on the same fp32 model, so the table compares like with like.
 */
class OrtEmbedderTest {

    private static final List<String> TEXTS = List.of("the quick brown fox jumps over the lazy dog",
            "A man is playing a guitar on stage.", "x");

    @Test
    void agreesWithTersorOnTheFp32Model() throws Exception {
        assertThat(OrtEmbedder.available()).as("ONNX Runtime is a test dependency of the CLI").isTrue();
        Path onnx = EmbedCommandsTest.miniLm();
        Path tokenizer = onnx.resolveSibling("all-minilm-l6-v2-tokenizer.json");
        try (Embedder tersor = Embedder.load(onnx, tokenizer, EmbedderOptions.defaults());
             OrtEmbedder ort = OrtEmbedder.open(onnx, tersor.tokenizer(), 1)) {
            float[][] expected = tersor.embed(TEXTS);
            float[][] actual = ort.embed(TEXTS);
            for (int i = 0; i < TEXTS.size(); i++) {
                assertThat(Pooling.cosine(actual[i], expected[i])).as(TEXTS.get(i)).isGreaterThan(0.99999);
                double norm = 0;
                for (float v : actual[i]) {
                    norm += v * v;
                }
                assertThat(norm).isCloseTo(1.0, within(1e-5));
            }
            assertThat(Pooling.cosine(actual[0], actual[1])).isLessThan(0.9);
        }
    }
}
