package dev.tersor.bench.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ONNX Runtime on an ONNX file, threads matched to Tersor's: {@code threads} intra-op threads, one
 * inter-op thread, sequential execution, every graph optimization.
 */
final class OrtForm implements LoadedForm {

    private final OrtSession session;
    private final Map<String, OnnxTensor> inputs;
    private final ModelWorkload workload;

    private OrtForm(OrtSession session, Map<String, OnnxTensor> inputs, ModelWorkload workload) {
        this.session = session;
        this.inputs = inputs;
        this.workload = workload;
    }

    /**
     * A session bound to {@code workload}. {@code spinning}: whether idle intra-op threads spin (ONNX
     * Runtime's default, right when it has the process to itself, as in the JMH suite); in a JVM that
     * alternates it with Tersor, spinning threads hold the cores Tersor's workers need, which slowed
     * Tersor's two-thread passes 2-2.3x in `bench model`.
     */
    static OrtForm open(Path onnx, ModelWorkload workload, int threads, boolean spinning) {
        OrtSession session;
        try {
            session = createSession(onnx, threads, spinning);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot load " + onnx + ": " + e.getMessage(), e);
        }
        return bind(session, workload);
    }

    /** The session with {@code workload}'s tensors for the inputs it declares; closes the session if that fails. */
    private static OrtForm bind(OrtSession session, ModelWorkload workload) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] shape = {workload.batch(), workload.tokens()};
        Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
        try {
            for (String name : session.getInputNames()) {
                inputs.put(name, OnnxTensor.createTensor(env, LongBuffer.wrap(workload.input(name)), shape));
            }
            return new OrtForm(session, Map.copyOf(inputs), workload);
        } catch (OrtException | RuntimeException e) {
            inputs.values().forEach(OnnxTensor::close);
            closeSession(session);
            throw e instanceof OrtException ? new IllegalStateException("ONNX Runtime cannot take the inputs: "
                    + e.getMessage(), e) : (RuntimeException) e;
        }
    }

    /** Loads ONNX Runtime's native library and creates its environment: once per process, before any session. */
    static void initialize() {
        OrtEnvironment.getEnvironment();
    }

    /** A session as the suite configures it; the caller closes it. Also what the load benchmark times. */
    static OrtSession createSession(Path onnx, int threads, boolean spinning) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.addConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            return OrtEnvironment.getEnvironment().createSession(onnx.toString(), options);
        }
    }

    /** Creates and closes one session: the unit of the load benchmark. */
    static long timeOneLoad(Path onnx, int threads) {
        try (OrtSession session = createSession(onnx, threads, true)) {
            return session.getNumInputs();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot load " + onnx + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Object run() {
        try (OrtSession.Result result = session.run(inputs)) {
            return ((OnnxTensor) result.get(0)).getFloatBuffer().get(0);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    @Override
    public float[][] pooled() {
        try (OrtSession.Result result = session.run(inputs)) {
            OnnxTensor hidden = (OnnxTensor) result.get("last_hidden_state")
                    .orElseThrow(() -> new IllegalStateException("the model has no output last_hidden_state"));
            java.nio.FloatBuffer values = hidden.getFloatBuffer();
            float[] all = new float[values.remaining()];
            values.get(all);
            return Pooling.mean(all, workload.batch(), workload.tokens());
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    @Override
    public long weightBytes() {
        return -1;
    }

    @Override
    public LoadedForm rebind(ModelWorkload next) {
        inputs.values().forEach(OnnxTensor::close);
        return bind(session, next);
    }

    @Override
    public void close() {
        inputs.values().forEach(OnnxTensor::close);
        closeSession(session);
    }

    private static void closeSession(OrtSession session) {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("cannot close the ONNX Runtime session: " + e.getMessage(), e);
        }
    }
}
