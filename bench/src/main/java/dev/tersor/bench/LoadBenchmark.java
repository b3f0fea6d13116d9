package dev.tersor.bench;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.tersor.model.Model;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Time to a usable all-MiniLM-L6-v2: loading its {@code .tsr} (map, check every checksum and layout,
 * build the graph) against creating an ONNX Runtime session from the ONNX file. The {@code .tsr} is
 * imported once per trial into a temporary file; the file cache is warm for both.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 20)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class LoadBenchmark {

    Path onnx;
    Path tsr;
    OrtEnvironment env;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        onnx = ModelBenchmark.miniLm();
        tsr = Files.createTempFile("minilm", ".tsr");
        try (Model model = Model.load(onnx)) {
            model.save(tsr);
        }
        env = OrtEnvironment.getEnvironment();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        Files.deleteIfExists(tsr);
    }

    @Benchmark
    public int loadTsr() throws IOException {
        try (Model model = Model.load(tsr)) {
            return model.graph().weights().size();
        }
    }

    @Benchmark
    public long createOrtSession() throws OrtException {
        try (OrtSession.SessionOptions options = ModelBenchmark.ortOptions();
             OrtSession session = env.createSession(onnx.toString(), options)) {
            return session.getNumInputs();
        }
    }
}
