package dev.tersor.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.tersor.format.Execution;
import dev.tersor.graph.Tensor;
import dev.tersor.kernels.Kernels;
import dev.tersor.model.Model;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * all-MiniLM-L6-v2 fp32 at batch 1, side by side: Tersor (dense weights, one thread, with the native
 * and with the Vector API weight kernels) against ONNX Runtime (one intra-op thread, sequential, all
 * graph optimizations), on the same token ids. The ONNX Runtime score does not depend on the
 * {@code kernels} parameter; it is measured once per value anyway, which shows the noise.
 * The model comes from the build's model cache ({@code -Dtersor.models.dir}, default
 * {@code .cache/models}, filled by {@code mvn -pl runtime -am verify}).
 *
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *      -jar bench/target/tersor-bench.jar ModelBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dtersor.threads=1"})
public class ModelBenchmark {

    @Param({"11", "128"})
    int tokens;

    /** Tersor's weight-product provider: the native one is preferred by default, the Vector API one is the Java path. */
    @Param({"native", "vector"})
    String kernels;

    Model tersor;
    OrtEnvironment env;
    OrtSession ort;
    Map<String, Tensor> inputs;
    Map<String, OnnxTensor> ortInputs;

    static Path modelsDir() {
        return Path.of(System.getProperty("tersor.models.dir", ".cache/models"));
    }

    static Path miniLm() {
        Path path = modelsDir().resolve("all-minilm-l6-v2/all-minilm-l6-v2.onnx");
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException(path + " is missing: run mvn -pl runtime -am verify first, or set "
                    + "-Dtersor.models.dir");
        }
        return path;
    }

    static OrtSession.SessionOptions ortOptions() throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return options;
    }

    /** {@code [CLS] w … w [SEP]} with ordinary word ids, all attended, one segment. */
    static long[][] tokens(int n) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 2000 + (i * 7919L) % 20000;
        }
        ids[0] = 101;
        ids[n - 1] = 102;
        long[] mask = new long[n];
        Arrays.fill(mask, 1);
        return new long[][]{ids, mask, new long[n]};
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        tersor = Model.load(miniLm(), Execution.defaults().withKernels(Kernels.named(kernels)));
        env = OrtEnvironment.getEnvironment();
        ort = env.createSession(miniLm().toString(), ortOptions());
        long[][] t = tokens(tokens);
        String[] names = {"input_ids", "attention_mask", "token_type_ids"};
        inputs = Map.of(names[0], Tensor.ofLongs(t[0], 1, tokens), names[1], Tensor.ofLongs(t[1], 1, tokens),
                names[2], Tensor.ofLongs(t[2], 1, tokens));
        ortInputs = Map.of(names[0], OnnxTensor.createTensor(env, LongBuffer.wrap(t[0]), new long[]{1, tokens}),
                names[1], OnnxTensor.createTensor(env, LongBuffer.wrap(t[1]), new long[]{1, tokens}),
                names[2], OnnxTensor.createTensor(env, LongBuffer.wrap(t[2]), new long[]{1, tokens}));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        tersor.close();
        for (OnnxTensor t : ortInputs.values()) {
            t.close();
        }
        ort.close();
    }

    @Benchmark
    public Map<String, Tensor> tersor() {
        return tersor.run(inputs);
    }

    @Benchmark
    public float onnxRuntime() throws OrtException {
        try (OrtSession.Result result = ort.run(ortInputs)) {
            return ((OnnxTensor) result.get(0)).getFloatBuffer().get(0);
        }
    }
}
