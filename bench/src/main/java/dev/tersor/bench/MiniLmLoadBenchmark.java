package dev.tersor.bench;

import dev.tersor.bench.model.FormUnavailableException;
import dev.tersor.bench.model.LoadedForm;
import dev.tersor.bench.model.ModelForm;
import dev.tersor.bench.model.ModelTrialLog;
import dev.tersor.bench.model.ModelTrialRecord;
import dev.tersor.bench.model.PreparedModels;
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
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Time to a usable all-MiniLM-L6-v2 in each {@link ModelForm}: mapping its {@code .tsr} (checksums,
 * layouts, graph) for Tersor, creating a session from the ONNX file for ONNX Runtime (graph
 * optimizations included). One load per operation, closed again; the file cache is warm for all.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 10)
@Fork(value = 1, jvmArgs = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g",
        "-XX:+UseSerialGC", "-Xmn16m"})
public class MiniLmLoadBenchmark {

    @Param({"tersor-fp32", "ort-fp32"})
    public String form;

    private ModelForm f;
    private Path file;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        f = ModelForm.of(form);
        Path dir = PreparedModels.dirFromProperty();
        try {
            file = PreparedModels.read(dir).file(f, dir);
        } catch (FormUnavailableException e) {
            ModelTrialLog.append(new ModelTrialRecord(MiniLmLoadBenchmark.class.getSimpleName(), form, "", 1, TrialRecord.SKIPPED,
                    e.getMessage(), 0, -1, "", Double.NaN, -1, -1, -1, -1));
            throw e;
        }
        ModelTrialLog.append(new ModelTrialRecord(MiniLmLoadBenchmark.class.getSimpleName(), form, "", 1, TrialRecord.OK, "",
                Files.size(file), -1, "", Double.NaN, -1, -1, -1, -1));
    }

    @Benchmark
    public long load() throws IOException {
        return LoadedForm.loadAndClose(f, file);
    }
}
