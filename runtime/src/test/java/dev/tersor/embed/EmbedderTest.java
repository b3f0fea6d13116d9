package dev.tersor.embed;

import dev.tersor.format.Execution;
import dev.tersor.graph.Tensor;
import dev.tersor.model.ImportOptions;
import dev.tersor.model.Model;
import dev.tersor.model.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The embedder on the real fp32 and int8 all-MiniLM-L6-v2 (fetched by the build into the model cache). */
class EmbedderTest {

    static final String GOLDEN = "the quick brown fox jumps over the lazy dog";
    static final List<String> SENTENCES = List.of(GOLDEN,
            "Tersor runs compressed neural networks on the JVM.",
            "A man is playing a guitar on a small stage.",
            "It was the best of times, it was the worst of times.",
            "short");

    static Embedder embedder;

    @BeforeAll
    static void load() throws Exception {
        embedder = Embedder.load(TestModels.miniLm());
    }

    @AfterAll
    static void close() {
        embedder.close();
    }

    @Test
    void reproducesTheGoldenVectorOfDataMd() {
        float[] v = embedder.embed(GOLDEN);
        assertThat(v).hasSize(384);
        assertThat(v[0]).isCloseTo(0.03550f, within(5e-5f));
        assertThat(v[1]).isCloseTo(0.06129f, within(5e-5f));
        assertThat(v[2]).isCloseTo(0.05269f, within(5e-5f));
        assertThat(v[3]).isCloseTo(0.07071f, within(5e-5f));
        assertThat(norm(v)).isCloseTo(1, within(1e-6));
    }

    @Test
    void paddedBatchesGiveTheSameEmbeddingsAsSingleTexts() {
        float[][] batch = embedder.embed(SENTENCES);
        for (int i = 0; i < SENTENCES.size(); i++) {
            float[] single = embedder.embed(SENTENCES.get(i));
            for (int d = 0; d < single.length; d++) {
                assertThat(batch[i][d]).as("%s [%d]", SENTENCES.get(i), d).isCloseTo(single[d], within(2e-5f));
            }
        }
    }

    @Test
    void batchSizeOnlySplitsTheWork() throws Exception {
        try (Embedder twoAtATime = Embedder.of(embedder.model(), Tokenizer.load(TestModels.miniLmTokenizer()),
                EmbedderOptions.defaults().withBatchSize(2))) {
            float[][] a = twoAtATime.embed(SENTENCES);
            float[][] b = embedder.embed(SENTENCES);
            assertThat(a.length).isEqualTo(b.length);
            for (int i = 0; i < a.length; i++) {
                assertThat(EmbeddingComparison.of(new float[][]{a[i]}, new float[][]{b[i]}).meanCosine())
                        .isCloseTo(1, within(1e-9));
            }
        }
        assertThat(embedder.model().isClosed()).as("of() leaves the model to its owner").isFalse();
    }

    @Test
    void clsPoolingAndNoNormalizationFollowTheOptions() throws Exception {
        long[] ids = embedder.tokenizer().encode(GOLDEN);
        Tensor hidden = embedder.model().run(Map.of(
                "input_ids", Tensor.ofLongs(ids, 1, ids.length),
                "attention_mask", Tensor.ofLongs(filled(ids.length, 1), 1, ids.length),
                "token_type_ids", Tensor.ofLongs(new long[ids.length], 1, ids.length))).get("last_hidden_state");
        float[] h = hidden.toFloatArray();
        try (Embedder cls = Embedder.of(embedder.model(), Tokenizer.load(TestModels.miniLmTokenizer()),
                EmbedderOptions.defaults().withPooling(Pooling.CLS).withNormalize(false));
             Embedder rawMean = Embedder.of(embedder.model(), Tokenizer.load(TestModels.miniLmTokenizer()),
                     EmbedderOptions.defaults().withNormalize(false))) {
            float[] first = cls.embed(GOLDEN);
            for (int d = 0; d < 384; d++) {
                assertThat(first[d]).isEqualTo(h[d]);
            }
            float[] mean = rawMean.embed(GOLDEN);
            for (int d = 0; d < 384; d += 37) {
                double sum = 0;
                for (int t = 0; t < ids.length; t++) {
                    sum += h[t * 384 + d];
                }
                assertThat(mean[d]).isCloseTo((float) (sum / ids.length), within(1e-6f));
            }
            assertThat(norm(mean)).isNotCloseTo(1, within(1e-3));
        }
    }

