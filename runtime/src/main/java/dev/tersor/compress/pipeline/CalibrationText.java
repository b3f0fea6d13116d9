package dev.tersor.compress.pipeline;

import dev.tersor.embed.SentenceFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The fixed split of raw_sentences.txt (data.md) that keeps tuning and evaluation apart: the first
 * {@value #HELD_OUT} distinct sentences are for evaluation only; calibration sentences are drawn
 * evenly from the second half of the distinct sentences.
 */
public final class CalibrationText {

    /** Evaluation sentences at the start of the file, never used for calibration or tuning. */
    public static final int HELD_OUT = 2000;

    private CalibrationText() {
    }

    /** The first {@code n} (at most {@link #HELD_OUT}) distinct sentences of {@code file}. */
    public static List<String> heldOut(Path file, int n) throws IOException {
        if (n > HELD_OUT) {
            throw new IllegalArgumentException("the held-out set has " + HELD_OUT + " sentences, asked for " + n);
        }
        return SentenceFile.read(file, n);
    }

    /**
     * {@code n} distinct sentences spread evenly over the second half of {@code file}'s distinct
     * sentences, starting {@code offset} sentences in (different offsets give disjoint sets for a
     * small n).
     */
    public static List<String> calibration(Path file, int n, int offset) throws IOException {
        List<String> all = SentenceFile.read(file, Integer.MAX_VALUE);
        int start = Math.max(HELD_OUT, all.size() / 2) + offset;
        int stride = Math.max(1, (all.size() - start) / Math.max(1, n));
        List<String> out = new ArrayList<>();
        for (int i = start; i < all.size() && out.size() < n; i += stride) {
            out.add(all.get(i));
        }
        return out;
    }

    /** Every distinct non-blank line of a user's calibration file. */
    public static List<String> read(Path file) throws IOException {
        return SentenceFile.read(file, Integer.MAX_VALUE);
    }
}
