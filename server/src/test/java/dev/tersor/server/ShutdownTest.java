package dev.tersor.server;

import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Closing the server (what SIGTERM's shutdown hook does) answers every request already received, then refuses connections. */
class ShutdownTest {

    static final int REQUESTS = 12;

    @Test
    void closingFinishesTheRequestsAlreadyReceivedAndThenRefusesConnections() throws Exception {
        EmbeddingServer server = EmbeddingServer.start(ServedModel.served(), ServerSettings.defaults().withPort(0));
        Http http = new Http(server.port(), "");
        String texts = IntStream.range(0, 32).mapToObj(i -> Http.quote("sentence number " + i + " of a request that takes a while, "
                + String.join(" ", Collections.nCopies(i % 9 + 3, "and more words"))))
                .collect(Collectors.joining(",", "[", "]"));
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            pending.add(client.sendAsync(HttpRequest.newBuilder(http.uri("/v1/embeddings")).timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"input\":" + texts + "}")).build(), HttpResponse.BodyHandlers.ofString()));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (ServerTest.parse(http.get("/metrics").body()).get("te_request_count") < REQUESTS && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        double unanswered = REQUESTS - ServerTest.parse(http.get("/metrics").body()).get("te_request_success");
        server.close();
        for (CompletableFuture<HttpResponse<String>> response : pending) {
            HttpResponse<String> answer = response.get(60, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(Http.vectors(Http.JSON.readTree(answer.body()))).hasNumberOfRows(32);
        }
        assertThat(unanswered).as("requests still in progress when the server was closed").isPositive();
        assertThatThrownBy(() -> new Http(server.port(), "").get("/health")).isInstanceOf(UncheckedIOException.class);
    }
}
