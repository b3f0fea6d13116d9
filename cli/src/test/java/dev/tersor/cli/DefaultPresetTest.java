package dev.tersor.cli;

import dev.tersor.bench.model.ModelCompressor;
import dev.tersor.cli.corpus.BroadText;
import dev.tersor.cli.corpus.MavenArtifacts;
import dev.tersor.embed.Embedder;
import dev.tersor.embed.EmbeddingComparison;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;
import dev.tersor.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The default preset as the benchmarks see it, on the real all-MiniLM-L6-v2 the runtime module's build
 * fetches: registered for the model suite, within the size it reached, and its "real" matrices are
 * exactly the weights of the file it writes.
 */
class DefaultPresetTest {

    @TempDir
    Path dir;

    @Test
    void theBenchmarksFindTheDefaultPresetAndItsMatricesAreTheFilesWeights() throws Exception {
        ModelCompressor compressor = ModelCompressor.available().stream()
                .filter(c -> c instanceof DefaultPreset).findFirst().orElseThrow();
        Path onnx = EmbedCommandsTest.miniLm();
        Path tsr = dir.resolve("minilm.tsr");
        compressor.compress(onnx, tsr);
        // 10,651,681 bytes on 2026-12-07 (issue 6 asked for 12.9 MB; issue 17 asks for 9.0, not reached yet)
        assertThat(Files.size(tsr)).as("at most 10.75 MB, tokenizer included").isLessThanOrEqualTo(10_750_000);

        // issue 17's floor on broad text it never saw: 0.9923 on 1,000 held-out sentences (2026-12-07)
        List<String> heldOut = BroadText.evaluation(MavenArtifacts.cacheDir(), 100);
        try (Embedder compressed = Embedder.load(tsr); Embedder fp32 = Embedder.load(onnx)) {
            assertThat(EmbeddingComparison.of(compressed, fp32, heldOut).meanCosine()).isGreaterThanOrEqualTo(0.99);
        }

        Map<String, QuantizedMatrix> quantized = compressor.quantizedWeights(onnx);
        try (Model model = Model.load(tsr)) {
            assertThat(quantized.keySet()).containsExactlyElementsOf(model.graph().weights().keySet());
            for (var e : model.graph().weights().entrySet()) {
                WeightMatrix stored = e.getValue();
                assertThat(quantized.get(e.getKey()).toDense()).as(e.getKey()).isEqualTo(stored.toDense());
            }
        }
    }
}
