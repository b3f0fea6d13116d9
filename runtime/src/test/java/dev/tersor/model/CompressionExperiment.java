package dev.tersor.model;

import dev.tersor.compress.ProgressListener;
import dev.tersor.compress.gptq.HessianAccumulator;
import dev.tersor.compress.pipeline.BudgetSearch;
import dev.tersor.compress.pipeline.Calibration;
import dev.tersor.compress.pipeline.CalibrationText;
import dev.tersor.compress.pipeline.CompressionPlan;
import dev.tersor.compress.pipeline.Compressor;
import dev.tersor.compress.pipeline.LayerSettings;
import dev.tersor.compress.pipeline.Presets;
import dev.tersor.embed.Embedder;
import dev.tersor.embed.EmbedderOptions;
import dev.tersor.embed.EmbeddingComparison;
import dev.tersor.embed.Tokenizer;
import dev.tersor.format.Execution;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Measures plans on all-MiniLM-L6-v2 against fp32 over the held-out raw_sentences. Not part of the
 * suite (its name is not a test name); run it with
 * {@code -Dtest=CompressionExperiment -Dtersor.plans='NAME :: PINS :: GPTQ(0|1),,...'}.
 */
class CompressionExperiment {

    @Test
    void measure() throws Exception {
        String plans = System.getProperty("tersor.plans", "default :: " + Presets.MINILM + " :: 1");
        int evalN = Integer.getInteger("tersor.eval", 2000);
        int calN = Integer.getInteger("tersor.calib", 128);
        Path raw = TestCorpora.rawSentences();
        List<String> eval = CalibrationText.heldOut(raw, evalN);
        List<String> calibText = CalibrationText.calibration(raw, calN, 0);
        try (Model fp32 = Model.load(TestModels.miniLm());
             Tokenizer tokenizer = Tokenizer.load(TestModels.miniLmTokenizer())) {
            float[][] ref = Embedder.of(fp32, tokenizer, EmbedderOptions.defaults()).embed(eval);
            List<long[]> calib = calibText.stream().map(tokenizer::encode).toList();
            Map<String, HessianAccumulator> h = Calibration.hessians(fp32, calib, ProgressListener.NONE);
            for (String p : plans.split(",,")) {
                String[] parts = p.split(" :: ");
                boolean gptq = parts.length > 2 && parts[2].equals("1");
                String format = parts.length > 3 ? parts[3] : LayerSettings.AUTO;
                CompressionPlan plan = Presets.parse(parts[1], new LayerSettings(0, null, format, gptq));
                Compressor.Result r = new Compressor(plan, gptq ? h : Map.of(), null)
                        .compress(fp32, Execution.defaults(), Compressor.Listener.NONE, ProgressListener.NONE);
                Path file = Files.createTempFile("exp", ".tsr");
                r.model().save(file, Map.of(Embedder.TOKENIZER_METADATA, Files.readString(TestModels.miniLmTokenizer())));
                r.model().close();
                try (Model loaded = Model.load(file)) {
                    EmbeddingComparison f = EmbeddingComparison.of(
                            Embedder.of(loaded, tokenizer, EmbedderOptions.defaults()).embed(eval), ref);
                    double randomCos = randomTokens(fp32, loaded);
                    System.out.printf("RESULT %s gptq=%s file=%d bytes (%.2f MB) mean=%.5f min=%.4f top10=%.4f random-tokens=%.5f%n",
                            parts[0], gptq, Files.size(file), Files.size(file) / 1e6, f.meanCosine(), f.minCosine(),
                            f.top10Overlap(), randomCos);
                    log(String.format("| %s | %s | %.2f | %.4f | %.4f | %.3f | %.4f |", parts[0], gptq ? "yes" : "no",
                            Files.size(file) / 1e6, f.meanCosine(), f.minCosine(), f.top10Overlap(), randomCos));
                    if (Boolean.getBoolean("tersor.layers")) {
                        r.layers().forEach(l -> System.out.printf("  %-60s %-8s %9d %s%n", l.layer().name(), l.format(),
                                l.bytesAfter(), l.settings()));
                    }
                }
                Files.delete(file);
            }
        }
    }

