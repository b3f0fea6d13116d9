package dev.tersor.model;

import dev.tersor.format.ElementType;
import dev.tersor.format.Execution;
import dev.tersor.format.FormatCostModel;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.MatrixStatistics;
import dev.tersor.graph.Attributes;
import dev.tersor.graph.Node;
import dev.tersor.graph.Tensor;
import dev.tersor.graph.ValueInfo;
import dev.tersor.graph.compile.GraphCompiler;
import dev.tersor.graph.compile.MutableGraph;
import dev.tersor.graph.compile.WeightEncoder;
import dev.tersor.graph.ops.BindContext;
import dev.tersor.kernels.tensor.TensorKernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Storage against execution (Decision 11): a model stored entropy-coded runs, after transcoding at
 * load, in the layout the policy picks, with the same outputs; tables stay as stored.
 */
class ExecutionPolicyTest {

    static final BindContext FOLDING = new BindContext() {
        @Override
        public dev.tersor.format.WeightMatrix weight(String name) {
            throw new IllegalStateException(name);
        }

        @Override
        public MemorySegment denseWeight(String name) {
            throw new IllegalStateException(name);
        }

        @Override
        public Execution execution() {
            return Execution.defaults();
        }

        @Override
        public TensorKernels kernels() {
            return TensorKernels.preferred();
        }
    };

