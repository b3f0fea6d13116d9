package dev.tersor.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.tersor.graph.Tensor;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** ONNX Runtime as the test oracle: one thread, sequential, all graph optimizations. */
final class OrtRunner implements AutoCloseable {

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    OrtRunner(Path model) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = env.createSession(model.toString(), options);
        }
    }

    Map<String, Tensor> run(Map<String, Tensor> inputs) throws OrtException {
        Map<String, OnnxTensor> ort = new HashMap<>();
        try {
            for (var e : inputs.entrySet()) {
                Tensor t = e.getValue();
                long[] shape = new long[t.rank()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = t.dim(i);
                }
                OnnxTensor value = switch (t.type()) {
                    case F32 -> OnnxTensor.createTensor(env, FloatBuffer.wrap(t.toFloatArray()), shape);
                    case I64 -> OnnxTensor.createTensor(env, LongBuffer.wrap(t.toLongArray()), shape);
                    default -> throw new IllegalArgumentException("unsupported test input type " + t.type());
                };
                ort.put(e.getKey(), value);
            }
            Map<String, Tensor> outputs = new LinkedHashMap<>();
            try (OrtSession.Result result = session.run(ort)) {
                for (var entry : result) {
                    OnnxTensor value = (OnnxTensor) entry.getValue();
                    long[] shape = value.getInfo().getShape();
                    int[] dims = new int[shape.length];
                    for (int i = 0; i < dims.length; i++) {
                        dims[i] = (int) shape[i];
                    }
                    FloatBuffer fb = value.getFloatBuffer();
                    float[] data = new float[fb.remaining()];
                    fb.get(data);
                    outputs.put(entry.getKey(), Tensor.of(data, dims));
                }
            }
            return outputs;
        } finally {
            ort.values().forEach(OnnxTensor::close);
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
