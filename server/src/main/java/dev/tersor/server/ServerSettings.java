package dev.tersor.server;

import java.util.Map;
import java.util.Objects;

/**
 * How an {@link EmbeddingServer} listens, batches and limits what it accepts. The defaults follow
 * text-embeddings-inference's flags of the same names, but for the token budget of a model call:
 * TEI's 16,384 suits a GPU, while on a CPU a call runs fastest per text at a few hundred tokens.
 *
 * @param host                  address to bind; {@code 127.0.0.1} keeps the server to this machine
 * @param port                  TCP port; 0 picks a free one
 * @param apiKey                the key clients must send as {@code Authorization: Bearer KEY}; empty for none
 * @param maxBatchTokens        most tokens one model call may hold, counted as texts × longest text
 *                              (the batch is padded to its longest text)
 * @param maxBatchRequests      most requests merged into one batch window; 1 turns merging off
 * @param batchWorkers          model calls run at once (Tersor runs a call on one thread); with
 *                              {@code maxBatchRequests} 1, a value of 1 serves one request at a time
 * @param maxClientBatchSize    most inputs one request may carry
 * @param maxConcurrentRequests most embedding requests admitted at once (read, queued or running);
 *                              one more is answered 429
 * @param autoTruncate          whether texts longer than the model takes are cut (else 413) when a request
 *                              does not say
 * @param payloadLimit          most bytes of a request body
 * @param prompts               prompt name to the text put before each input ({@code "query" -> "query: "})
 */
public record ServerSettings(String host, int port, String apiKey, int maxBatchTokens, int maxBatchRequests,
                             int batchWorkers, int maxClientBatchSize, int maxConcurrentRequests, boolean autoTruncate, int payloadLimit,
                             Map<String, String> prompts) {

    /** Largest accepted request body: 64 MiB. */
    public static final int MAX_PAYLOAD_LIMIT = 64 << 20;
    /** Largest accepted token budget of one model call. */
    public static final int MAX_BATCH_TOKENS = 1 << 20;
    /** Largest accepted number of inputs per request. */
    public static final int MAX_CLIENT_BATCH_SIZE = 4096;
    /** Largest accepted number of batch workers. */
    public static final int MAX_BATCH_WORKERS = 256;
    /** Largest accepted number of requests in flight. */
    public static final int MAX_CONCURRENT_REQUESTS = 65536;

    public ServerSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(apiKey, "apiKey");
        prompts = Map.copyOf(Objects.requireNonNull(prompts, "prompts"));
        inRange("port", port, 0, 65535);
        inRange("maxBatchTokens", maxBatchTokens, 1, MAX_BATCH_TOKENS);
        inRange("maxBatchRequests", maxBatchRequests, 1, MAX_CONCURRENT_REQUESTS);
        inRange("batchWorkers", batchWorkers, 1, MAX_BATCH_WORKERS);
        inRange("maxClientBatchSize", maxClientBatchSize, 1, MAX_CLIENT_BATCH_SIZE);
        inRange("maxConcurrentRequests", maxConcurrentRequests, 1, MAX_CONCURRENT_REQUESTS);
        inRange("payloadLimit", payloadLimit, 1, MAX_PAYLOAD_LIMIT);
    }

    /**
     * Loopback, port 8080, no key, 512 tokens per model call, up to 512 requests merged, one batch
     * worker per core, 32 inputs per request, 512 requests in flight, no truncation unless asked,
     * 2,000,000-byte bodies, no prompts.
     */
    public static ServerSettings defaults() {
        return new ServerSettings("127.0.0.1", 8080, "", 512, 512, Runtime.getRuntime().availableProcessors(), 32, 512, false,
                2_000_000, Map.of());
    }

    public ServerSettings withHost(String value) {
        return new ServerSettings(value, port, apiKey, maxBatchTokens, maxBatchRequests, batchWorkers, maxClientBatchSize,
                maxConcurrentRequests, autoTruncate, payloadLimit, prompts);
    }

    public ServerSettings withPort(int value) {
        return new ServerSettings(host, value, apiKey, maxBatchTokens, maxBatchRequests, batchWorkers, maxClientBatchSize,
                maxConcurrentRequests, autoTruncate, payloadLimit, prompts);
    }

    public ServerSettings withApiKey(String value) {
        return new ServerSettings(host, port, value, maxBatchTokens, maxBatchRequests, batchWorkers, maxClientBatchSize,
                maxConcurrentRequests, autoTruncate, payloadLimit, prompts);
    }

    public ServerSettings withMaxBatchTokens(int value) {
        return new ServerSettings(host, port, apiKey, value, maxBatchRequests, batchWorkers, maxClientBatchSize,
                maxConcurrentRequests, autoTruncate, payloadLimit, prompts);
    }

    public ServerSettings withMaxBatchRequests(int value) {
        return new ServerSettings(host, port, apiKey, maxBatchTokens, value, batchWorkers, maxClientBatchSize,
                maxConcurrentRequests, autoTruncate, payloadLimit, prompts);
    }

    public ServerSettings withBatchWorkers(int value) {
        return new ServerSettings(host, port, apiKey, maxBatchTokens, maxBatchRequests, value, maxClientBatchSize,
                maxConcurrentRequests, autoTruncate, payloadLimit, prompts);
    }

    public ServerSettings withMaxClientBatchSize(int value) {
        return new ServerSettings(host, port, apiKey, maxBatchTokens, maxBatchRequests, batchWorkers, value,
                maxConcurrentRequests, autoTruncate, payloadLimit, prompts);
    }

    public ServerSettings withMaxConcurrentRequests(int value) {
        return new ServerSettings(host, port, apiKey, maxBatchTokens, maxBatchRequests, batchWorkers, maxClientBatchSize,
                value, autoTruncate, payloadLimit, prompts);
    }

    public ServerSettings withAutoTruncate(boolean value) {
        return new ServerSettings(host, port, apiKey, maxBatchTokens, maxBatchRequests, batchWorkers, maxClientBatchSize,
                maxConcurrentRequests, value, payloadLimit, prompts);
    }

    public ServerSettings withPayloadLimit(int value) {
        return new ServerSettings(host, port, apiKey, maxBatchTokens, maxBatchRequests, batchWorkers, maxClientBatchSize,
                maxConcurrentRequests, autoTruncate, value, prompts);
    }

    public ServerSettings withPrompts(Map<String, String> value) {
        return new ServerSettings(host, port, apiKey, maxBatchTokens, maxBatchRequests, batchWorkers, maxClientBatchSize,
                maxConcurrentRequests, autoTruncate, payloadLimit, value);
    }

    private static void inRange(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + value);
        }
    }
}
