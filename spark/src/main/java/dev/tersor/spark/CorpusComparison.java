package dev.tersor.spark;

/**
 * How closely a model's embeddings agree with a reference model's over a corpus, computed on a
 * cluster: the figures {@code ./tersor eval-embed} prints, the cosine ones over every sentence.
 *
 * @param sentences       texts compared (null and blank rows are not texts; repeats count each time)
 * @param meanCosine      mean over texts of cos(evaluated, reference)
 * @param minCosine       the smallest such cosine
 * @param p1Cosine        the first percentile of those cosines by nearest rank (the ⌈n/100⌉-th smallest), exact
 * @param neighbourSample how many sentences the neighbour overlap was computed over: the first distinct ones,
 *                        since all pairs of a corpus too large for one machine cannot be ranked; 0 for none
 * @param top10Overlap    mean over the sample of |N_eval ∩ N_ref| / 10, N being a text's 10 nearest other texts
 *                        of the sample, as {@code eval-embed} computes it with {@code --limit} the sample size;
 *                        NaN when {@code neighbourSample} is 0
 */
public record CorpusComparison(long sentences, double meanCosine, double minCosine, double p1Cosine, int neighbourSample,
                               double top10Overlap) {
}
