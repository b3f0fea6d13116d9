package dev.tersor.model;

import dev.tersor.embed.Tokenizer;
import dev.tersor.format.Execution;
import dev.tersor.graph.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** bge-small-en-v1.5 (fp32, from its Maven artifact) against ONNX Runtime. Needs the model the build fetches. */
class BgeSmallTest {

    @Test
    void lastHiddenStateMatchesOnnxRuntime() throws Exception {
        Tokenizer tokenizer = Tokenizer.load(TestModels.bgeTokenizer());
        try (Model model = Model.importOnnx(TestModels.bgeSmall(), ImportOptions.defaults(), Execution.defaults());
             OrtRunner ort = new OrtRunner(TestModels.bgeSmall())) {
            assertThat(model.graph().weights()).hasSize(12 * 6 + 3);
            for (String sentence : MiniLmTest.SENTENCES) {
                Map<String, Tensor> inputs = Embeddings.inputs(tokenizer.encode(sentence));
                Tensor expected = ort.run(inputs).get("last_hidden_state");
                Tensor actual = model.run(inputs).get("last_hidden_state");
                assertThat(actual.shape()).containsExactly(expected.shape());
                assertThat(Embeddings.maxAbsDiff(actual, expected)).as(sentence).isLessThan(1e-4f);
            }
        }
    }
}
