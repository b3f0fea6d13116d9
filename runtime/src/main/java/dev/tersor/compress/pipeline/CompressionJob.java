package dev.tersor.compress.pipeline;

import dev.tersor.compress.ProgressListener;
import dev.tersor.compress.gptq.HessianAccumulator;
import dev.tersor.embed.Tokenizer;
import dev.tersor.format.Execution;
import dev.tersor.model.Model;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One whole compression run as the CLI and the demo do it: calibration statistics (when there is a
 * tokenizer and calibration text), an optional budgeted search for the plan, then the compression.
 *
 * @param plan         the plan to use (ignored when {@code targetCosine} is set: the search makes one)
 * @param targetCosine mean cosine to reach on the calibration text, or NaN for none
 * @param calibration  calibration sentences (empty: no error compensation, no search)
 */
public record CompressionJob(CompressionPlan plan, double targetCosine, List<String> calibration) {

    public CompressionJob {
        calibration = List.copyOf(calibration);
        if (!Double.isNaN(targetCosine) && calibration.isEmpty()) {
            throw new IllegalArgumentException("a target cosine needs calibration text");
        }
    }

    /**
     * Runs the job on {@code source}.
     *
     * @param tokenizer the model's tokenizer, or null (then no calibration is possible)
     * @param costs     the speed cost model, or null under the size objective
     * @param log       stage messages
     */
    public Compressor.Result run(Model source, Tokenizer tokenizer, CostModel costs, Compressor.Listener listener,
                                 ProgressListener progress, Consumer<String> log) {
        Map<String, HessianAccumulator> hessians = Map.of();
        TokenFrequencies tokens = null;
        CompressionPlan chosen = plan;
        if (tokenizer != null && !calibration.isEmpty()) {
            // The search must judge on text the statistics did not see: compensation fitted to few
            // tokens looks better on them than on anything else (measured: 0.991 on the statistics'
            // own sentences, 0.963 on held-out ones).
            boolean search = !Double.isNaN(targetCosine);
            int split = search ? Math.max(1, calibration.size() * 2 / 3) : calibration.size();
            List<String> statistics = calibration.subList(0, split);
            List<String> judged = search ? calibration.subList(split, calibration.size()) : List.of();
            if (search && judged.isEmpty()) {
                throw new IllegalArgumentException("the budgeted search needs at least two calibration sentences");
            }
            log.accept("calibration: gathering layer input statistics over " + statistics.size() + " sentences");
            List<long[]> statisticsIds = statistics.stream().map(tokenizer::encode).toList();
            hessians = Calibration.hessians(source, statisticsIds, progress);
            tokens = TokenFrequencies.count(statisticsIds, Math.toIntExact(tokenizer.maxTokenId() + 1));
            if (search) {
                log.accept("budgeted search for mean cosine ≥ " + targetCosine + " on " + judged.size()
                        + " other calibration sentences");
                BudgetSearch.Outcome outcome = new BudgetSearch(source, tokenizer, hessians, plan.defaults(),
                        BudgetSearch.Options.of(targetCosine), log).search(judged, progress);
                chosen = outcome.plan().withObjective(plan.objective());
            }
        } else if (!Double.isNaN(targetCosine)) {
            throw new IllegalArgumentException("a target cosine needs the model's tokenizer");
        }
        return new Compressor(chosen, hessians, costs, tokens).compress(source, Execution.defaults(), listener, progress);
    }
}
