package dev.tersor.model;

import dev.tersor.compress.gptq.HessianAccumulator;
import dev.tersor.compress.pipeline.Calibration;
import dev.tersor.compress.pipeline.CompressionPlan;
import dev.tersor.compress.pipeline.Compressor;
import dev.tersor.compress.pipeline.Fidelity;
import dev.tersor.compress.pipeline.LayerSettings;
import dev.tersor.compress.pipeline.Presets;
import dev.tersor.compress.ProgressListener;
import dev.tersor.format.Execution;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Measures plans on all-MiniLM-L6-v2 against fp32 over held-out raw_sentences; not part of the
 * suite (run with -Dtest=CompressionExperiment -Dtersor.plans='NAME :: PINS :: gptq,,...').
 */
class CompressionExperiment {

    @Test
    void measure() throws Exception {
        String plans = System.getProperty("tersor.plans", "default :: " + Presets.MINILM + " :: 1");
        int evalN = Integer.getInteger("tersor.eval", 2000);
        int calN = Integer.getInteger("tersor.calib", 128);
        WordPieceTokenizer tok = WordPieceTokenizer.load(TestModels.miniLmTokenizer());
        List<long[]> eval = CompressionCorpus.tokenize(tok, CompressionCorpus.heldOut(evalN));
        List<long[]> calib = CompressionCorpus.tokenize(tok, CompressionCorpus.calibration(calN, 0));
        try (Model fp32 = Model.load(TestModels.miniLm())) {
            long t0 = System.nanoTime();
            float[][] ref = Fidelity.embed(fp32, eval);
            System.out.printf("fp32 embedded %d sentences in %.1f s%n", eval.size(), (System.nanoTime() - t0) / 1e9);
            Map<String, HessianAccumulator> h = Calibration.hessians(fp32, calib, ProgressListener.NONE);
            for (String p : plans.split(",,")) {
                String[] parts = p.split(" :: ");
                boolean gptq = parts.length > 2 && parts[2].equals("1");
                CompressionPlan plan = Presets.parse(parts[1], new LayerSettings(0, null, LayerSettings.AUTO, gptq));
                Compressor.Result r = new Compressor(plan, gptq ? h : Map.of(), null)
                        .compress(fp32, Execution.defaults(), Compressor.Listener.NONE, ProgressListener.NONE);
                Path file = Files.createTempFile("exp", ".tsr");
                r.model().save(file);
                r.model().close();
                try (Model loaded = Model.load(file)) {
                    Fidelity f = Fidelity.compare(ref, Fidelity.embed(loaded, eval));
                    System.out.printf("RESULT %s gptq=%s file=%d bytes (%.2f MB) mean=%.5f min=%.4f top10=%.4f%n",
                            parts[0], gptq, Files.size(file), Files.size(file) / 1e6, f.meanCosine(), f.minCosine(),
                            f.top10Overlap());
                    if (Boolean.getBoolean("tersor.layers")) {
                        r.layers().forEach(l -> System.out.printf("  %-60s %-8s %9d %s%n", l.layer().name(), l.format(),
                                l.bytesAfter(), l.settings()));
                    }
                }
                Files.delete(file);
            }
        }
    }
}