    @Test
    void tsrFileCarriesItsTokenizer(@TempDir Path dir) throws Exception {
        Path tsr = dir.resolve("minilm.tsr");
        String json = Files.readString(TestModels.miniLmTokenizer(), StandardCharsets.UTF_8);
        embedder.model().save(tsr, Map.of(Embedder.TOKENIZER_METADATA, json));
        try (Model loaded = Model.load(tsr)) {
            assertThat(loaded.metadata()).containsEntry(Embedder.TOKENIZER_METADATA, json);
        }
        try (Embedder fromTsr = Embedder.load(tsr)) {
            float[][] a = fromTsr.embed(SENTENCES);
            float[][] b = embedder.embed(SENTENCES);
            for (int i = 0; i < a.length; i++) {
                assertThat(a[i]).containsExactly(b[i]);
            }
        }
        // Without the entry and without a file beside it there is no tokenizer to find.
        Path bare = dir.resolve("bare.tsr");
        embedder.model().save(bare);
        assertThatThrownBy(() -> Embedder.load(bare)).isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("--tokenizer");
        // A file beside it is found by the LangChain4j naming convention.
        Files.copy(TestModels.miniLmTokenizer(), dir.resolve("bare-tokenizer.json"));
        try (Embedder beside = Embedder.load(bare)) {
            assertThat(beside.embed(GOLDEN)).containsExactly(embedder.embed(GOLDEN));
        }
    }

    @Test
    void int8ModelIsCloseButNotEqual() throws Exception {
        // The importer keeps activations in float (data.md's 0.9903 is ONNX Runtime quantizing them too).
        try (Embedder int8 = Embedder.load(TestModels.miniLmInt8(), TestModels.miniLmTokenizer(), EmbedderOptions.defaults())) {
            EmbeddingComparison c = EmbeddingComparison.of(int8, embedder, SENTENCES);
            assertThat(c.minCosine()).isBetween(0.99, 0.9999);
            assertThat(c.meanCosine()).isBetween(c.minCosine(), 0.9999);
        }
    }

    @Test
    void concurrentCallsGiveTheSerialResults() throws Exception {
        float[][] expected = embedder.embed(SENTENCES);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[][]>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                futures.add(pool.submit(() -> embedder.embed(SENTENCES)));
            }
            for (Future<float[][]> f : futures) {
                float[][] got = f.get();
                for (int i = 0; i < expected.length; i++) {
                    assertThat(got[i]).containsExactly(expected[i]);
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void rejectsAModelThatIsNotAnEncoder() throws Exception {
        try (Model ocr = Model.importOnnx(TestModels.ppOcrClassifier(), ImportOptions.defaults(), Execution.defaults());
             Tokenizer tokenizer = Tokenizer.load(TestModels.miniLmTokenizer())) {
            assertThatThrownBy(() -> Embedder.of(ocr, tokenizer, EmbedderOptions.defaults()))
                    .hasMessageContaining("input");
        }
    }

    private static long[] filled(int n, long value) {
        long[] a = new long[n];
        java.util.Arrays.fill(a, value);
        return a;
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    @Test
    void aTextWithNoTokensIsAnErrorNotAZeroVector() {
        // A BPE model without unk_token drops the characters it does not know: here, all of them.
        String dropsEverything = "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]}}";
        try (Tokenizer tokenizer = Tokenizer.fromJson(dropsEverything.getBytes(StandardCharsets.UTF_8));
             Embedder dropping = Embedder.of(embedder.model(), tokenizer, embedder.options())) {
            assertThat(dropping.embed("a")).hasSize(384);
            assertThatThrownBy(() -> dropping.embed(List.of("a", "xyz")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("text 1 of the batch has no tokens under this tokenizer");
        }
    }

    @Test
    void negativeTokenIdsAreRejectedNotWrapped() {
        TokenBatch batch = embedder.tokenize(List.of("hello world"));
        long[] ids = batch.ids().clone();
        ids[1] = -1;
        TokenBatch bad = new TokenBatch(batch.size(), batch.length(), ids, batch.attentionMask(), batch.typeIds());
        assertThatThrownBy(() -> embedder.embed(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("token id -1 is negative; token ids are rows of the vocabulary");
    }
}
