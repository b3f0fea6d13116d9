package dev.tersor.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every way a request can be refused, over loopback, each with its status and a JSON error in the
 * route's dialect, and the server answering a good request right after. The server takes a key, four
 * inputs per request, 8 KiB bodies and one request at a time, so that each limit is cheap to reach.
 */
class ServerErrorsTest {

    static final String KEY = "sk-test-key";
    static final int PAYLOAD_LIMIT = 8192;
    static final String GOOD = "{\"input\":[\"a good request\"]}";

    static EmbeddingServer server;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        server = EmbeddingServer.start(ServedModel.served(), ServerSettings.defaults().withPort(0).withApiKey(KEY)
                .withMaxClientBatchSize(4).withPayloadLimit(PAYLOAD_LIMIT).withMaxConcurrentRequests(1));
        http = new Http(server.port(), KEY);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Stream<Arguments> badBodies() {
        String longText = String.join(" ", Collections.nCopies(300, "word"));
        String manyIds = "[101," + String.join(",", Collections.nCopies(200, "2000")) + ",102]";
        return Stream.of(
                Arguments.of("/v1/embeddings", "{\"input\":[]}", 400, "empty"),
                Arguments.of("/v1/embeddings", "{\"input\":\"\"}", 400, "empty"),
                Arguments.of("/v1/embeddings", "{\"input\":[\"a\",\"\"]}", 400, "empty"),
                Arguments.of("/v1/embeddings", "{\"model\":\"m\"}", 400, "empty"),
                Arguments.of("/v1/embeddings", "{\"input\":[[]]}", 400, "empty"),
                Arguments.of("/embed", "{\"inputs\":[]}", 400, "empty"),
                Arguments.of("/v1/embeddings", "", 400, "validation"),
                Arguments.of("/v1/embeddings", "{\"input\":", 400, "validation"),
                Arguments.of("/v1/embeddings", "not json", 400, "validation"),
                Arguments.of("/v1/embeddings", "[\"a\"]", 400, "validation"),
                Arguments.of("/v1/embeddings", "{\"input\":\"a\"} {}", 400, "validation"),
                Arguments.of("/v1/embeddings", "{\"input\":\"a\",\"input\":\"b\"}", 400, "validation"),
                Arguments.of("/v1/embeddings", "{\"input\":5}", 400, "validation"),
                Arguments.of("/v1/embeddings", "{\"input\":[\"a\",5]}", 400, "validation"),
                Arguments.of("/v1/embeddings", "{\"input\":[1,\"a\"]}", 400, "validation"),
                Arguments.of("/v1/embeddings", "{\"input\":[1.5]}", 400, "validation"),
                Arguments.of("/v1/embeddings", "{\"input\":" + "[".repeat(40) + "]".repeat(40) + "}", 400, "validation"),
                Arguments.of("/v1/embeddings", "{\"input\":\"a\",\"encoding_format\":\"hex\"}", 400, "validation"),
                Arguments.of("/v1/embeddings", "{\"input\":\"a\",\"dimensions\":0}", 400, "validation"),
                Arguments.of("/v1/embeddings", "{\"input\":\"a\",\"dimensions\":385}", 400, "validation"),
                Arguments.of("/v1/embeddings", "{\"input\":\"a\",\"dimensions\":99999999999}", 400, "validation"),
                Arguments.of("/v1/embeddings", "{\"input\":\"a\",\"input_type\":\"other\"}", 400, "validation"),
                Arguments.of("/embed", "{\"inputs\":\"a\",\"prompt_name\":\"query\"}", 400, "validation"),
                Arguments.of("/embed", "{\"inputs\":\"a\",\"normalize\":\"yes\"}", 400, "validation"),
                Arguments.of("/embed", "{\"inputs\":\"a\",\"truncation_direction\":\"left\"}", 400, "validation"),
                Arguments.of("/v1/embeddings", "{\"input\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}", 413, "validation"),
                Arguments.of("/v1/embeddings", "{\"input\":[[1],[2],[3],[4],[5]]}", 413, "validation"),
                Arguments.of("/v1/embeddings", "{\"input\":" + Http.quote(longText) + "}", 413, "validation"),
                Arguments.of("/embed", "{\"inputs\":[\"a\"," + Http.quote(longText) + "]}", 413, "validation"),
                Arguments.of("/v1/embeddings", "{\"input\":" + manyIds + "}", 413, "validation"),
                Arguments.of("/v1/embeddings", "{\"input\":\"half a pair \\ud800 here\"}", 422, "tokenizer"),
                Arguments.of("/v1/embeddings", "{\"input\":[101,999999999,102]}", 422, "tokenizer"),
                Arguments.of("/v1/embeddings", "{\"input\":[101,-1,102]}", 422, "tokenizer"),
                Arguments.of("/v1/embeddings", "{\"input\":[101,123456789012345678901234567890,102]}", 422, "tokenizer"));
    }

    @ParameterizedTest
    @MethodSource("badBodies")
    void aBadBodyIsAJsonErrorAndTheServerAnswersTheNextRequest(String path, String body, int status, String code) {
        Http.Answer answer = http.post(path, body);
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        assertError(path, answer, code);
        assertStillServing();
    }

