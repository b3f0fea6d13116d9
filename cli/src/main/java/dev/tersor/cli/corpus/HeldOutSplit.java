package dev.tersor.cli.corpus;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The one split of every built-in corpus into an evaluation share and a calibration share: a
 * sentence's CRC-32 decides, so the shares are disjoint whatever order, subset or version of the
 * source a caller reads, and a sentence never changes share when its source grows.
 */
public final class HeldOutSplit {

    /** One sentence in this many belongs to the evaluation share. */
    static final int EVALUATION_SHARE = 4;

    /**
     * Most sentences a corpus evaluates on when its evaluation share is larger: enough for a
     * first-percentile cosine of 20 sentences, few enough that the neighbour overlap's n² products
     * take seconds.
     */
    public static final int EVALUATION_SIZE = 2000;

    private HeldOutSplit() {
    }

    /** The CRC-32 of the sentence's UTF-8 bytes. */
    static long hash(String sentence) {
        CRC32 crc = new CRC32();
        crc.update(sentence.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }

    /** Whether {@code sentence} belongs to the evaluation share. */
    public static boolean isEvaluation(String sentence) {
        return hash(sentence) % EVALUATION_SHARE == 0;
    }

    /** Up to {@code limit} sentences of the evaluation share, in the order given. */
    static List<String> evaluationInOrder(List<String> sentences, int limit) {
        return take(sentences, true, limit);
    }

    /**
     * Up to {@code limit} (at most {@link #EVALUATION_SIZE}) sentences of the evaluation share ordered by hash: a sample spread over the
     * whole source (a source's own order groups topics, files or package names), the same for every
     * caller, and a smaller limit takes a prefix of a larger one.
     */
    static List<String> evaluationInHashOrder(List<String> sentences, int limit) {
        List<String> share = take(sentences, true, Integer.MAX_VALUE);
        share.sort(Comparator.comparingLong(HeldOutSplit::hash).thenComparing(Comparator.naturalOrder()));
        return List.copyOf(share.subList(0, Math.min(Math.min(limit, EVALUATION_SIZE), share.size())));
    }

    /**
     * {@code n} sentences of the calibration share (all of them if it has fewer), spread evenly over
     * it in the order given, so a small calibration set still spans the whole source.
     */
    static List<String> calibration(List<String> sentences, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative: " + n);
        }
        List<String> share = take(sentences, false, Integer.MAX_VALUE);
        if (n >= share.size()) {
            return share;
        }
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(share.get((int) ((long) i * share.size() / n)));
        }
        return out;
    }

    private static List<String> take(List<String> sentences, boolean evaluation, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        List<String> out = new ArrayList<>();
        for (String sentence : sentences) {
            if (out.size() == limit) {
                break;
            }
            if (isEvaluation(sentence) == evaluation) {
                out.add(sentence);
            }
        }
        return out;
    }
}
