package dev.tersor.embed;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Token sequences drawn uniformly from a tokenizer's ordinary ids (every row of the embedding table
 * but the special tokens'), framed as the tokenizer frames a text ([CLS] … [SEP]). Real text reaches
 * a few thousand rows of a 30,000-row table; these sequences weigh every row alike, so they show what
 * compression did to the rows that text rarely or never reaches.
 *
 * <p>Lengths cycle through {@link #LENGTHS} (tokens between the framing ones, cut to what the
 * tokenizer keeps); the draw is fixed by the seed, so every run and both models see the same ids.
 */
public final class RandomTokens {

    /** What {@code eval-embed} calls this set. */
    public static final String NAME = "random tokens (every vocabulary row alike)";

    /** The seed {@code eval-embed} draws with. */
    public static final long SEED = 17;

    /** Tokens per sequence between the framing ones: a short query, a sentence, a paragraph. */
    static final int[] LENGTHS = {8, 32, 126};

    private RandomTokens() {
    }

    /** {@code count} framed sequences for {@code tokenizer}, drawn with {@code seed}. */
    public static List<long[]> sequences(Tokenizer tokenizer, int count, long seed) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative: " + count);
        }
        long[] ids = tokenizer.ordinaryIds();
        long[][] framing = tokenizer.framing();
        long[] before = framing[0];
        long[] after = framing[1];
        int room = tokenizer.maxTokens() - before.length - after.length;
        if (ids.length == 0 || room < 1) {
            throw new IllegalArgumentException("this tokenizer leaves no ordinary token ids or no room for them");
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<long[]> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int body = Math.min(LENGTHS[i % LENGTHS.length], room);
            long[] sequence = new long[before.length + body + after.length];
            System.arraycopy(before, 0, sequence, 0, before.length);
            for (int t = 0; t < body; t++) {
                sequence[before.length + t] = ids[random.nextInt(ids.length)];
            }
            System.arraycopy(after, 0, sequence, before.length + body, after.length);
            out.add(sequence);
        }
        return out;
    }
}
