package dev.tersor.graph;

import dev.tersor.format.ElementType;
import dev.tersor.format.Execution;
import dev.tersor.format.Layout;
import dev.tersor.format.LayoutEdits;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixFormats;
import dev.tersor.graph.compile.GraphCompiler;
import dev.tersor.graph.compile.MutableGraph;
import dev.tersor.graph.compile.WeightEncoder;
import dev.tersor.format.ham.HamMatrix;
import dev.tersor.model.Model;
import dev.tersor.model.TsrFile;
import dev.tersor.model.TsrFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An embedding table stored in any format: Gather(table, ids) compiles to an Embedding node over the
 * compressed matrix, which looks rows up one at a time, and its output is bit-identical to the dense
 * table's, before and after a .tsr round trip.
 */
class CompressedEmbeddingTest {

    static final int VOCAB = 517;
    static final int DIM = 40;

    static Model compile(MatrixFormat format, float[] table) {
        MutableGraph g = new MutableGraph();
        g.addInput(new ValueInfo("ids", ElementType.I64, new int[]{-1, -1}));
        g.addOutput("y");
        g.addConstant("table", Tensor.of(table, VOCAB, DIM));
        g.addNode(new Node("lookup", "Gather", List.of("table", "ids"), List.of("y"), Attributes.NONE));
        return Model.of(GraphCompiler.compile(g, WeightEncoder.of(format), CompilerTest.FOLDING), Execution.defaults());
    }

    /** A quantized table with a peaked value distribution (mostly zeros, a few levels), as after compression. */
    static float[] table() {
        SplittableRandom random = new SplittableRandom(42);
        float[] t = new float[VOCAB * DIM];
        for (int i = 0; i < t.length; i++) {
            int level = random.nextInt(10) < 6 ? 0 : random.nextInt(-4, 5);
            t[i] = level * 0.125f;
        }
        return t;
    }

    @Test
    void everyFormatGathersTheDenseRows(@TempDir Path dir) throws Exception {
        float[] table = table();
        long[] ids = {0, 516, 3, 3, -1, 200, 17, -517, 499, 1, 64, 65};
        Map<String, Tensor> in = Map.of("ids", Tensor.ofLongs(ids, 3, 4));
        Tensor expected;
        try (Model dense = compile(MatrixFormats.named("dense"), table)) {
            expected = dense.run(in).get("y");
        }
        assertThat(expected.shape()).containsExactly(3, 4, DIM);
        float[] e = expected.toFloatArray();
        for (int k = 0; k < ids.length; k++) {
            int row = (int) (ids[k] < 0 ? ids[k] + VOCAB : ids[k]);
            for (int d = 0; d < DIM; d++) {
                assertThat(e[k * DIM + d]).isEqualTo(table[row * DIM + d]);
            }
        }
        for (MatrixFormat format : MatrixFormats.all()) {
            try (Model m = compile(format, table)) {
                assertThat(m.graph().nodes()).extracting(Node::op).containsExactly("Embedding");
                assertThat(m.graph().weights().get("table").formatName()).isEqualTo(format.name());
                assertThat(m.run(in).get("y").contentEquals(expected)).as(format.name()).isTrue();
                Path file = dir.resolve(format.name() + ".tsr");
                m.save(file);
                try (Model loaded = Model.load(file)) {
                    assertThat(loaded.run(in).get("y").contentEquals(expected)).as(format.name() + " from .tsr").isTrue();
                }
                assertThatThrownBy(() -> m.run(Map.of("ids", Tensor.ofLongs(new long[]{VOCAB}, 1, 1))))
                        .isInstanceOf(InvalidModelException.class).hasMessageContaining("out of range");
            }
        }
    }

    /**
     * A Huffman-coded table the graph only gathers is read without the pass over all its codewords:
     * a row whose codewords disagree with its stored length (written with valid checksums) still
     * loads, fails with a typed error naming the table where a sentence uses it, leaves the other
     * rows usable, and fails {@code TsrFile.verify}, which checks everything.
     */
    @Test
    void aBrokenRowOfAGatheredTableFailsWhereItIsUsed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("broken.tsr");
        Map<String, Tensor> good = Map.of("ids", Tensor.ofLongs(new long[]{3, 4, 9}, 1, 3));
        Map<String, Tensor> bad = Map.of("ids", Tensor.ofLongs(new long[]{3, 5}, 1, 2));
        Tensor expected;
        try (Model ham = compile(MatrixFormats.named("ham"), table())) {
            expected = ham.run(good).get("y");
            Graph g = ham.graph();
            Layout layout = g.weights().get("table").layout();
            // one bit moved from row 6's length to row 5's: row 5's codewords no longer end where row 6 starts
            long[] lengths = LayoutEdits.values(layout.array("rowLength"));
            lengths[5]++;
            lengths[6]--;
            Layout broken = LayoutEdits.withArray(layout, "rowLength",
                    LayoutEdits.indices(layout.array("rowLength").type().indexWidth(), lengths));
            Graph withBroken = new Graph(g.inputs(), g.outputs(), g.nodes(), g.constants(),
                    Map.of("table", HamMatrix.forGathering(broken, null)));
            try (Model model = Model.of(withBroken, Execution.defaults())) {
                model.save(file);
            }
        }
        try (Model loaded = Model.load(file)) {
            assertThat(loaded.run(good).get("y").contentEquals(expected)).isTrue();
            assertThatThrownBy(() -> loaded.run(bad)).isInstanceOf(InvalidModelException.class)
                    .hasMessageContaining("embedding table 'table'").hasMessageContaining("row 5's");
            assertThat(loaded.run(good).get("y").contentEquals(expected)).isTrue();
        }
        assertThatThrownBy(() -> TsrFile.verify(file)).isInstanceOf(TsrFormatException.class)
                .hasMessageContaining("weight table").hasMessageContaining("row 5's");
    }

    @Test
    void compressedTablesAreSmallerThanDense() {
        float[] table = table();
        try (Model dense = compile(MatrixFormats.named("dense"), table);
             Model cser = compile(MatrixFormats.named("cser"), table)) {
            assertThat(cser.weightBytes()).isLessThan(dense.weightBytes() / 3);
        }
    }
}
