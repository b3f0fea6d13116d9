package dev.tersor.bench.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.tersor.embed.TokenBatch;
import dev.tersor.embed.Tokenizer;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Sentence embeddings from ONNX Runtime, computed the way Tersor's {@code Embedder} computes them
 * with its default options (Tersor's tokenizer, mean pooling over the attended tokens, unit L2
 * norm), one text per session run: what the demo sets beside Tersor's rows. The session is
 * configured as in the benchmarks ({@link OrtForm#createSession}).
 */
public final class OrtEmbedder implements AutoCloseable {

    private final OrtSession session;
    private final Tokenizer tokenizer;

    private OrtEmbedder(OrtSession session, Tokenizer tokenizer) {
        this.session = session;
        this.tokenizer = tokenizer;
    }

    /** ONNX Runtime on {@code onnx} with {@code threads} intra-op threads; the tokenizer stays the caller's. */
    public static OrtEmbedder open(Path onnx, Tokenizer tokenizer, int threads) {
        Objects.requireNonNull(tokenizer, "tokenizer");
        try {
            return new OrtEmbedder(OrtForm.createSession(onnx, threads, true), tokenizer);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot load " + onnx + ": " + e.getMessage(), e);
        }
    }

    /** Whether ONNX Runtime's classes can be loaded (the CLI finds its jar beside its own). */
    public static boolean available() {
        return ModelHarness.onnxRuntimeAvailable();
    }

    /** The unit-length mean-pooled embedding of one text. */
    public float[] embed(String text) {
        TokenBatch batch = tokenizer.encode(List.of(text));
        long[] shape = {1, batch.length()};
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            for (String name : session.getInputNames()) {
                long[] values = switch (name) {
                    case "input_ids" -> batch.ids();
                    case "attention_mask" -> batch.attentionMask();
                    case "token_type_ids" -> batch.typeIds();
                    default -> throw new IllegalStateException("the model has an input '" + name
                            + "' a sentence embedder does not fill");
                };
                inputs.put(name, OnnxTensor.createTensor(env, LongBuffer.wrap(values), shape));
            }
            try (OrtSession.Result result = session.run(inputs)) {
                OnnxTensor hidden = (OnnxTensor) result.get("last_hidden_state")
                        .orElseThrow(() -> new IllegalStateException("the model has no output last_hidden_state"));
                FloatBuffer values = hidden.getFloatBuffer();
                float[] all = new float[values.remaining()];
                values.get(all);
                return unit(Pooling.mean(all, 1, batch.length())[0]);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    /** The embeddings of {@code texts}, in order. */
    public float[][] embed(List<String> texts) {
        float[][] vectors = new float[texts.size()][];
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = embed(texts.get(i));
        }
        return vectors;
    }

    private static float[] unit(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        if (norm > 0) {
            float inverse = (float) (1 / Math.sqrt(norm));
            for (int i = 0; i < v.length; i++) {
                v[i] *= inverse;
            }
        }
        return v;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("cannot close the ONNX Runtime session: " + e.getMessage(), e);
        }
    }
}
