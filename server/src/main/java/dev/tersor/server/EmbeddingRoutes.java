package dev.tersor.server;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * OpenAI's {@code POST /v1/embeddings} and text-embeddings-inference's {@code POST /embed}: admit the
 * request if a slot is free (else 429, before its body is read), read the bounded body, parse it,
 * tokenize it on this thread, wait for the batcher's vectors, and apply the request's own dimensions
 * and normalization.
 */
final class EmbeddingRoutes {

    /** Writes the answer of one API from its request, vectors and tokens per input. */
    @FunctionalInterface
    private interface Answer {
        byte[] write(EmbedRequest request, float[][] vectors, long tokens);
    }

    private final RequestParser parser;
    private final InputTokenizer tokenizer;
    private final Batcher batcher;
    private final Metrics metrics;
    private final Semaphore slots;
    private final int payloadLimit;
    private final int dimension;
    private final String modelId;

    EmbeddingRoutes(RequestParser parser, InputTokenizer tokenizer, Batcher batcher, Metrics metrics, ServerSettings settings,
                    int dimension, String modelId) {
        this.parser = parser;
        this.tokenizer = tokenizer;
        this.batcher = batcher;
        this.metrics = metrics;
        this.slots = new Semaphore(settings.maxConcurrentRequests());
        this.payloadLimit = settings.payloadLimit();
        this.dimension = dimension;
        this.modelId = modelId;
    }

    Reply openAi(HttpExchange exchange) throws IOException {
        return embed(exchange, parser::openAi, (request, vectors, tokens) -> OpenAiFormat.embeddings(vectors,
                request.encodingFormat(), request.model() != null ? request.model() : modelId, tokens));
    }

    Reply tei(HttpExchange exchange) throws IOException {
        return embed(exchange, parser::tei, (request, vectors, tokens) -> TeiFormat.embeddings(vectors));
    }

    private Reply embed(HttpExchange exchange, Function<byte[], EmbedRequest> parse, Answer answer) throws IOException {
        long start = System.nanoTime();
        if (!slots.tryAcquire()) {
            throw new ApiException(ErrorKind.OVERLOADED, null, "the server is answering as many requests as it takes at once; try again later");
        }
        try {
            EmbedRequest request = parse.apply(RequestBody.read(exchange, payloadLimit));
            if (request.dimensions() > dimension) {
                throw new ApiException(ErrorKind.INVALID_REQUEST, "dimensions", "dimensions " + request.dimensions()
                        + " is more than the model's " + dimension);
            }
            List<long[]> sequences = tokenizer.tokenize(request);
            float[][] pooled = await(batcher.submit(sequences));
            float[][] vectors = new float[pooled.length][];
            int[] tokens = new int[pooled.length];
            long total = 0;
            for (int i = 0; i < pooled.length; i++) {
                vectors[i] = Vectors.finish(pooled[i], request.dimensions(), request.normalize());
                tokens[i] = sequences.get(i).length;
                total += tokens[i];
            }
            byte[] body = answer.write(request, vectors, total);
            metrics.requestSucceeded((System.nanoTime() - start) / 1e9, tokens);
            return Reply.json(body);
        } finally {
            slots.release();
        }
    }

    private static float[][] await(CompletableFuture<float[][]> result) {
        try {
            return result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ApiException api) {
                throw api;
            }
            throw new ApiException(ErrorKind.BACKEND, null, "the model failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ErrorKind.UNHEALTHY, null, "the server is shutting down");
        }
    }
}
