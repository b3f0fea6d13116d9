package dev.tersor.langchain4j;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.request.EmbeddingInputType;
import dev.langchain4j.model.embedding.request.EmbeddingRequest;
import dev.langchain4j.model.embedding.request.EmbeddingRequestParameters;
import dev.langchain4j.model.embedding.response.EmbeddingResponse;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.store.embedding.EmbeddingMatch;
import dev.langchain4j.store.embedding.EmbeddingSearchRequest;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import dev.tersor.embed.EmbedSettings;
import dev.tersor.embed.Embedder;
import dev.tersor.embed.EmbedderOptions;
import dev.tersor.embed.Embeddings;
import dev.tersor.embed.Prompts;
import dev.tersor.embed.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The adapter on the real all-MiniLM-L6-v2 and data.md's {@code raw_sentences.txt}, both fetched by
 * the build into the shared cache, used the way a LangChain4j application uses an embedding model.
 */
class TersorEmbeddingModelTest {

    static final String GOLDEN = "the quick brown fox jumps over the lazy dog";

    static Embedder embedder;
    static TersorEmbeddingModel model;

    @BeforeAll
    static void load() throws IOException {
        embedder = Embedder.load(miniLm());
        model = TersorEmbeddingModel.of(embedder);
    }

    @AfterAll
    static void close() {
        model.close();
        embedder.close();
    }

    static Path miniLm() {
        Path path = Path.of(System.getProperty("tersor.models.dir"), "all-minilm-l6-v2", "all-minilm-l6-v2.onnx");
        assertThat(path).as("fetched by the build").isRegularFile();
        return path;
    }

