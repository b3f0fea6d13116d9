package dev.tersor.bench.suite;

import dev.tersor.bench.MatrixCases;
import dev.tersor.bench.RefusingFormat;
import dev.tersor.bench.Variant;
import dev.tersor.format.MatrixFormats;
import dev.tersor.kernels.Kernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SuitePlanTest {

    private static final List<BenchSuite> SUITES = List.of(new MatrixSuite());

    private static List<String> variantsOf(SuitePlan plan) {
        List<String> variants = new ArrayList<>();
        for (JmhRun run : plan.runs()) {
            if (run.benchmark().equals(MatrixSuite.MATVEC)) {
                run.values("variant").stream().filter(v -> !variants.contains(v)).forEach(variants::add);
            }
        }
        return variants;
    }

    @Test
    void everyRegisteredFormatAndAvailableProviderJoinsThePlan() {
        Environment environment = Environment.current();
        assertThat(environment.formats()).isEqualTo(MatrixFormats.names()).contains(RefusingFormat.NAME, "csr", "cser");
        assertThat(environment.providers()).isEqualTo(Kernels.available().stream().map(Kernels::name).toList());

        SuitePlan full = SuitePlan.of(Preset.FULL, SUITES, environment);
        List<String> expected = new ArrayList<>(List.of(Variant.OPENBLAS));
        for (String format : MatrixFormats.names()) {
            for (Kernels kernels : Kernels.available()) {
                expected.add(format + "/" + kernels.name());
            }
        }
        assertThat(variantsOf(full)).containsExactlyElementsOf(expected);
        JmhRun matrix = full.runs().stream().filter(r -> r.benchmark().equals(MatrixSuite.MATVEC)).findFirst().orElseThrow();
        assertThat(matrix.values("matrix")).containsExactlyElementsOf(MatrixCases.ids());
        assertThat(matrix.values("batch")).containsExactly("1", "8", "32");
        assertThat(matrix.values("threads")).containsExactly("1", "2");
        assertThat(full.runs().getFirst().benchmark()).isEqualTo(MatrixSuite.BANDWIDTH);
        assertThat(full.trials()).isEqualTo(2 + (long) MatrixCases.ids().size() * expected.size() * 6);

        SuitePlan quick = SuitePlan.of(Preset.QUICK, SUITES, environment);
        assertThat(variantsOf(quick)).contains(Variant.OPENBLAS, "cser/vector", RefusingFormat.NAME + "/vector")
                .noneMatch(v -> v.endsWith("/scalar"));
        assertThat(quick.estimatedSeconds()).isPositive().isLessThan(full.estimatedSeconds());
    }

    @Test
    void scalarStaysInTheQuickPlanWhenItIsTheOnlyProvider() {
        Environment scalarOnly = new Environment(List.of("csr", "cer"), List.of("scalar"));
        SuitePlan quick = SuitePlan.of(Preset.QUICK, SUITES, scalarOnly);
        assertThat(variantsOf(quick)).containsExactly(Variant.OPENBLAS, "csr/scalar", "cer/scalar");
    }

    @Test
    void plansRoundTripThroughJson(@TempDir Path dir) {
        SuitePlan plan = SuitePlan.of(Preset.SMOKE, SUITES, Environment.current()).withRounds(3);
        plan.write(dir.resolve("plan.json"));
        SuitePlan read = SuitePlan.read(dir.resolve("plan.json"));
        assertThat(read).isEqualTo(plan);
        assertThat(read.trials()).isEqualTo(3 * plan.runs().stream().mapToLong(JmhRun::trials).sum());
    }

    @Test
    void runsCountTheirTrialsAndRejectEmptyParameters() {
        JmhRun run = MatrixSuite.matvec("x", List.of("a", "b"), List.of("openblas", "csr/scalar", "cer/scalar"),
                List.of(1, 8), List.of(1));
        assertThat(run.trials()).isEqualTo(12);
        assertThat(run.params().keySet()).containsExactly("matrix", "batch", "threads", "variant");
        assertThatThrownBy(() -> MatrixSuite.matvec("x", List.of(), List.of("openblas"), List.of(1), List.of(1)))
                .hasMessageContaining("parameter matrix has no values");
        assertThatThrownBy(() -> run.values("nothing")).hasMessageContaining("no parameter nothing");
        assertThatThrownBy(() -> new SuitePlan("p", List.of(), List.of(run), new Iterations(1, 1, 1, 1, 1), 0, "1g"))
                .hasMessageContaining("rounds");
    }

    @Test
    void machineSizesParse() {
        assertThat(MachineInfo.parseSize("32768K")).isEqualTo(32L << 20);
        assertThat(MachineInfo.parseSize("2M")).isEqualTo(2L << 20);
        assertThat(MachineInfo.parseSize("512")).isEqualTo(512);
        assertThat(MachineInfo.lastLevelCache()).isNotNegative();
    }
}
