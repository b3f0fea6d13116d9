package dev.tersor.train;

import dev.tersor.embed.Embedder;
import dev.tersor.graph.UnsupportedModelException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The trainable encoder read from all-MiniLM-L6-v2 computes the runtime's embeddings. */
class BertEncoderTest {

    static Path miniLm() {
        return Path.of(System.getProperty("tersor.models.dir", "../.cache/models"), "all-minilm-l6-v2", "all-minilm-l6-v2.onnx");
    }

    @Test
    void reproducesTheRuntimesEmbeddings() throws Exception {
        List<String> texts = List.of("The rocket launched into orbit.", "A cat sleeps on the warm windowsill all afternoon.",
                "Hi", "Parliament adopted the resolution on fisheries by a large majority yesterday evening.");
        try (Embedder embedder = Embedder.load(miniLm())) {
            BertEncoder encoder = BertEncoder.of(embedder.model().graph());
            assertThat(encoder.blocks()).hasSize(6);
            assertThat(encoder.hidden()).isEqualTo(384);
            assertThat(encoder.heads()).isEqualTo(12);
            List<long[]> sequences = new ArrayList<>();
            for (String text : texts) {
                sequences.add(embedder.tokenizer().encode(text));
            }
            float[][] expected = embedder.embed(texts);
            // One padded batch: sequences of different lengths must not see each other's padding.
            Variable pooled = encoder.embed(Tape.inference(Compute.of(2)), sequences);
            for (int b = 0; b < texts.size(); b++) {
                double dot = 0;
                double norm = 0;
                for (int j = 0; j < 384; j++) {
                    float v = pooled.value()[b * 384 + j];
                    dot += v * expected[b][j];
                    norm += v * v;
                }
                assertThat(dot / Math.sqrt(norm)).as(texts.get(b)).isGreaterThan(0.99999);
            }
        }
    }

    @Test
    void refusesAGraphThatIsNotAnEncoder() throws Exception {
        Network net = Network.create("lenet-300-100", 1);
        try (var model = dev.tersor.model.Model.of(GraphExport.export(net).graph(), dev.tersor.format.Execution.defaults())) {
            assertThatThrownBy(() -> BertEncoder.of(model.graph())).isInstanceOf(UnsupportedModelException.class)
                    .hasMessageContaining("not a BERT-family encoder");
        }
    }
}