    /** The first {@code count} distinct sentences of raw_sentences.txt. */
    static List<String> rawSentences(int count) throws IOException {
        Path file = Path.of(System.getProperty("tersor.cache.dir"), "corpus", "raw_sentences.txt");
        assertThat(file).as("fetched by the build").isRegularFile();
        LinkedHashSet<String> distinct = new LinkedHashSet<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                distinct.add(line.strip());
            }
            if (distinct.size() == count) {
                break;
            }
        }
        assertThat(distinct).hasSize(count);
        return List.copyOf(distinct);
    }

    static List<TextSegment> segments(List<String> texts) {
        return texts.stream().map(TextSegment::from).toList();
    }

    @Test
    void embedAllIsTheEmbedderBitForBitWithItsTokenUsage() throws IOException {
        List<String> texts = rawSentences(200);
        Response<List<Embedding>> response = model.embedAll(segments(texts));
        Embeddings direct = embedder.embed(texts, EmbedSettings.DEFAULT);
        float[][] vectors = direct.vectors();
        assertThat(response.content()).hasSize(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            assertThat(response.content().get(i).vector()).as("sentence %d", i).containsExactly(vectors[i]);
        }
        assertThat(response.tokenUsage().inputTokenCount()).isEqualTo((int) direct.totalTokens()).isGreaterThan(2 * texts.size());
    }

    @Test
    void oneTextGivesTheGoldenVectorOfDataMd() {
        float[] v = model.embed(GOLDEN).content().vector();
        assertThat(v).hasSize(384);
        assertThat(v[0]).isCloseTo(0.03550f, within(5e-5f));
        assertThat(v[1]).isCloseTo(0.06129f, within(5e-5f));
        assertThat(v[2]).isCloseTo(0.05269f, within(5e-5f));
        assertThat(v[3]).isCloseTo(0.07071f, within(5e-5f));
    }

    /** With its tokenizer closed, the embedder can embed nothing: the dimension comes from the model's shapes. */
    @Test
    void dimensionAndNameNeedNoInference() throws IOException {
        Tokenizer tokenizer = Tokenizer.load(miniLm().resolveSibling("all-minilm-l6-v2-tokenizer.json"));
        try (Embedder unusable = Embedder.of("all-minilm-l6-v2", embedder.model(), tokenizer, EmbedderOptions.defaults());
             TersorEmbeddingModel adapter = TersorEmbeddingModel.of(unusable)) {
            tokenizer.close();
            assertThatThrownBy(() -> adapter.embed("text")).isInstanceOf(IllegalStateException.class);
            assertThat(adapter.dimension()).isEqualTo(384);
            assertThat(adapter.modelName()).isEqualTo("all-minilm-l6-v2");
        }
        assertThat(model.modelName()).isEqualTo("all-minilm-l6-v2");
    }

    @Test
    void anInMemoryStoreFindsWhatTheEmbedderFinds() throws IOException {
        List<String> texts = new ArrayList<>(rawSentences(400));
        texts.addAll(List.of("The rocket launched into orbit.", "Astronauts walked on the moon.",
                "Stocks fell sharply on Monday.", "I love eating pizza with friends."));
        List<TextSegment> documents = segments(texts);
        InMemoryEmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
        store.addAll(model.embedAll(documents).content(), documents);

        float[][] direct = embedder.embed(texts);
        for (String query : List.of("A spacecraft lifted off toward space.", texts.get(17), "What did he say ?")) {
            List<EmbeddingMatch<TextSegment>> matches = store.search(EmbeddingSearchRequest.builder()
                    .queryEmbedding(model.embed(query).content()).maxResults(10).build()).matches();
            float[] q = embedder.embed(query);
            List<String> expected = IntStream.range(0, texts.size()).boxed()
                    .sorted(Comparator.comparingDouble((Integer i) -> -dot(q, direct[i]))).limit(10).map(texts::get).toList();
            assertThat(matches).extracting(m -> m.embedded().text()).as(query).containsExactlyElementsOf(expected);
        }
        List<EmbeddingMatch<TextSegment>> rocket = store.search(EmbeddingSearchRequest.builder()
                .queryEmbedding(model.embed("A spacecraft lifted off toward space.").content()).maxResults(1).build()).matches();
        assertThat(rocket.getFirst().embedded().text()).isEqualTo("The rocket launched into orbit.");
    }

    @Test
    void fewerDimensionsAreTheLeadingOnesAtUnitLength() throws IOException {
        List<String> texts = rawSentences(20);
        EmbeddingResponse response = model.embed(EmbeddingRequest.builder().textSegments(segments(texts))
                .parameters(EmbeddingRequestParameters.builder().dimensions(128).build()).build());
        float[][] full = embedder.embed(texts);
        for (int i = 0; i < texts.size(); i++) {
            float[] v = response.embeddings().get(i).vector();
            assertThat(v).hasSize(128);
            assertThat(norm(v)).isCloseTo(1, within(1e-6));
            double scale = norm(java.util.Arrays.copyOf(full[i], 128));
            for (int d = 0; d < 128; d++) {
                assertThat((double) v[d]).isCloseTo(full[i][d] / scale, within(1e-6));
            }
        }
        assertThatThrownBy(() -> model.embed(EmbeddingRequest.builder().textSegments(segments(texts))
                .parameters(EmbeddingRequestParameters.builder().dimensions(385).build()).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("dimensions 385 is more than the model's 384");
    }

    @Test
    void theInputTypePicksTheModelsPrompt() throws IOException {
        List<String> texts = rawSentences(5);
        try (TersorEmbeddingModel e5Style = TersorEmbeddingModel.of(embedder,
                new Prompts(Map.of("query", "query: ", "passage", "passage: "), ""))) {
            assertThat(embedded(e5Style, texts, EmbeddingInputType.QUERY)).isDeepEqualTo(prefixed("query: ", texts));
            assertThat(embedded(e5Style, texts, EmbeddingInputType.DOCUMENT)).isDeepEqualTo(prefixed("passage: ", texts));
            assertThat(embedded(e5Style, texts, null)).isDeepEqualTo(prefixed("", texts));
        }
        try (TersorEmbeddingModel queryByDefault = TersorEmbeddingModel.of(embedder,
                new Prompts(Map.of("query", "Represent this sentence for searching relevant passages: "), "query"))) {
            float[][] expected = prefixed("Represent this sentence for searching relevant passages: ", texts);
            assertThat(embedded(queryByDefault, texts, null)).isDeepEqualTo(expected);
            assertThat(embedded(queryByDefault, texts, EmbeddingInputType.DOCUMENT)).isDeepEqualTo(expected);
            assertThat(vectors(queryByDefault.embedAll(segments(texts)).content())).isDeepEqualTo(expected);
        }
        assertThat(embedded(model, texts, EmbeddingInputType.QUERY)).isDeepEqualTo(prefixed("", texts));
    }

    private static float[][] embedded(TersorEmbeddingModel adapter, List<String> texts, EmbeddingInputType type) {
        return vectors(adapter.embed(EmbeddingRequest.builder().textSegments(segments(texts)).inputType(type).build()).embeddings());
    }

    private static float[][] prefixed(String prefix, List<String> texts) {
        return embedder.embed(texts, EmbedSettings.DEFAULT.withPrefix(prefix)).vectors();
    }

    private static float[][] vectors(List<Embedding> embeddings) {
        return embeddings.stream().map(Embedding::vector).toArray(float[][]::new);
    }

    @Test
    void concurrentCallersGetTheSerialResults() throws Exception {
        List<String> texts = rawSentences(40);
        List<List<Embedding>> serial = new ArrayList<>();
        for (int call = 0; call < 8; call++) {
            serial.add(model.embedAll(segments(texts.subList(call * 5, call * 5 + 5))).content());
        }
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<List<List<Embedding>>>> futures = new ArrayList<>();
            for (int thread = 0; thread < 8; thread++) {
                int first = thread;
                futures.add(threads.submit(() -> {
                    List<List<Embedding>> results = new ArrayList<>();
                    for (int call = 0; call < 50; call++) {
                        int slice = (first + call) % 8;
                        results.add(model.embedAll(segments(texts.subList(slice * 5, slice * 5 + 5))).content());
                    }
                    return results;
                }));
            }
            for (int thread = 0; thread < 8; thread++) {
                List<List<Embedding>> results = futures.get(thread).get();
                assertThat(results).hasSize(50);
                for (int call = 0; call < 50; call++) {
                    List<Embedding> expected = serial.get((thread + call) % 8);
                    for (int i = 0; i < 5; i++) {
                        assertThat(results.get(call).get(i).vector()).containsExactly(expected.get(i).vector());
                    }
                }
            }
        }
    }

    @Test
    void closingALoadedModelClosesItsEmbedder() throws IOException {
        TersorEmbeddingModel loaded = TersorEmbeddingModel.load(miniLm());
        assertThat(loaded.embed("a sentence").content().dimension()).isEqualTo(384);
        loaded.close();
        assertThatThrownBy(() -> loaded.embed("a sentence")).isInstanceOf(IllegalStateException.class)
                .hasMessage("tokenizer is closed");
    }

    static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }

    static double norm(float[] v) {
        return Math.sqrt(dot(v, v));
    }
}
