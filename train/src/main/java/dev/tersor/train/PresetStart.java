package dev.tersor.train;

import dev.tersor.compress.ProgressListener;
import dev.tersor.compress.gptq.HessianAccumulator;
import dev.tersor.compress.pipeline.CompressionPlan;
import dev.tersor.compress.pipeline.Compressor;
import dev.tersor.compress.pipeline.Layer;
import dev.tersor.compress.pipeline.LayerSettings;
import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.graph.Graph;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * A student's first values: every table and matrix as the post-training plan quantizes it, with its
 * relative steps times {@code stepScale}, error-compensated where the plan asks for it and
 * calibration statistics exist: distillation starts where post-training compression ends, not
 * from plain rounding.
 *
 * @param stepScale the factor on the plan's steps
 * @param matrices  weight name → integer levels times row steps, in the graph's order; weights the
 *                  plan keeps in float are absent
 */
public record PresetStart(double stepScale, Map<String, QuantizedMatrix> matrices) {

    public PresetStart {
        matrices = Collections.unmodifiableMap(new LinkedHashMap<>(matrices));
    }

    /**
     * Quantizes {@code teacher}'s layers as {@code plan} (scaled by {@code stepScale}) says. Only
     * uniform steps can be trained through their rounding, so a plan with another quantizer, or with
     * pruning, is refused.
     *
     * @param hessians calibration statistics per weight name (empty: no compensation)
     */
    public static PresetStart quantize(Graph teacher, CompressionPlan plan, double stepScale,
                                       Map<String, HessianAccumulator> hessians, ProgressListener progress) {
        CompressionPlan scaled = plan.withStepsScaled(stepScale);
        if (scaled.globalPruning() > 0) {
            throw new IllegalArgumentException("distillation trains uniform steps without pruning; the plan prunes "
                    + scaled.globalPruning() + " of the weights");
        }
        Compressor compressor = new Compressor(scaled, hessians, null);
        Map<String, QuantizedMatrix> matrices = new LinkedHashMap<>();
        for (Layer layer : Layer.of(teacher)) {
            LayerSettings settings = scaled.settingsFor(layer.name());
            if (settings.quant() == null) {
                continue;
            }
            if (Double.isNaN(settings.quant().alpha()) || settings.sparsity() > 0) {
                throw new IllegalArgumentException("distillation trains uniform steps without pruning; layer "
                        + layer.name() + " is set to " + settings);
            }
            try (Arena arena = Arena.ofConfined()) {
                DenseMatrixView dense = Compressor.plain(teacher.weights().get(layer.weight()), arena);
                matrices.put(layer.weight(), compressor.quantize(layer, dense, settings, null, progress));
            }
        }
        return new PresetStart(stepScale, matrices);
    }

    /** A checksum of every step and level, so that a checkpoint is only resumed from the start it began at. */
    public long digest() {
        CRC32 crc = new CRC32();
        ByteBuffer buffer = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<String, QuantizedMatrix> e : matrices.entrySet()) {
            crc.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            QuantizedMatrix q = e.getValue();
            for (int r = 0; r < q.rows(); r++) {
                for (int c = -1; c < q.cols(); c++) {
                    if (buffer.remaining() < Float.BYTES) {
                        crc.update(buffer.flip());
                        buffer.clear();
                    }
                    buffer.putFloat(c < 0 ? q.rowScale(r) : q.codebookValue(q.code(r, c)));
                }
            }
            crc.update(buffer.flip());
            buffer.clear();
        }
        return crc.getValue();
    }
}