    /**
     * Mean cosine over 300 sequences of 16 uniformly random word-piece ids (between [CLS] and [SEP]):
     * every row of the embedding table has the same chance to be used, unlike in real text.
     */
    static double randomTokens(Model reference, Model candidate) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(42);
        double sum = 0;
        int n = 300;
        for (int i = 0; i < n; i++) {
            long[] ids = new long[18];
            ids[0] = 101;
            ids[17] = 102;
            for (int t = 1; t < 17; t++) {
                ids[t] = 1000 + random.nextInt(30522 - 1000);
            }
            float[] a = pooled(reference.run(dev.tersor.compress.pipeline.ModelInputs.of(reference, ids)));
            float[] b = pooled(candidate.run(dev.tersor.compress.pipeline.ModelInputs.of(candidate, ids)));
            double dot = 0;
            double na = 0;
            double nb = 0;
            for (int d = 0; d < a.length; d++) {
                dot += a[d] * b[d];
                na += a[d] * a[d];
                nb += b[d] * b[d];
            }
            sum += dot / Math.sqrt(na * nb);
        }
        return sum / n;
    }

    private static float[] pooled(Map<String, dev.tersor.graph.Tensor> out) {
        dev.tersor.graph.Tensor hidden = out.get("last_hidden_state");
        int dim = hidden.dim(2);
        int seq = hidden.dim(1);
        float[] h = hidden.toFloatArray();
        float[] mean = new float[dim];
        for (int t = 0; t < seq; t++) {
            for (int d = 0; d < dim; d++) {
                mean[d] += h[t * dim + d] / seq;
            }
        }
        return mean;
    }

    /** Appends to the file named by tersor.log, if any: surefire shows a test's output only at its end. */
    static void log(String line) {
        String file = System.getProperty("tersor.log");
        if (file != null) {
            try {
                Files.writeString(Path.of(file), line + System.lineSeparator(), java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Test
    void budget() throws Exception {
        double target = Double.parseDouble(System.getProperty("tersor.target", "0.99"));
        int evalN = Integer.getInteger("tersor.eval", 2000);
        int calN = Integer.getInteger("tersor.calib", 128);
        Path raw = TestCorpora.rawSentences();
        List<String> eval = CalibrationText.heldOut(raw, evalN);
        List<String> calibText = CalibrationText.calibration(raw, calN, 0);
        try (Model fp32 = Model.load(TestModels.miniLm());
             Tokenizer tokenizer = Tokenizer.load(TestModels.miniLmTokenizer())) {
            List<long[]> calib = calibText.stream().map(tokenizer::encode).toList();
            Map<String, HessianAccumulator> h = Calibration.hessians(fp32, calib, ProgressListener.NONE);
            LayerSettings base = new LayerSettings(0, null, LayerSettings.AUTO, true);
            BudgetSearch.Outcome outcome = new BudgetSearch(fp32, tokenizer, h, base, BudgetSearch.Options.of(target), line -> {
                        System.out.println(line);
                        log(line);
                    }).search(calibText, ProgressListener.NONE);
            outcome.plan().pins().forEach(pin -> log("PIN " + pin.pattern() + " = " + pin.settings()));
            float[][] ref = Embedder.of(fp32, tokenizer, EmbedderOptions.defaults()).embed(eval);
            Compressor.Result r = new Compressor(outcome.plan(), h, null)
                    .compress(fp32, Execution.defaults(), Compressor.Listener.NONE, ProgressListener.NONE);
            Path file = Files.createTempFile("budget", ".tsr");
            r.model().save(file, Map.of(Embedder.TOKENIZER_METADATA, Files.readString(TestModels.miniLmTokenizer())));
            r.model().close();
            try (Model loaded = Model.load(file)) {
                EmbeddingComparison f = EmbeddingComparison.of(
                        Embedder.of(loaded, tokenizer, EmbedderOptions.defaults()).embed(eval), ref);
                log(String.format("RESULT budget target=%.4f file=%d bytes (%.2f MB) mean=%.5f min=%.4f top10=%.4f",
                        target, Files.size(file), Files.size(file) / 1e6, f.meanCosine(), f.minCosine(), f.top10Overlap()));
            }
            Files.delete(file);
        }
    }
}
