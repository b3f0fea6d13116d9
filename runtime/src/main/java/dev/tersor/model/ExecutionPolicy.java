package dev.tersor.model;

import dev.tersor.format.FormatCostModel;

import java.util.Locale;

/**
 * Which layout a weight runs in, when it may differ from the one it is stored in (methods.md
 * Decision 11). Entropy-coded layouts give the smallest files but decode on every product; loading
 * can transcode such a layer, losslessly and off-heap, into a layout that runs faster.
 * <ul>
 * <li>{@code stored}: run every weight as stored (smallest resident memory);</li>
 * <li>{@code fastest}: run each product weight in the layout a {@link FormatCostModel} rates fastest;</li>
 * <li>{@code budget:MB}: as fastest, layer by layer in order of time saved per extra byte, while the
 *     resident weight bytes stay within MB megabytes (10<sup>6</sup> bytes).</li>
 * </ul>
 * Embedding tables (weights only looked up by row) are always kept as stored: a lookup decodes one
 * row, which costs little in any format.
 *
 * @param budgetBytes resident-byte budget for {@link Kind#BUDGET}; 0 otherwise
 */
public record ExecutionPolicy(Kind kind, long budgetBytes) {

    public enum Kind { STORED, FASTEST, BUDGET }

    public static final ExecutionPolicy STORED = new ExecutionPolicy(Kind.STORED, 0);
    public static final ExecutionPolicy FASTEST = new ExecutionPolicy(Kind.FASTEST, 0);

    public ExecutionPolicy {
        java.util.Objects.requireNonNull(kind, "kind");
        if (budgetBytes < 0 || kind != Kind.BUDGET && budgetBytes != 0) {
            throw new IllegalArgumentException("budget of " + budgetBytes + " bytes for policy " + kind);
        }
    }

    public static ExecutionPolicy budget(long residentBytes) {
        return new ExecutionPolicy(Kind.BUDGET, residentBytes);
    }

    /** Parses {@code stored}, {@code fastest} or {@code budget:MB} (MB may have decimals). */
    public static ExecutionPolicy parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("stored")) {
            return STORED;
        }
        if (t.equals("fastest")) {
            return FASTEST;
        }
        if (t.startsWith("budget:")) {
            try {
                double mb = Double.parseDouble(t.substring(7));
                if (mb >= 0 && mb < 1e12) {
                    return budget(Math.round(mb * 1e6));
                }
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new IllegalArgumentException("execution policy is stored, fastest or budget:MB, not '" + text + "'");
    }

    @Override
    public String toString() {
        return kind == Kind.BUDGET ? "budget:" + budgetBytes / 1e6 : kind.name().toLowerCase(Locale.ROOT);
    }
}
