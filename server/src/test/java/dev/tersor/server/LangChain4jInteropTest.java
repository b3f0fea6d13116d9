package dev.tersor.server;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.tersor.embed.EmbedSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * LangChain4j's OpenAI embedding client ({@code langchain4j-open-ai}) as a real client of the server
 * over loopback: its vectors equal the library's (within {@link ServedModel}'s tolerance), with the
 * default encoding and with base64, and its token usage is the server's count.
 */
class LangChain4jInteropTest {

    static final String KEY = "sk-interop";
    static final List<String> TEXTS = ServerTest.TEXTS;

    static EmbeddingServer server;

    @BeforeAll
    static void start() throws Exception {
        server = EmbeddingServer.start(ServedModel.served(), ServerSettings.defaults().withPort(0).withApiKey(KEY));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static OpenAiEmbeddingModel.OpenAiEmbeddingModelBuilder client(String key) {
        return OpenAiEmbeddingModel.builder()
                .baseUrl("http://127.0.0.1:" + server.port() + "/v1")
                .apiKey(key)
                .modelName("all-minilm-l6-v2")
                .timeout(Duration.ofSeconds(30))
                .maxRetries(0);
    }

    static void assertEqualsTheEmbedders(Response<List<Embedding>> response, float[][] expected) {
        List<Embedding> embeddings = response.content();
        assertThat(embeddings).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(ServedModel.close(embeddings.get(i).vector(), expected[i]))
                    .as("vector %d: cosine %s", i, ServedModel.cosine(embeddings.get(i).vector(), expected[i])).isTrue();
        }
        assertThat(response.tokenUsage().inputTokenCount())
                .isEqualTo(Arrays.stream(ServedModel.reference().tokenCounts(TEXTS)).sum());
    }

    static List<TextSegment> segments() {
        return TEXTS.stream().map(TextSegment::from).toList();
    }

    @Test
    void embedsWithTheDefaultEncoding() {
        OpenAiEmbeddingModel model = client(KEY).build();
        assertEqualsTheEmbedders(model.embedAll(segments()), ServedModel.reference().embed(TEXTS));
    }

    @Test
    void embedsWithBase64Encoding() {
        OpenAiEmbeddingModel model = client(KEY).encodingFormat("base64").build();
        assertEqualsTheEmbedders(model.embedAll(segments()), ServedModel.reference().embed(TEXTS));
    }

    @Test
    void asksForFewerDimensions() {
        OpenAiEmbeddingModel model = client(KEY).dimensions(128).build();
        assertEqualsTheEmbedders(model.embedAll(segments()),
                ServedModel.reference().embed(TEXTS, EmbedSettings.DEFAULT.withDimensions(128)).vectors());
    }

    @Test
    void aWrongKeyFailsTheCallAndTheServerGoesOn() {
        assertThatThrownBy(() -> client("sk-wrong").build().embed("a text")).hasMessageContaining("API key");
        assertThat(client(KEY).build().embed("a text").content().dimension()).isEqualTo(384);
    }
}
