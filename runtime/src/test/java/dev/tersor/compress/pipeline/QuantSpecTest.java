package dev.tersor.compress.pipeline;

import dev.tersor.compress.quant.EntropyConstrainedQuantizer;
import dev.tersor.compress.quant.KMeansQuantizer;
import dev.tersor.compress.quant.ProbabilisticQuantizer;
import dev.tersor.compress.quant.Scope;
import dev.tersor.compress.quant.UniformQuantizer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuantSpecTest {

    @Test
    void scalingStepsCoarsensEveryRelativeStepAndLeavesTheRest() {
        assertEquals(0.5, QuantSpec.parse("uq@0.25").withStepScaled(2).alpha(), 1e-12);
        assertEquals(QuantSpec.DEFAULT_UQ_STEP * 3, QuantSpec.parse("uq").withStepScaled(3).alpha(), 1e-12);
        assertEquals("uq@0.5/tokens:2000", QuantSpec.parse("uq@0.25/tokens:2000").withStepScaled(2).toString());
        QuantSpec levels = QuantSpec.parse("cws:16");
        assertEquals(levels, levels.withStepScaled(2));
        assertThrows(IllegalArgumentException.class, () -> levels.withStepScaled(0));
        assertThrows(IllegalArgumentException.class, () -> levels.withStepScaled(Double.NaN));

        CompressionPlan plan = Presets.defaults();
        CompressionPlan coarser = plan.withStepsScaled(1.5);
        for (String layer : new String[]{"word_embeddings", "encoder/layer.4/attention/self/value/MatMul",
                "encoder/layer.0/intermediate/dense/MatMul", "pooler"}) {
            assertEquals(plan.settingsFor(layer).quant().alpha() * 1.5, coarser.settingsFor(layer).quant().alpha(), 1e-12,
                    layer);
        }
        assertNull(coarser.settingsFor("token_type_embeddings").quant());
        assertEquals(plan.pins().size(), coarser.pins().size());
    }

    @Test
    void parsesKindLevelsParameterAndScope() {
        QuantSpec uq = QuantSpec.parse("uq@0.25");
        assertEquals(0.25, uq.alpha());
        assertEquals(Scope.ROW, uq.scope());
        assertInstanceOf(UniformQuantizer.class, uq.quantizer());
        QuantSpec cws = QuantSpec.parse("cws:32/matrix");
        assertEquals(32, cws.k());
        assertEquals(Scope.MATRIX, cws.scope());
        assertInstanceOf(KMeansQuantizer.class, cws.quantizer());
        assertEquals(new KMeansQuantizer(32, Scope.MATRIX, 0, 50, 0), cws.quantizer());
        assertInstanceOf(ProbabilisticQuantizer.class, QuantSpec.parse("pws:8").quantizer());
        assertEquals(EntropyConstrainedQuantizer.of(64, 0.02, Scope.ROW), QuantSpec.parse("ecsq:64@0.02").quantizer());
        assertInstanceOf(PerChannelQuantizer.class, QuantSpec.parse("perchannel:16@0.1").quantizer());
        assertEquals(16, QuantSpec.parse("cws").k());
        assertEquals("cws:32/matrix", cws.toString());
        assertEquals(cws, QuantSpec.parse(cws.toString()));
    }

    @Test
    void tokenFrequencyStepsAreSpelledAfterTheStepAndOnlyForUniformSteps() {
        QuantSpec spec = QuantSpec.parse("uq@0.45/tokens:2000");
        assertEquals(new QuantSpec.TokenSteps(2000, 4), spec.tokenSteps());
        assertEquals(0.45, spec.alpha());
        assertEquals(Scope.ROW, spec.scope());
        assertEquals("uq@0.45/tokens:2000", spec.toString());
        assertEquals(spec, QuantSpec.parse(spec.toString()));
        assertNull(QuantSpec.parse("uq@0.45").tokenSteps());
        QuantSpec capped = QuantSpec.parse("uq@0.45/tokens:5000x2");
        assertEquals(new QuantSpec.TokenSteps(5000, 2), capped.tokenSteps());
        assertEquals(capped, QuantSpec.parse(capped.toString()));
        assertThrows(IllegalArgumentException.class, () -> QuantSpec.parse("uq@0.4/tokens:5000x0.5"));
        assertThrows(IllegalArgumentException.class, () -> QuantSpec.parse("uq@0.4/tokens:5000x2x3"));
        assertThrows(IllegalArgumentException.class, () -> QuantSpec.parse("cws:16/tokens:2000"));
        assertThrows(IllegalArgumentException.class, () -> QuantSpec.parse("uq:16/tokens:2000"));
        assertThrows(IllegalArgumentException.class, () -> QuantSpec.parse("uq@0.4/tokens:0"));
        assertThrows(IllegalArgumentException.class, () -> QuantSpec.parse("uq@0.4/tokens:1.5"));
    }

    @Test
    void rareTokensGetCoarserStepsAndCountedOnesKeepTheirs() {
        TokenFrequencies prior = TokenFrequencies.none(30_000);
        float[] f = prior.stepFactors(30_000, 1000, 4);
        assertEquals(1f, f[0]);
        assertEquals(1f, f[1000]);
        assertEquals((float) Math.sqrt(4001.0 / 1001), f[4000], 1e-5f);
        assertEquals(4f, f[29_999]);
        assertEquals(2f, prior.stepFactors(30_000, 1000, 2)[29_999]);
        for (int t = 1; t < f.length; t++) {
            assertTrue(f[t] >= f[t - 1], "factors never fall as ids grow rarer under the prior alone");
        }
        // Id 29,999 seen as often as id 1000 is expected to be keeps the reference step.
        long[] sentence = new long[100];
        java.util.Arrays.fill(sentence, 29_999);
        TokenFrequencies counted = TokenFrequencies.count(java.util.List.of(sentence), 30_000);
        assertEquals(1f, counted.stepFactors(30_000, 1000, 4)[29_999]);
        // A table larger than the tokenizer's vocabulary: the extra rows have the prior alone.
        assertEquals(30_500, counted.stepFactors(30_500, 1000, 4).length);
        assertThrows(IllegalArgumentException.class, () -> TokenFrequencies.count(java.util.List.of(new long[]{30_000}), 30_000));
        assertThrows(IllegalArgumentException.class, () -> prior.stepFactors(100, 100, 4));
        assertThrows(IllegalArgumentException.class, () -> prior.stepFactors(100, 10, 0.5));
    }

    @Test
    void onlyEmbeddingTablesTakeTokenFrequencySteps() {
        float[] values = new float[64 * 8];
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        dev.tersor.format.DenseMatrixView table = dev.tersor.format.DenseMatrixView.of(64, 8, values);
        LayerSettings settings = LayerSettings.lossless().withQuant(QuantSpec.parse("uq@0.3/tokens:4"));
        Compressor compressor = new Compressor(CompressionPlan.of(settings), Map.of(), null);
        dev.tersor.format.QuantizedMatrix q = compressor.quantize(new Layer("e", "gather", "Embedding", null, false), table,
                settings, null, dev.tersor.compress.ProgressListener.NONE);
        dev.tersor.format.QuantizedMatrix plain = compressor.quantize(new Layer("e", "gather", "Embedding", null, false), table,
                settings.withQuant(QuantSpec.parse("uq@0.3")), null, dev.tersor.compress.ProgressListener.NONE);
        float[] factors = TokenFrequencies.none(64).stepFactors(64, 4, 4);
        for (int r = 0; r < 64; r++) {
            // both steps are rounded to half precision (2^-11 relative each)
            assertEquals(plain.rowScale(r) * factors[r], q.rowScale(r), 1e-3f * q.rowScale(r), "row " + r);
        }
        assertTrue(q.rowScale(63) > plain.rowScale(63));
        assertThrows(IllegalArgumentException.class, () -> compressor.quantize(new Layer("w", "mm", "Linear", "x", false),
                table, settings, null, dev.tersor.compress.ProgressListener.NONE));
    }

    @Test
    void rejectsUnknownKindsAndBadNumbers() {
        assertThrows(IllegalArgumentException.class, () -> QuantSpec.parse("fp4"));
        assertThrows(IllegalArgumentException.class, () -> QuantSpec.parse("cws:0"));
        assertThrows(IllegalArgumentException.class, () -> QuantSpec.parse("cws:2.5"));
        assertThrows(IllegalArgumentException.class, () -> QuantSpec.parse("uq@x"));
        assertThrows(IllegalArgumentException.class, () -> QuantSpec.parse("uq@-1"));
        assertThrows(IllegalArgumentException.class, () -> QuantSpec.parse("uq/col"));
    }

    @Test
    void pinsMatchLayerNamesFirstMatchWinsAndStarSetsTheDefault() {
        CompressionPlan plan = Presets.parse("value=uq@0.1;layer\\.4/=uq@0.2;word_embeddings=float;*=cws:8",
                new LayerSettings(0.1, null, "auto", true));
        assertEquals(0.1, plan.settingsFor("/encoder/layer.4/attention/self/value/MatMul w1").quant().alpha());
        assertEquals(0.2, plan.settingsFor("/encoder/layer.4/intermediate/dense/MatMul w2").quant().alpha());
        assertNull(plan.settingsFor("/embeddings/word_embeddings/Gather e").quant());
        assertEquals("cws", plan.settingsFor("/encoder/layer.0/output/dense/MatMul w3").quant().kind());
        assertEquals(0.1, plan.settingsFor("anything").sparsity());
        assertTrue(plan.settingsFor("anything").compensate());
        assertThrows(IllegalArgumentException.class, () -> Presets.parse("novalue", LayerSettings.lossless()));
        assertTrue(Presets.defaults().defaults().compensate());
    }

    @Test
    void costModelIsCachedAndSaysWhenItMeasures(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path cache = dir.resolve("sub").resolve("cost.properties");
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        CostModel first = CostModel.loadOrCalibrate(cache, new java.io.PrintStream(log, true));
        assertTrue(log.toString().contains("Measuring"), log.toString());
        assertTrue(Files.isRegularFile(cache));
        log.reset();
        CostModel second = CostModel.loadOrCalibrate(cache, new java.io.PrintStream(log, true));
        assertEquals("", log.toString());
        for (String f : dev.tersor.format.MatrixFormats.names()) {
            assertEquals(first.predictNanos(f, 384, 384, 50_000), second.predictNanos(f, 384, 384, 50_000), 1e-6, f);
            assertTrue(second.predictNanos(f, 384, 384, 50_000) >= 0, f);
        }
        assertEquals(Double.POSITIVE_INFINITY, CostModel.of(Map.of()).predictNanos("dense", 1, 1, 1));
    }
}