    /** Quantized values on a 1/8 grid, 60 % zeros: what a compressed layer looks like. */
    static Tensor quantized(SplittableRandom random, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextInt(10) < 6 ? 0 : random.nextInt(-4, 5) * 0.125f;
        }
        return Tensor.of(v, rows, cols);
    }

    /** ids → Gather(table[60, 32]) → MatMul(w[32, 48]) → MatMul(w2[48, 32]), stored in HAM, saved as .tsr. */
    static Path storedInHam(Path dir) throws Exception {
        SplittableRandom random = new SplittableRandom(5);
        MutableGraph g = new MutableGraph();
        g.addInput(new ValueInfo("ids", ElementType.I64, new int[]{1, -1}));
        g.addOutput("y");
        g.addConstant("table", quantized(random, 60, 32));
        g.addConstant("w", quantized(random, 32, 48));
        g.addConstant("w2", quantized(random, 48, 32));
        g.addNode(new Node("lookup", "Gather", List.of("table", "ids"), List.of("h"), Attributes.NONE));
        g.addNode(new Node("mm", "MatMul", List.of("h", "w"), List.of("h2"), Attributes.NONE));
        g.addNode(new Node("mm2", "MatMul", List.of("h2", "w2"), List.of("y"), Attributes.NONE));
        Path file = dir.resolve("ham.tsr");
        try (Model m = Model.of(GraphCompiler.compile(g, WeightEncoder.of(MatrixFormats.named("ham")), FOLDING),
                Execution.defaults())) {
            assertThat(m.graph().weights().values()).allMatch(w -> w.formatName().equals("ham"));
            m.save(file);
        }
        return file;
    }

    static final Map<String, Tensor> INPUT = Map.of("ids", Tensor.ofLongs(new long[]{3, 59, 0, 17, 17, 42}, 1, 6));

    @Test
    void fastestTranscodesProductWeightsAndKeepsTables(@TempDir Path dir) throws Exception {
        Path file = storedInHam(dir);
        try (Model stored = Model.load(file, Execution.defaults(), ExecutionPolicy.STORED);
             Model fastest = Model.load(file, Execution.defaults(), ExecutionPolicy.FASTEST)) {
            assertThat(stored.placements()).allMatch(p -> p.residentFormat().equals("ham") && p.storedFormat().equals("ham"));
            Map<String, Model.WeightPlacement> placed = new java.util.HashMap<>();
            fastest.placements().forEach(p -> placed.put(p.weight(), p));
            assertThat(placed.get("table").residentFormat()).isEqualTo("ham");
            FormatCostModel rule = FormatCostModel.ruleOfThumb();
            for (String name : List.of("w", "w2")) {
                Model.WeightPlacement p = placed.get(name);
                assertThat(p.storedFormat()).isEqualTo("ham");
                assertThat(p.residentFormat()).isIn("dense", "csr", "cser", "q8");
                assertThat(fastest.graph().weights().get(name).formatName()).isEqualTo(p.residentFormat());
                MatrixStatistics s = MatrixStatistics.of(stored.graph().weights().get(name));
                for (String other : List.of("ham", "dense", "csr", "cser", "q8")) {
                    assertThat(rule.cost(MatrixFormats.named(p.residentFormat()), s)).isLessThanOrEqualTo(rule.cost(MatrixFormats.named(other), s));
                }
                // Lossless: the transcoded matrix holds the same values.
                assertThat(fastest.graph().weights().get(name).toDense()).containsExactly(stored.graph().weights().get(name).toDense());
            }
            assertThat(fastest.storedWeightBytes()).isEqualTo(stored.weightBytes());
            assertThat(fastest.weightBytes()).isGreaterThan(stored.weightBytes());
            float[] a = stored.run(INPUT).get("y").toFloatArray();
            float[] b = fastest.run(INPUT).get("y").toFloatArray();
            // q8 layers run on int8 activations: within a few quantization steps, not float rounding
            boolean int8 = fastest.placements().stream().anyMatch(p -> p.residentFormat().equals("q8"));
            float largest = 0;
            for (float v : a) {
                largest = Math.max(largest, Math.abs(v));
            }
            for (int i = 0; i < a.length; i++) {
                float tolerance = int8 ? 0.03f * largest : 1e-5f * Math.max(1, Math.abs(a[i]));
                assertThat(b[i]).isCloseTo(a[i], within(tolerance));
            }
        }
    }

    @Test
    void budgetBoundsTheResidentBytes(@TempDir Path dir) throws Exception {
        Path file = storedInHam(dir);
        try (Model stored = Model.load(file);
             Model none = Model.load(file, Execution.defaults(), ExecutionPolicy.budget(stored.weightBytes()));
             Model all = Model.load(file, Execution.defaults(), ExecutionPolicy.budget(1L << 40));
             Model fastest = Model.load(file, Execution.defaults(), ExecutionPolicy.FASTEST)) {
            assertThat(none.weightBytes()).isEqualTo(stored.weightBytes());
            assertThat(none.placements()).allMatch(p -> p.residentFormat().equals(p.storedFormat()));
            assertThat(all.placements()).isEqualTo(fastest.placements());
            // A budget between the two admits some of the transcodings, never more bytes than it allows.
            long middle = (stored.weightBytes() + fastest.weightBytes()) / 2;
            try (Model some = Model.load(file, Execution.defaults(), ExecutionPolicy.budget(middle))) {
                assertThat(some.weightBytes()).isLessThanOrEqualTo(middle);
                assertThat(some.placements()).anyMatch(p -> !p.residentFormat().equals(p.storedFormat()));
            }
        }
    }

    @Test
    void aCostModelPlugsIn(@TempDir Path dir) throws Exception {
        Path file = storedInHam(dir);
        FormatCostModel csrAlways = (format, stats) -> format.name().equals("csr") ? 1 : 2;
        try (Model m = Model.load(file, Execution.defaults(), ExecutionPolicy.FASTEST, csrAlways)) {
            assertThat(m.graph().weights().get("w").formatName()).isEqualTo("csr");
            assertThat(m.graph().weights().get("w2").formatName()).isEqualTo("csr");
            assertThat(m.graph().weights().get("table").formatName()).isEqualTo("ham");
        }
    }

    @Test
    void parsesPolicies() {
        assertThat(ExecutionPolicy.parse("stored")).isEqualTo(ExecutionPolicy.STORED);
        assertThat(ExecutionPolicy.parse(" FASTEST ")).isEqualTo(ExecutionPolicy.FASTEST);
        assertThat(ExecutionPolicy.parse("budget:12.5")).isEqualTo(ExecutionPolicy.budget(12_500_000));
        for (String bad : List.of("", "fast", "budget:", "budget:-1", "budget:x", "budget:1e13")) {
            assertThatThrownBy(() -> ExecutionPolicy.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
