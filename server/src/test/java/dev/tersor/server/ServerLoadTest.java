package dev.tersor.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The load test, over loopback: 32 clients, each sending one sentence per request as fast as
 * it is answered, first to a server that serves one request at a time (merging off, 10 s), then to
 * one that batches dynamically (20 s). Zero errors in both; every answer equal (within
 * {@link ServedModel}'s tolerance) to that sentence's answer when it was the only request; and
 * batching at least doubles the sentences per second. p50/p99 latency and throughput go to the test
 * output and to {@code target/server-load.txt}.
 */
class ServerLoadTest {

    static final int CLIENTS = 32;
    static final Duration SERIAL = Duration.ofSeconds(10);
    static final Duration BATCHED = Duration.ofSeconds(20);
    /** A bound on each client's requests, beside the time bound. */
    static final int MAX_REQUESTS_PER_CLIENT = 100_000;

    record Run(String name, int requests, int errors, int mismatches, double seconds, long p50Micros, long p99Micros) {
        double perSecond() {
            return requests / seconds;
        }

        String line() {
            return String.format(Locale.ROOT, "%-26s %6d sentences in %5.1f s = %7.1f sentences/s, p50 %6.1f ms, p99 %6.1f ms, %d errors, %d mismatches",
                    name, requests, seconds, perSecond(), p50Micros / 1e3, p99Micros / 1e3, errors, mismatches);
        }
    }

    /** 64 distinct sentences of 4 to 30 words, the same on every run. */
    static List<String> sentences() {
        String[] words = ("the a model server batch request answer vector token text sentence word quick brown fox jumps over lazy dog "
                + "runs compressed neural network on JVM small stage guitar best worst times city river mountain morning evening").split(" ");
        Random random = new Random(18);
        List<String> sentences = new ArrayList<>();
        while (sentences.size() < 64) {
            int n = 4 + random.nextInt(27);
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < n; i++) {
                s.append(i == 0 ? "" : " ").append(words[random.nextInt(words.length)]);
            }
            String sentence = s.append(" ").append(sentences.size()).append('.').toString();
            sentences.add(sentence);
        }
        return sentences;
    }

    @Test
    void batchingServesAtLeastTwiceTheSentencesOfOneRequestAtATime() throws Exception {
        List<String> sentences = sentences();
        Map<String, float[]> alone = new LinkedHashMap<>();
        Run serial;
        try (EmbeddingServer server = EmbeddingServer.start(ServedModel.served(), ServerSettings.defaults().withPort(0).withMaxBatchRequests(1))) {
            Http http = new Http(server.port(), "");
            for (String sentence : sentences) {
                Http.Answer answer = http.post("/v1/embeddings", "{\"input\":[" + Http.quote(sentence) + "]}");
                assertThat(answer.status()).as(answer.body()).isEqualTo(200);
                alone.put(sentence, Http.vectors(answer.json())[0]);
            }
            serial = load("one request at a time", http, sentences, alone, SERIAL);
        }
        Run batched;
        try (EmbeddingServer server = EmbeddingServer.start(ServedModel.served(), ServerSettings.defaults().withPort(0))) {
            batched = load("dynamic batching", new Http(server.port(), ""), sentences, alone, BATCHED);
        }
        String report = "32 clients, one sentence per request, loopback (a shared, busy machine: figures are indicative)\n"
                + serial.line() + "\n" + batched.line() + "\n"
                + String.format(Locale.ROOT, "throughput ratio %.2fx%n", batched.perSecond() / serial.perSecond());
        System.out.print(report);
        Path dir = Path.of(System.getProperty("tersor.server.reports", "target"));
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("server-load.txt"), report);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Run run : List.of(serial, batched)) {
            assertThat(run.errors()).as(run.line()).isZero();
            assertThat(run.mismatches()).as(run.line()).isZero();
            assertThat(run.requests()).as(run.line()).isPositive();
        }
        assertThat(batched.perSecond()).as(report).isGreaterThanOrEqualTo(2 * serial.perSecond());
    }

    private static Run load(String name, Http http, List<String> sentences, Map<String, float[]> expected, Duration duration)
            throws Exception {
        AtomicLong errors = new AtomicLong();
        AtomicLong mismatches = new AtomicLong();
        List<List<Long>> latencies = new ArrayList<>();
        long start = System.nanoTime();
        long deadline = start + duration.toNanos();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<List<Long>>> results = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                results.add(clients.submit(() -> {
                    List<Long> micros = new ArrayList<>();
                    for (int n = 0; n < MAX_REQUESTS_PER_CLIENT && System.nanoTime() < deadline; n++) {
                        String sentence = sentences.get((client * 7 + n) % sentences.size());
                        long sent = System.nanoTime();
                        Http.Answer answer;
                        try {
                            answer = http.post("/v1/embeddings", "{\"input\":[" + Http.quote(sentence) + "]}");
                        } catch (RuntimeException e) {
                            errors.incrementAndGet();
                            continue;
                        }
                        if (answer.status() != 200) {
                            errors.incrementAndGet();
                            continue;
                        }
                        micros.add((System.nanoTime() - sent) / 1000);
                        if (!ServedModel.close(Http.vectors(answer.json())[0], expected.get(sentence))) {
                            mismatches.incrementAndGet();
                        }
                    }
                    return micros;
                }));
            }
            for (Future<List<Long>> result : results) {
                latencies.add(result.get(duration.toSeconds() + 60, TimeUnit.SECONDS));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        List<Long> all = new ArrayList<>();
        latencies.forEach(all::addAll);
        Collections.sort(all);
        return new Run(name, all.size(), (int) errors.get(), (int) mismatches.get(), seconds,
                percentile(all, 0.50), percentile(all, 0.99));
    }

    private static long percentile(List<Long> sorted, double q) {
        return sorted.isEmpty() ? 0 : sorted.get((int) Math.round(q * (sorted.size() - 1)));
    }
}
