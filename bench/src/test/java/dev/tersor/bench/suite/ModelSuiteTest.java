package dev.tersor.bench.suite;

import dev.tersor.bench.RefusingFormat;
import dev.tersor.bench.model.ModelForm;
import dev.tersor.bench.model.ModelWorkload;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ModelSuiteTest {

    @Test
    void quickAndFullCoverEveryFormWorkloadAndThreadCountAndLoadTime() {
        for (Preset preset : List.of(Preset.QUICK, Preset.FULL)) {
            List<JmhRun> runs = new ModelSuite().runs(preset, Environment.current());
            assertThat(runs.getFirst().benchmark()).isEqualTo(ModelSuite.LOAD);
            assertThat(runs.getFirst().values("form")).containsExactlyElementsOf(ModelForm.ids());
            Set<String> points = new HashSet<>();
            for (JmhRun run : runs.subList(1, runs.size())) {
                assertThat(run.benchmark()).isEqualTo(ModelSuite.LATENCY);
                // every form in each run, so they run back to back on the same workload and threads
                assertThat(run.values("form")).containsExactlyElementsOf(ModelForm.ids());
                for (String w : run.values("workload")) {
                    for (String t : run.values("threads")) {
                        points.add(w + " T=" + t);
                    }
                }
            }
            assertThat(points).containsExactlyInAnyOrder("b1-t11 T=1", "b1-t128 T=1", "b32-t11 T=1", "b1-t11 T=2",
                    "b1-t128 T=2", "b32-t11 T=2");
            assertThat(ModelSuite.workloads(runs)).containsExactlyInAnyOrderElementsOf(ModelWorkload.ALL);
        }
        List<JmhRun> smoke = new ModelSuite().runs(Preset.SMOKE, Environment.current());
        assertThat(ModelSuite.workloads(smoke)).containsExactly(ModelWorkload.SHORT);
    }

    @Test
    void quickPlanOfBothSuitesStaysWithinTenMinutesAndCountsThePreparation() {
        // the formats a real build registers: the test class path adds one that refuses every matrix
        Environment current = Environment.current();
        Environment real = new Environment(current.formats().stream().filter(f -> !f.equals(RefusingFormat.NAME)).toList(),
                current.providers());
        List<BenchSuite> both = List.of(new MatrixSuite(), new ModelSuite());
        SuitePlan quick = SuitePlan.of(Preset.QUICK, both, real);
        assertThat(quick.suites()).containsExactly(MatrixSuite.NAME, ModelSuite.NAME);
        assertThat(quick.estimatedSeconds()).isLessThanOrEqualTo(600);
        SuitePlan matrixOnly = SuitePlan.of(Preset.QUICK, List.of(new MatrixSuite()), real);
        SuitePlan modelOnly = SuitePlan.of(Preset.QUICK, List.of(new ModelSuite()), real);
        assertThat(modelOnly.estimatedSeconds()).isGreaterThan(SuitePlan.PREPARE_SECONDS);
        assertThat(quick.estimatedSeconds()).isCloseTo(matrixOnly.estimatedSeconds() + modelOnly.estimatedSeconds(),
                org.assertj.core.data.Offset.offset(1e-6));
    }
}
