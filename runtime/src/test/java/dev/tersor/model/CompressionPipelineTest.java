package dev.tersor.model;

import dev.tersor.compress.ProgressListener;
import dev.tersor.compress.gptq.HessianAccumulator;
import dev.tersor.compress.pipeline.BudgetSearch;
import dev.tersor.compress.pipeline.Calibration;
import dev.tersor.compress.pipeline.CalibrationText;
import dev.tersor.compress.pipeline.CompressionPlan;
import dev.tersor.compress.pipeline.Compressor;
import dev.tersor.compress.pipeline.Layer;
import dev.tersor.compress.pipeline.LayerSettings;
import dev.tersor.compress.pipeline.ModelInputs;
import dev.tersor.compress.pipeline.QuantSpec;
import dev.tersor.embed.Embedder;
import dev.tersor.embed.EmbedderOptions;
import dev.tersor.embed.EmbeddingComparison;
import dev.tersor.embed.Tokenizer;
import dev.tersor.format.Execution;
import dev.tersor.graph.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compression pipeline on all-MiniLM-L6-v2 (fetched by the build) with raw_sentences.txt (fetched
 * with Maven on first use): calibration statistics, error compensation against plain rounding,
 * compress → save → load → run, and the budgeted search meeting its target on held-out text.
 */
class CompressionPipelineTest {

    private static Model fp32;
    private static Tokenizer tokenizer;
    private static Path raw;

    @BeforeAll
    static void load() throws IOException {
        fp32 = Model.load(TestModels.miniLm());
        tokenizer = Tokenizer.load(TestModels.miniLmTokenizer());
        raw = TestCorpora.rawSentences();
    }

    @AfterAll
    static void close() {
        tokenizer.close();
        fp32.close();
    }

    private static List<long[]> ids(List<String> sentences) {
        return sentences.stream().map(tokenizer::encode).toList();
    }

    private static float[][] embed(Model model, List<String> sentences) {
        return Embedder.of(model, tokenizer, EmbedderOptions.defaults()).embed(sentences);
    }

    @Test
    void calibrationCountsEveryTokenAndLayersSharingAnInputShareStatistics() throws IOException {
        List<long[]> calib = ids(CalibrationText.calibration(raw, 6, 0));
        long tokens = calib.stream().mapToLong(a -> a.length).sum();
        Map<String, HessianAccumulator> h = Calibration.hessians(fp32, calib, ProgressListener.NONE);
        List<Layer> linear = Layer.of(fp32.graph()).stream().filter(Layer::isLinear).toList();
        assertEquals(36, linear.size());
        assertEquals(36, h.size());
        for (Layer l : linear) {
            assertEquals(tokens, h.get(l.weight()).samples(), l.name());
        }
        // query, key and value of a layer read the same activation
        Layer q = linear.get(0);
        Layer k = linear.get(1);
        assertEquals(q.input(), k.input());
        assertArrayEquals(h.get(q.weight()).hessian(), h.get(k.weight()).hessian());
        // a feature-major input (the second FFN matrix) gives a positive diagonal like any other
        Layer ffn2 = linear.stream().filter(Layer::inputTransposed).findFirst().orElseThrow();
        double[] hf = h.get(ffn2.weight()).hessian();
        int n = h.get(ffn2.weight()).inputs();
        assertEquals(1536, n);
        for (int i = 0; i < n; i++) {
            assertTrue(hf[i * n + i] >= 0);
        }
    }

