package dev.tersor.format;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every registered format's row carries every fact the rest of the code asks of it, and the facts
 * agree with the format's matrices: the import, compression and load policies, the energy
 * estimate, the CLI and the bench read nothing about a format from anywhere else.
 */
class FormatRowTest {

    /** Levels 0, ±1, 2 with power-of-two row scales: a matrix every format must hold. */
    private static QuantizedMatrix universal() {
        int rows = 5;
        int cols = 9;
        float[] codebook = {0f, 1f, -1f, 2f};
        int[] codes = new int[rows * cols];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = i % 3 == 0 ? 0 : (i * 7) % codebook.length;
        }
        float[] scales = {1f, 0.5f, 2f, 0.25f, 4f};
        return QuantizedMatrix.of(rows, cols, codebook, codes, scales);
    }

    /** Matrices some format may refuse: values that are no integer times a power of two, both zeros, a NaN. */
    private static List<QuantizedMatrix> awkward() {
        return List.of(
                QuantizedMatrix.of(1, 2, new float[] {0f, 0.3f}, new int[] {0, 1}, null),
                QuantizedMatrix.fromDense(DenseMatrixView.of(1, 2, new float[] {0f, -0f})),
                QuantizedMatrix.fromDense(DenseMatrixView.of(1, 2, new float[] {1f, Float.NaN})));
    }

    @Test
    void everyRegisteredFormatHasEveryFact() {
        QuantizedMatrix source = universal();
        for (MatrixFormat format : MatrixFormats.all()) {
            String name = format.name();
            assertThat(format.description()).as(name + " description").isNotBlank();
            assertThat(format.energy()).as(name + " energy class").isNotNull();
            assertThat(format.refusalHint()).as(name + " refusal hint").isNotNull();
            format.parameters().forEach((parameter, text) ->
                    assertThat(text).as(name + " parameter " + parameter).isNotBlank());
            if (!format.accepts(source)) {
                assertThat(format.refusalHint()).as(name + " refuses the universal matrix; it must say why").isNotEmpty();
                continue;
            }
            try (WeightMatrix matrix = format.encode(source)) {
                assertThat(matrix.formatName()).as(name + " matrices carry the row's name").isEqualTo(name);
                assertThat(matrix.layout().format()).as(name + " layouts carry the row's name").isEqualTo(name);
                try (WeightMatrix read = format.fromLayout(matrix.layout(), null)) {
                    assertThat(read.toDense()).as(name + " reader reads the encoder's layout").containsExactly(source.toDense());
                }
                MatrixStatistics stats = MatrixStatistics.of(matrix);
                double cost = format.ruleOfThumbCost(stats);
                assertThat(cost).as(name + " cost rule").isPositive().isFinite();
                assertThat(FormatCostModel.ruleOfThumb().cost(format, stats)).isEqualTo(cost);
                EnergyEstimate energy = EnergyEstimate.of(matrix, stats);
                assertThat(energy.picojoules()).as(name + " energy").isPositive().isFinite();
                assertThat(EnergyEstimate.ofRowLookup(matrix).picojoules()).as(name + " lookup energy").isPositive().isFinite();
                for (MatrixFormat target : MatrixFormats.all()) {
                    if (target.canRunFrom(matrix, stats)) {
                        // a load target takes the stored matrix exactly, or refuses it when its test is the encoding
                        WeightMatrix running = target.transcodeToRun(matrix);
                        if (running == null) {
                            assertThat(target.accepts(source)).as(name + " → " + target.name() + " refused").isFalse();
                            continue;
                        }
                        try (running) {
                            assertThat(running.toDense()).as(name + " → " + target.name()).containsExactly(source.toDense());
                        }
                    }
                }
            }
            for (QuantizedMatrix odd : awkward()) {
                if (!format.accepts(odd)) {
                    assertThat(format.refusalHint()).as(name + " refuses a matrix; it must tell the user what it needs")
                            .isNotEmpty();
                }
            }
        }
    }

    @Test
    void theDenseRowIsTheEnergyReferenceAndAlwaysALoadTarget() {
        MatrixFormat dense = MatrixFormats.named("dense");
        assertThat(dense.energy()).isEqualTo(EnergyClass.DENSE);
        assertThat(MatrixFormats.all()).filteredOn(f -> f.energy() == EnergyClass.DENSE).containsExactly(dense);
        try (WeightMatrix m = dense.encode(universal())) {
            assertThat(dense.canRunFrom(m, MatrixStatistics.of(m))).isTrue();
        }
    }

    @Test
    void aRowLackingAFactIsRefused() {
        Map<String, UnaryOperator<MatrixFormat.Builder>> missing = new java.util.LinkedHashMap<>();
        missing.put("a description", b -> b.description(null));
        missing.put("an encoder", b -> b);
        missing.put("a layout reader", b -> b.reader(null));
        missing.put("a cost rule", b -> b.cost(null));
        missing.put("an energy class", b -> b.energy(null));
        missing.put("a load-target rule", b -> b.loadTarget(null));
        List<String> refused = new ArrayList<>();
        for (var e : missing.entrySet()) {
            MatrixFormat.Builder b = MatrixFormat.named("incomplete")
                    .description("a test row")
                    .reader((layout, owner) -> null)
                    .cost(MatrixStatistics::entries)
                    .energy(EnergyClass.DENSE)
                    .loadTarget(MatrixFormat.LoadTarget.NEVER);
            if (!e.getKey().equals("an encoder")) {
                b.encoder(q -> null);
            }
            assertThatThrownBy(() -> e.getValue().apply(b).build()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'incomplete' lacks " + e.getKey());
            refused.add(e.getKey());
        }
        assertThat(refused).hasSize(missing.size());
    }

    @Test
    void parametersReachOnlyTheFormatThatHasThem() {
        QuantizedMatrix source = universal();
        for (MatrixFormat format : MatrixFormats.all()) {
            if (!format.accepts(source)) {
                continue;
            }
            try (WeightMatrix plain = format.encode(source);
                 WeightMatrix tuned = format.encode(source, Map.of("no such parameter", 3L))) {
                assertThat(tuned.layout().params()).isEqualTo(plain.layout().params());
            }
        }
        MatrixFormat xor = MatrixFormats.named("xor");
        assertThat(xor.parameters()).containsKeys("wordBits", "sliceBits");
        try (WeightMatrix forced = xor.encode(source, Map.of("wordBits", 7L, "sliceBits", 40L))) {
            assertThat(forced.layout().params()).containsEntry("wordBits", 7L).containsEntry("sliceBits", 40L);
        }
    }
}
