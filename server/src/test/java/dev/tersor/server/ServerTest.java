package dev.tersor.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tersor.embed.EmbedSettings;
import dev.tersor.embed.Embedder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The server's answers over loopback against the library's {@link Embedder} on the same model: OpenAI's
 * and TEI's embedding routes with every input shape and option, and the status routes. Tolerances are
 * {@link ServedModel#MIN_COSINE} and {@link ServedModel#MAX_COMPONENT_DIFFERENCE}.
 */
class ServerTest {

    static final List<String> TEXTS = List.of("the quick brown fox jumps over the lazy dog",
            "Tersor runs compressed neural networks on the JVM.",
            "A man is playing a guitar on a small stage.",
            "short");

    static EmbeddingServer server;
    static Http http;
    static Embedder reference;

    @BeforeAll
    static void start() throws Exception {
        reference = ServedModel.reference();
        server = EmbeddingServer.start(ServedModel.served(), ServerSettings.defaults().withPort(0)
                .withPrompts(Map.of("query", "query: ", "passage", "passage: ")));
        http = new Http(server.port(), "");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String list(List<String> texts) {
        return texts.stream().map(Http::quote).collect(Collectors.joining(",", "[", "]"));
    }

    static void assertClose(float[][] actual, float[][] expected) {
        assertThat(actual.length).isEqualTo(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat(ServedModel.close(actual[i], expected[i]))
                    .as("vector %d: cosine %s", i, ServedModel.cosine(actual[i], expected[i])).isTrue();
        }
    }

    @Test
    void openAiFloatsEqualTheEmbeddersWithUsageAndTheModelEchoed() {
        Http.Answer answer = http.post("/v1/embeddings", "{\"input\":" + list(TEXTS) + ",\"model\":\"m\",\"user\":\"someone\"}");
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode json = answer.json();
        assertThat(json.get("object").asText()).isEqualTo("list");
        assertThat(json.get("model").asText()).isEqualTo("m");
        assertThat(json.get("data").get(0).get("object").asText()).isEqualTo("embedding");
        float[][] vectors = Http.vectors(json);
        assertClose(vectors, reference.embed(TEXTS));
        for (float[] v : vectors) {
            assertThat(ServedModel.norm(v)).isCloseTo(1, within(1e-6));
        }
        int tokens = Arrays.stream(reference.tokenCounts(TEXTS)).sum();
        assertThat(json.get("usage").get("prompt_tokens").asInt()).isEqualTo(tokens);
        assertThat(json.get("usage").get("total_tokens").asInt()).isEqualTo(tokens);
    }

    @Test
    void aSingleStringIsOneInputAndTheModelDefaultsToTheServedOne() {
        JsonNode json = http.post("/v1/embeddings", "{\"input\":" + Http.quote(TEXTS.get(1)) + "}").json();
        assertThat(json.get("model").asText()).isEqualTo("all-minilm-l6-v2");
        assertClose(Http.vectors(json), new float[][]{reference.embed(TEXTS.get(1))});
    }

    @Test
    void base64DecodesToTheSameFloats() {
        float[][] floats = Http.vectors(http.post("/v1/embeddings", "{\"input\":" + list(TEXTS) + ",\"encoding_format\":\"float\"}").json());
        JsonNode json = http.post("/v1/embeddings", "{\"input\":" + list(TEXTS) + ",\"encoding_format\":\"base64\"}").json();
        assertThat(json.get("data").get(0).get("embedding").isTextual()).isTrue();
        float[][] decoded = Http.vectors(json);
        // The same texts in the same one-request batch: the same floats, bit for bit.
        for (int i = 0; i < floats.length; i++) {
            assertThat(decoded[i]).containsExactly(floats[i]);
        }
    }

    @Test
    void dimensionsKeepTheLeadingComponentsRenormalized() {
        float[][] vectors = Http.vectors(http.post("/v1/embeddings", "{\"input\":" + list(TEXTS) + ",\"dimensions\":128}").json());
        assertClose(vectors, reference.embed(TEXTS, EmbedSettings.DEFAULT.withDimensions(128)).vectors());
        for (float[] v : vectors) {
            assertThat(v).hasSize(128);
            assertThat(ServedModel.norm(v)).isCloseTo(1, within(1e-6));
        }
        float[][] all = Http.vectors(http.post("/v1/embeddings", "{\"input\":" + list(TEXTS) + ",\"dimensions\":384}").json());
        assertClose(all, reference.embed(TEXTS));
    }

    @Test
    void tokenIdsAreReadAsTheModelsInput() {
        long[] ids = reference.tokenize(List.of(TEXTS.get(0))).ids(0);
        long[] other = reference.tokenize(List.of(TEXTS.get(2))).ids(0);
        String one = Arrays.stream(ids).mapToObj(Long::toString).collect(Collectors.joining(",", "[", "]"));
        String two = Arrays.stream(other).mapToObj(Long::toString).collect(Collectors.joining(",", "[", "]"));
        JsonNode single = http.post("/v1/embeddings", "{\"input\":" + one + "}").json();
        assertClose(Http.vectors(single), new float[][]{reference.embed(TEXTS.get(0))});
        assertThat(single.get("usage").get("prompt_tokens").asInt()).isEqualTo(ids.length);
        JsonNode both = http.post("/v1/embeddings", "{\"input\":[" + one + "," + two + "]}").json();
        assertClose(Http.vectors(both), reference.embed(List.of(TEXTS.get(0), TEXTS.get(2))));
    }

    @Test
    void teiEmbedNormalizesByDefaultAndKeepsThePooledLengthWhenAsked() {
        Http.Answer answer = http.post("/embed", "{\"inputs\":" + list(TEXTS) + "}");
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        float[][] normalized = vectors(answer.json());
        assertClose(normalized, reference.embed(TEXTS));
        float[][] raw = vectors(http.post("/embed", "{\"inputs\":" + list(TEXTS) + ",\"normalize\":false}").json());
        for (int i = 0; i < raw.length; i++) {
            assertThat(ServedModel.norm(raw[i])).as("a mean-pooled MiniLM vector is not unit length").isNotCloseTo(1, within(0.05));
            assertThat(ServedModel.close(Vectors.finish(raw[i], 0, true), normalized[i])).isTrue();
        }
        float[][] single = vectors(http.post("/embed", "{\"inputs\":" + Http.quote(TEXTS.get(3)) + ",\"dimensions\":64}").json());
        assertClose(single, reference.embed(List.of(TEXTS.get(3)), EmbedSettings.DEFAULT.withDimensions(64)).vectors());
    }

    @Test
    void promptsArePutBeforeTheTextsByNameOrInputType() {
        float[][] expected = reference.embed(TEXTS, EmbedSettings.DEFAULT.withPrefix("query: ")).vectors();
        assertClose(vectors(http.post("/embed", "{\"inputs\":" + list(TEXTS) + ",\"prompt_name\":\"query\"}").json()), expected);
        assertClose(Http.vectors(http.post("/v1/embeddings", "{\"input\":" + list(TEXTS) + ",\"input_type\":\"query\"}").json()), expected);
        assertClose(Http.vectors(http.post("/v1/embeddings", "{\"input\":" + list(TEXTS) + ",\"input_type\":\"passage\"}").json()),
                reference.embed(TEXTS, EmbedSettings.DEFAULT.withPrefix("passage: ")).vectors());
    }

    @Test
    void truncationOnRequestCutsALongTextAsTheEmbedderDoes() {
        String longText = String.join(" ", java.util.Collections.nCopies(300, "word"));
        Http.Answer refused = http.post("/embed", "{\"inputs\":" + Http.quote(longText) + "}");
        assertThat(refused.status()).isEqualTo(413);
        float[][] cut = vectors(http.post("/embed", "{\"inputs\":" + Http.quote(longText) + ",\"truncate\":true}").json());
        assertClose(cut, new float[][]{reference.embed(longText)});
    }

    @Test
    void healthInfoAndModelsDescribeTheServer() {
        Http.Answer health = http.get("/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").asText()).isEqualTo("ok");
        JsonNode info = http.get("/info").json();
        assertThat(info.get("model_id").asText()).isEqualTo("all-minilm-l6-v2");
        assertThat(info.get("dimension").asInt()).isEqualTo(384);
        assertThat(info.get("max_input_length").asInt()).isEqualTo(reference.tokenizer().maxTokens());
        assertThat(info.get("max_batch_tokens").asInt()).isEqualTo(512);
        assertThat(info.get("max_client_batch_size").asInt()).isEqualTo(32);
        assertThat(info.get("max_concurrent_requests").asInt()).isEqualTo(512);
        assertThat(info.get("payload_limit").asInt()).isEqualTo(2_000_000);
        assertThat(info.get("auto_truncate").asBoolean()).isFalse();
        assertThat(info.get("model_type").get("embedding").get("pooling").asText()).isEqualTo("mean");
        assertThat(info.get("prompts").toString()).isEqualTo("[\"passage\",\"query\"]");
        JsonNode models = http.get("/v1/models").json();
        assertThat(models.get("data").get(0).get("id").asText()).isEqualTo("all-minilm-l6-v2");
    }

    @Test
    void metricsCountRequestsAndBatchesInPrometheusText() {
        Map<String, Double> before = metrics();
        // Texts of one length, so that each request is one model call.
        List<String> texts = List.of("the first text", "the second text", "the third text", "the fourth text");
        assertThat(reference.tokenCounts(texts)).containsOnly(reference.tokenCounts(texts)[0]);
        for (int i = 0; i < 3; i++) {
            assertThat(http.post("/embed", "{\"inputs\":" + list(texts) + "}").status()).isEqualTo(200);
        }
        assertThat(http.post("/embed", "{\"inputs\":[]}").status()).isEqualTo(400);
        Http.Answer answer = http.get("/metrics");
        assertThat(answer.headers().firstValue("Content-Type")).hasValue(Reply.PROMETHEUS);
        Map<String, Double> after = parse(answer.body());
        assertThat(after.get("te_request_count") - before.get("te_request_count")).isEqualTo(4);
        assertThat(after.get("te_request_success") - before.get("te_request_success")).isEqualTo(3);
        assertThat(after.get("te_request_failure{err=\"empty\"}") - before.get("te_request_failure{err=\"empty\"}")).isEqualTo(1);
        assertThat(after.get("te_request_duration_count") - before.get("te_request_duration_count")).isEqualTo(3);
        assertThat(after.get("te_request_input_length_count") - before.get("te_request_input_length_count")).isEqualTo(12);
        // Sequential requests: one model call each, of four texts.
        assertThat(after.get("te_batch_next_size_count") - before.get("te_batch_next_size_count")).isEqualTo(3);
        assertThat(after.get("te_batch_next_size_sum") - before.get("te_batch_next_size_sum")).isEqualTo(12);
        assertThat(after.get("te_batch_next_tokens_count") - before.get("te_batch_next_tokens_count")).isEqualTo(3);
        assertThat(after.get("te_batch_inference_duration_count") - before.get("te_batch_inference_duration_count")).isEqualTo(3);
        assertThat(after.get("te_batch_inference_duration_sum")).isGreaterThan(before.get("te_batch_inference_duration_sum"));
        assertThat(after.get("te_queue_size")).isZero();
        assertThat(after.get("te_batch_next_size_bucket{le=\"+Inf\"}")).isEqualTo(after.get("te_batch_next_size_count"));
    }

    static Map<String, Double> metrics() {
        return parse(http.get("/metrics").body());
    }

    /** Prometheus text: every sample line as name{labels} to value; every other line must be a comment. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> samples = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            assertThat(space).as("sample line '%s'", line).isPositive();
            assertThat(line.substring(0, space)).matches("te_[a-z_]+(\\{[a-z]+=\"[^\"]+\"\\})?");
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return samples;
    }

    static float[][] vectors(JsonNode teiAnswer) {
        float[][] vectors = new float[teiAnswer.size()][];
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = Http.floats(teiAnswer.get(i));
        }
        return vectors;
    }
}