    @Test
    void compressSaveLoadRunEqualsCompressRunAndCompensationBeatsRounding(@TempDir Path dir) throws IOException {
        List<String> eval = CalibrationText.heldOut(raw, 100);
        List<long[]> calib = ids(CalibrationText.calibration(raw, 32, 0));
        Map<String, HessianAccumulator> h = Calibration.hessians(fp32, calib, ProgressListener.NONE);
        CompressionPlan plan = CompressionPlan.of(new LayerSettings(0, QuantSpec.uniform(0.4), LayerSettings.AUTO, true));
        float[][] ref = embed(fp32, eval);
        Compressor.Result plain = new Compressor(plan.withDefaults(plan.defaults().withFormat("ham")), Map.of(), null)
                .compress(fp32, Execution.defaults(), Compressor.Listener.NONE, ProgressListener.NONE);
        List<Compressor.LayerReport> seen = new ArrayList<>();
        Compressor.Result compensated = new Compressor(plan, h, null)
                .compress(fp32, Execution.defaults(), (r, i, total) -> seen.add(r), ProgressListener.NONE);
        try (Model p = plain.model(); Model c = compensated.model()) {
            assertEquals(39, seen.size());
            assertEquals(36, seen.stream().filter(Compressor.LayerReport::compensated).count());
            assertTrue(compensated.bytesAfter() * 5 < compensated.bytesBefore(), "at least x5 smaller");
            double plainCos = EmbeddingComparison.of(embed(p, eval), ref).meanCosine();
            double gptqCos = EmbeddingComparison.of(embed(c, eval), ref).meanCosine();
            assertTrue(gptqCos > plainCos + 0.005, "compensated " + gptqCos + " vs rounded " + plainCos);

            Path file = dir.resolve("c.tsr");
            c.save(file);
            try (Model loaded = Model.load(file)) {
                for (long[] sentence : calib.subList(0, 5)) {
                    Map<String, Tensor> a = c.run(ModelInputs.of(c, sentence));
                    Map<String, Tensor> b = loaded.run(ModelInputs.of(loaded, sentence));
                    for (String out : c.outputs()) {
                        assertTrue(a.get(out).contentEquals(b.get(out)), out);
                    }
                }
                assertEquals(c.weightBytes(), loaded.weightBytes());
            }
        }
    }

    @Test
    void budgetedSearchMeetsItsTargetOnHeldOutText() throws IOException {
        double target = 0.98;
        // statistics from one part of the calibration text, the search judged on another, the result
        // checked on held-out text
        List<String> statisticsText = CalibrationText.calibration(raw, 96, 0);
        List<String> calibText = CalibrationText.calibration(raw, 40, 5);
        calibText = calibText.stream().filter(t -> !statisticsText.contains(t)).toList();
        List<String> heldOut = CalibrationText.heldOut(raw, 150);
        Map<String, HessianAccumulator> h = Calibration.hessians(fp32, ids(statisticsText), ProgressListener.NONE);
        LayerSettings base = new LayerSettings(0, null, "ham", true);
        BudgetSearch.Options options = new BudgetSearch.Options(target, 0.003, new double[] {0.15, 0.3, 0.6}, 3, 24);
        List<String> log = new ArrayList<>();
        BudgetSearch.Outcome outcome = new BudgetSearch(fp32, tokenizer, h, base, options, log::add)
                .search(calibText, ProgressListener.NONE);
        assertTrue(outcome.calibrationCosine() >= target + 0.003, log.toString());
        Compressor.Result result = new Compressor(outcome.plan(), h, null)
                .compress(fp32, Execution.defaults(), Compressor.Listener.NONE, ProgressListener.NONE);
        try (Model m = result.model()) {
            double cos = EmbeddingComparison.of(embed(m, heldOut), embed(fp32, heldOut)).meanCosine();
            assertTrue(cos >= target, "held-out mean cosine " + cos + " below " + target + "; " + log);
            // the search did coarsen something: smaller than every layer at the finest step
            Compressor.Result finest = new Compressor(CompressionPlan.of(base.withQuant(QuantSpec.uniform(0.15))), h, null)
                    .compress(fp32, Execution.defaults(), Compressor.Listener.NONE, ProgressListener.NONE);
            finest.model().close();
            assertTrue(result.bytesAfter() < finest.bytesAfter(), result.bytesAfter() + " vs " + finest.bytesAfter());
        }
    }
}
