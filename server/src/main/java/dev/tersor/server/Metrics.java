package dev.tersor.server;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's Prometheus metrics under text-embeddings-inference's names, so its dashboards work:
 * requests counted on the embedding routes (count, success, failure by error kind, duration, tokens
 * per input), the model calls the batcher makes (texts, padded tokens and seconds per call), and the queue.
 */
final class Metrics implements Batcher.BatchListener {

    private final LongAdder requests = new LongAdder();
    private final LongAdder successes = new LongAdder();
    private final Map<ErrorKind, LongAdder> failures = new EnumMap<>(ErrorKind.class);
    private final Histogram duration = new Histogram("te_request_duration",
            "Seconds from receiving an embedding request to its answer, successful requests",
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30);
    private final Histogram inputLength = new Histogram("te_request_input_length",
            "Tokens per input, special tokens included",
            4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192);
    private final Histogram batchSize = new Histogram("te_batch_next_size",
            "Inputs per model call", 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024);
    private final Histogram batchTokens = new Histogram("te_batch_next_tokens",
            "Padded tokens per model call (inputs x longest input)",
            64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536);
    private final Histogram batchInference = new Histogram("te_batch_inference_duration",
            "Seconds each model call took", 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10);

    Metrics() {
        for (ErrorKind kind : ErrorKind.values()) {
            failures.put(kind, new LongAdder());
        }
    }

    /** An embedding request arrived. */
    void requestReceived() {
        requests.increment();
    }

    /** An embedding request was answered with vectors after {@code seconds}. */
    void requestSucceeded(double seconds, int[] inputTokens) {
        successes.increment();
        duration.observe(seconds);
        for (int tokens : inputTokens) {
            inputLength.observe(tokens);
        }
    }

    /** An embedding request was refused or failed. */
    void requestFailed(ErrorKind kind) {
        failures.get(kind).increment();
    }

    @Override
    public void batchRan(int sequences, long paddedTokens, double seconds) {
        batchSize.observe(sequences);
        batchTokens.observe(paddedTokens);
        batchInference.observe(seconds);
    }

    /** Every metric in Prometheus' text exposition format (version 0.0.4), with {@code queueSize} requests waiting. */
    String text(int queueSize) {
        StringBuilder out = new StringBuilder(4096);
        counter(out, "te_request_count", "Embedding requests received", requests.sum());
        counter(out, "te_request_success", "Embedding requests answered with embeddings", successes.sum());
        out.append("# HELP te_request_failure Embedding requests refused or failed, by error kind\n");
        out.append("# TYPE te_request_failure counter\n");
        // Labels as TEI spells them; two kinds share "validation", so their counts are summed.
        Map<String, Long> byLabel = new TreeMap<>();
        failures.forEach((kind, count) -> byLabel.merge(kind.metricLabel(), count.sum(), Long::sum));
        byLabel.forEach((label, count) -> out.append("te_request_failure{err=\"").append(label).append("\"} ").append(count).append('\n'));
        duration.writeTo(out);
        inputLength.writeTo(out);
        batchSize.writeTo(out);
        batchTokens.writeTo(out);
        batchInference.writeTo(out);
        out.append("# HELP te_queue_size Embedding requests waiting for the model\n");
        out.append("# TYPE te_queue_size gauge\n");
        out.append("te_queue_size ").append(queueSize).append('\n');
        return out.toString();
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" counter\n");
        out.append(name).append(' ').append(value).append('\n');
    }
}
