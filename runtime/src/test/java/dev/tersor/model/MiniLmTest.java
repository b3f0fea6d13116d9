package dev.tersor.model;

import dev.tersor.embed.Tokenizer;
import dev.tersor.format.Execution;
import dev.tersor.graph.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * all-MiniLM-L6-v2 (fp32, from its Maven artifact) against ONNX Runtime and data.md's golden vector.
 * Needs the model the build fetches into the model cache.
 */
class MiniLmTest {

    static final List<String> SENTENCES = List.of(
            "the quick brown fox jumps over the lazy dog",
            "Tersor runs compressed neural networks on the JVM.",
            "A man is playing a guitar on a small stage, while the audience sings along.",
            "Où est la gare? Je ne la trouve pas!",
            "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of "
                    + "foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the season of "
                    + "Light, it was the season of Darkness, it was the spring of hope, it was the winter of despair.");

    static Model model;
    static OrtRunner ort;
    static Tokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        model = Model.importOnnx(TestModels.miniLm(), ImportOptions.defaults(), Execution.defaults());
        ort = new OrtRunner(TestModels.miniLm());
        tokenizer = Tokenizer.load(TestModels.miniLmTokenizer());
    }

    @AfterAll
    static void close() throws Exception {
        model.close();
        ort.close();
        tokenizer.close();
    }

    @Test
    void tokenizerReproducesTheGoldenIds() {
        assertThat(tokenizer.encode("the quick brown fox jumps over the lazy dog"))
                .containsExactly(101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 102);
    }

    @Test
    void goldenVectorOfDataMd() {
        long[] ids = {101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 102};
        float[] v = Embeddings.meanPooled(model.run(Embeddings.inputs(ids)).get("last_hidden_state"));
        assertThat(v[0]).isCloseTo(0.03550f, within(5e-5f));
        assertThat(v[1]).isCloseTo(0.06129f, within(5e-5f));
        assertThat(v[2]).isCloseTo(0.05269f, within(5e-5f));
        assertThat(v[3]).isCloseTo(0.07071f, within(5e-5f));
    }

    @Test
    void tsrRoundTripGivesIdenticalOutputs(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = dir.resolve("minilm.tsr");
        model.save(file);
        try (Model loaded = Model.load(file)) {
            for (String sentence : SENTENCES) {
                Map<String, Tensor> inputs = Embeddings.inputs(tokenizer.encode(sentence));
                assertThat(loaded.run(inputs).get("last_hidden_state").contentEquals(model.run(inputs).get("last_hidden_state")))
                        .as(sentence).isTrue();
            }
        }
    }

    @Test
    void lastHiddenStateMatchesOnnxRuntime() throws Exception {
        for (String sentence : SENTENCES) {
            Map<String, Tensor> inputs = Embeddings.inputs(tokenizer.encode(sentence));
            Tensor expected = ort.run(inputs).get("last_hidden_state");
            Tensor actual = model.run(inputs).get("last_hidden_state");
            assertThat(actual.shape()).containsExactly(expected.shape());
            assertThat(Embeddings.maxAbsDiff(actual, expected)).as(sentence).isLessThan(1e-4f);
        }
    }

    /**
     * Threads split weight rows, attention heads, layer-norm rows and spans of element-wise work, never a
     * sum: two threads give the bits of one, at a length (128 tokens) where all of them are large
     * enough to be split.
     */
    @Test
    void twoThreadsGiveTheBitsOfOne() throws Exception {
        long[] ids = new long[128];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 1000 + 37L * i;
        }
        ids[0] = 101;
        ids[ids.length - 1] = 102;
        try (Model parallel = Model.importOnnx(TestModels.miniLm(), ImportOptions.defaults(),
                Execution.defaults().withThreads(2))) {
            float[] one = model.run(Embeddings.inputs(ids)).get("last_hidden_state").toFloatArray();
            float[] two = parallel.run(Embeddings.inputs(ids)).get("last_hidden_state").toFloatArray();
            assertThat(two).containsExactly(one);
        }
    }

    /**
     * From two blocks of tokens a thread on, threads take whole blocks of every Linear layer instead of
     * splitting each block's rows (five sentences of 100 tokens: four blocks of up to 128): the same bits.
     */
    @Test
    void twoThreadsOnWholeBlocksGiveTheBitsOfOne() throws Exception {
        int sentences = 5;
        int tokens = 100;
        long[] ids = new long[sentences * tokens];
        long[] mask = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i % tokens == 0 ? 101 : i % tokens == tokens - 1 ? 102 : 1000 + 53L * i % 20000;
            mask[i] = i % tokens < tokens - 7 * (i / tokens) ? 1 : 0; // shorter sentences padded
        }
        Map<String, Tensor> inputs = Map.of("input_ids", Tensor.ofLongs(ids, sentences, tokens),
                "attention_mask", Tensor.ofLongs(mask, sentences, tokens),
                "token_type_ids", Tensor.ofLongs(new long[ids.length], sentences, tokens));
        try (Model parallel = Model.importOnnx(TestModels.miniLm(), ImportOptions.defaults(),
                Execution.defaults().withThreads(2))) {
            float[] one = model.run(inputs).get("last_hidden_state").toFloatArray();
            float[] two = parallel.run(inputs).get("last_hidden_state").toFloatArray();
            // the index of the first differing element, not a listing of 192,000 (slow to format)
            assertThat(java.util.Arrays.mismatch(two, one)).as("first element whose bits differ").isEqualTo(-1);
        }
    }

    @Test
    void everySelfAttentionIsOneFusedNode() {
        List<String> ops = model.graph().nodes().stream().map(dev.tersor.graph.Node::op).toList();
        assertThat(ops.stream().filter("Attention"::equals).count()).isEqualTo(6);
        assertThat(ops).doesNotContain("Softmax", "MatMul", "Transpose");
    }

    /** Two sentences padded to one length: the fused attention must honour the padding mask as ONNX Runtime does. */
    @Test
    void paddedBatchMatchesOnnxRuntime() throws Exception {
        long[] shortIds = tokenizer.encode(SENTENCES.get(0));
        long[] longIds = tokenizer.encode(SENTENCES.get(2));
        int t = longIds.length;
        long[] ids = new long[2 * t];
        long[] mask = new long[2 * t];
        System.arraycopy(shortIds, 0, ids, 0, shortIds.length);
        System.arraycopy(longIds, 0, ids, t, t);
        java.util.Arrays.fill(mask, 0, shortIds.length, 1);
        java.util.Arrays.fill(mask, t, 2 * t, 1);
        Map<String, Tensor> inputs = Map.of("input_ids", Tensor.ofLongs(ids, 2, t),
                "attention_mask", Tensor.ofLongs(mask, 2, t), "token_type_ids", Tensor.ofLongs(new long[2 * t], 2, t));
        Tensor expected = ort.run(inputs).get("last_hidden_state");
        Tensor actual = model.run(inputs).get("last_hidden_state");
        assertThat(actual.shape()).containsExactly(expected.shape());
        assertThat(Embeddings.maxAbsDiff(actual, expected)).isLessThan(1e-4f);
    }
}