    @Test
    void aBodyOverThePayloadLimitIs413WhetherItsLengthIsDeclaredOrChunked() {
        String big = "{\"input\":\"" + "x".repeat(PAYLOAD_LIMIT) + "\"}";
        Http.Answer declared = http.post("/v1/embeddings", big);
        assertThat(declared.status()).isEqualTo(413);
        assertError("/v1/embeddings", declared, "validation");
        Http.Answer chunked = http.send(http.request("/embed").POST(HttpRequest.BodyPublishers.ofInputStream(
                () -> new ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8)))));
        assertThat(chunked.status()).isEqualTo(413);
        assertError("/embed", chunked, "validation");
        assertStillServing();
    }

    @Test
    void aHugeDeclaredLengthIsRefusedWithoutWaitingForTheBody() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(head).isEqualTo("HTTP/1.1 413");
        }
        assertStillServing();
    }

    @Test
    void aMissingOrWrongKeyIs401ButHealthAndMetricsAreOpen() {
        Http anonymous = new Http(server.port(), "");
        Http wrong = new Http(server.port(), "sk-test-kez");
        for (Http client : new Http[]{anonymous, wrong}) {
            Http.Answer answer = client.post("/v1/embeddings", GOOD);
            assertThat(answer.status()).isEqualTo(401);
            assertThat(answer.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            assertError("/v1/embeddings", answer, "unauthorized");
            assertThat(client.post("/embed", "{\"inputs\":\"a\"}").status()).isEqualTo(401);
            assertThat(client.get("/info").status()).isEqualTo(401);
            assertThat(client.get("/v1/models").status()).isEqualTo(401);
            assertThat(client.get("/health").status()).isEqualTo(200);
            assertThat(client.get("/metrics").status()).isEqualTo(200);
        }
        assertStillServing();
    }

    @Test
    void aWrongMethodIs405AndAnUnknownRouteIs404() {
        Http.Answer get = http.get("/v1/embeddings");
        assertThat(get.status()).isEqualTo(405);
        assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        assertError("/v1/embeddings", get, "method_not_allowed");
        Http.Answer post = http.post("/health", "{}");
        assertThat(post.status()).isEqualTo(405);
        assertError("/health", post, "method_not_allowed");
        Http.Answer missing = http.get("/v1/nothing");
        assertThat(missing.status()).isEqualTo(404);
        assertError("/v1/nothing", missing, "not_found");
        assertThat(http.post("/embeddings", GOOD).status()).isEqualTo(404);
        assertStillServing();
    }

    @Test
    void aRequestBeyondTheConcurrencyLimitIs429() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            // One request holds the only slot while it waits for the rest of its body.
            try (Socket slow = new Socket("127.0.0.1", server.port())) {
                slow.setSoTimeout(10_000);
                OutputStream out = slow.getOutputStream();
                InputStream in = slow.getInputStream();
                out.write(("POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + GOOD.length() + "\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                // Good requests pass until the slow one has the slot. If one of them held it when the slow
                // one arrived, the slow one was refused instead (its answer is waiting): a new one tries.
                Http.Answer answer = http.post("/v1/embeddings", GOOD);
                while (answer.status() == 200 && in.available() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                    answer = http.post("/v1/embeddings", GOOD);
                }
                if (answer.status() == 200 && in.available() > 0 && System.nanoTime() < deadline) {
                    continue;
                }
                assertThat(answer.status()).as(answer.body()).isEqualTo(429);
                assertError("/v1/embeddings", answer, "overloaded");
                out.write(GOOD.substring(1).getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(new String(in.readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
            }
            break;
        }
        assertStillServing();
    }

    @Test
    void failuresAreCountedByKindInTheMetrics() {
        Map<String, Double> before = ServerTest.parse(http.get("/metrics").body());
        http.post("/v1/embeddings", "{\"input\":[]}");
        http.post("/v1/embeddings", "{\"input\":\"\\udc00\"}");
        new Http(server.port(), "").post("/v1/embeddings", GOOD);
        Map<String, Double> after = ServerTest.parse(http.get("/metrics").body());
        for (String kind : new String[]{"empty", "tokenizer", "unauthorized"}) {
            String name = "te_request_failure{err=\"" + kind + "\"}";
            assertThat(after.get(name) - before.get(name)).as(name).isEqualTo(1);
        }
        assertThat(after.get("te_request_count") - before.get("te_request_count")).isEqualTo(3);
    }


    static void assertError(String path, Http.Answer answer, String code) {
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode json = answer.json();
        if (path.startsWith("/v1/")) {
            JsonNode error = json.get("error");
            assertThat(error).as(answer.body()).isNotNull();
            assertThat(error.get("message").asText()).isNotBlank();
            assertThat(error.get("type").asText()).isNotBlank();
            assertThat(error.has("param")).isTrue();
            assertThat(error.get("code").asText()).isEqualTo(code);
        } else {
            assertThat(json.get("error").asText()).as(answer.body()).isNotBlank();
            assertThat(json.get("error_type").asText()).isNotBlank();
        }
    }

    static void assertStillServing() {
        Http.Answer answer = http.post("/v1/embeddings", GOOD);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.json().get("data").get(0).get("embedding").size()).isEqualTo(384);
    }
}
