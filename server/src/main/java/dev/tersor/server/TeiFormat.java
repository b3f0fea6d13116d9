package dev.tersor.server;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.util.TreeSet;

/** The JSON bodies of text-embeddings-inference's routes: embeddings, {@code /info}, {@code /health} and its error object. */
final class TeiFormat {

    private TeiFormat() {
    }

    /** {@code [[…],[…]]}: one number array per input. */
    static byte[] embeddings(float[][] vectors) {
        return JsonWriter.write(g -> {
            g.writeStartArray();
            for (float[] vector : vectors) {
                writeVector(g, vector);
            }
            g.writeEndArray();
        });
    }

    /** What {@code GET /info} tells: the model, its sizes, and the server's limits. */
    static byte[] info(ServerInfo info) {
        return JsonWriter.write(g -> {
            g.writeStartObject();
            g.writeStringField("model_id", info.modelId());
            g.writeStringField("model_dtype", "float32");
            g.writeObjectFieldStart("model_type");
            g.writeObjectFieldStart("embedding");
            g.writeStringField("pooling", info.pooling());
            g.writeEndObject();
            g.writeEndObject();
            g.writeNumberField("dimension", info.dimension());
            g.writeNumberField("max_input_length", info.maxInputLength());
            ServerSettings s = info.settings();
            g.writeNumberField("max_concurrent_requests", s.maxConcurrentRequests());
            g.writeNumberField("max_batch_tokens", s.maxBatchTokens());
            g.writeNumberField("max_batch_requests", s.maxBatchRequests());
            g.writeNumberField("batch_workers", s.batchWorkers());
            g.writeNumberField("max_client_batch_size", s.maxClientBatchSize());
            g.writeNumberField("payload_limit", s.payloadLimit());
            g.writeBooleanField("auto_truncate", s.autoTruncate());
            g.writeArrayFieldStart("prompts");
            for (String name : new TreeSet<>(s.prompts().keySet())) {
                g.writeString(name);
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** {@code {"status":"ok"}}. */
    static byte[] healthy() {
        return JsonWriter.write(g -> {
            g.writeStartObject();
            g.writeStringField("status", "ok");
            g.writeEndObject();
        });
    }

    /** {@code {"error":…,"error_type":…}}. */
    static byte[] error(ApiException e) {
        return JsonWriter.write(g -> {
            g.writeStartObject();
            g.writeStringField("error", e.getMessage());
            g.writeStringField("error_type", e.kind().teiType());
            g.writeEndObject();
        });
    }

    /** A vector as a JSON number array; each float is written in the shortest form that reads back to it. */
    static void writeVector(JsonGenerator g, float[] vector) throws IOException {
        g.writeStartArray();
        for (float x : vector) {
            g.writeNumber(x);
        }
        g.writeEndArray();
    }
}
