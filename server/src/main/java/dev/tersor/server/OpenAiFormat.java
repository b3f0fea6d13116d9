package dev.tersor.server;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/** The JSON bodies of OpenAI's API: an embeddings list, the model list, and its error object. */
final class OpenAiFormat {

    private OpenAiFormat() {
    }

    /**
     * {@code {"object":"list","data":[{"object":"embedding","index":i,"embedding":…}],"model":…,"usage":{…}}},
     * each embedding a number array or base64 of its little-endian float32 bytes.
     */
    static byte[] embeddings(float[][] vectors, EncodingFormat format, String model, long tokens) {
        return JsonWriter.write(g -> {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (int i = 0; i < vectors.length; i++) {
                g.writeStartObject();
                g.writeStringField("object", "embedding");
                g.writeNumberField("index", i);
                g.writeFieldName("embedding");
                if (format == EncodingFormat.BASE64) {
                    g.writeString(base64(vectors[i]));
                } else {
                    TeiFormat.writeVector(g, vectors[i]);
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("model", model);
            g.writeObjectFieldStart("usage");
            g.writeNumberField("prompt_tokens", tokens);
            g.writeNumberField("total_tokens", tokens);
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    /** {@code {"object":"list","data":[{"id":…,"object":"model","created":0,"owned_by":"tersor"}]}}. */
    static byte[] models(String model) {
        return JsonWriter.write(g -> {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            g.writeStartObject();
            g.writeStringField("id", model);
            g.writeStringField("object", "model");
            g.writeNumberField("created", 0);
            g.writeStringField("owned_by", "tersor");
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** {@code {"error":{"message":…,"type":…,"param":…,"code":…}}}; the code is the error kind's metric label. */
    static byte[] error(ApiException e) {
        return JsonWriter.write(g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("message", e.getMessage());
            g.writeStringField("type", e.kind().openAiType());
            g.writeStringField("param", e.param());
            g.writeStringField("code", e.kind().metricLabel());
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    static String base64(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(vector);
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
