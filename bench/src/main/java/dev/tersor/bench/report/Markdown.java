package dev.tersor.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Builds the report's Markdown: headings, paragraphs, tables, images, and the number formats they share. */
public final class Markdown {

    private final StringBuilder text = new StringBuilder();

    public Markdown heading(int level, String title) {
        if (!text.isEmpty() && !text.toString().endsWith("\n\n")) {
            text.append('\n');
        }
        text.append("#".repeat(level)).append(' ').append(title).append("\n\n");
        return this;
    }

    public Markdown paragraph(String paragraph) {
        text.append(paragraph).append("\n\n");
        return this;
    }

    public Markdown bullet(String item) {
        text.append("- ").append(item).append('\n');
        return this;
    }

    public Markdown endList() {
        text.append('\n');
        return this;
    }

    public Markdown image(String alt, String path) {
        text.append("![").append(alt).append("](").append(path).append(")\n\n");
        return this;
    }

    public Markdown table(Table table) {
        text.append(table.render()).append('\n');
        return this;
    }

    @Override
    public String toString() {
        return text.toString();
    }

    /** A table; the first column is left-aligned, the others right-aligned. */
    public static final class Table {
        private final List<String> header;
        private final List<List<String>> rows = new ArrayList<>();

        public Table(List<String> header) {
            this.header = List.copyOf(header);
        }

        public Table row(List<String> cells) {
            if (cells.size() != header.size()) {
                throw new IllegalArgumentException(cells.size() + " cells for " + header.size() + " columns");
            }
            rows.add(List.copyOf(cells));
            return this;
        }

        public boolean isEmpty() {
            return rows.isEmpty();
        }

        String render() {
            StringBuilder out = new StringBuilder();
            out.append("| ").append(String.join(" | ", header)).append(" |\n|");
            for (int i = 0; i < header.size(); i++) {
                out.append(i == 0 ? "---|" : "---:|");
            }
            out.append('\n');
            for (List<String> row : rows) {
                out.append("| ").append(String.join(" | ", row.stream().map(c -> c.replace("|", "\\|")).toList()))
                        .append(" |\n");
            }
            return out.toString();
        }
    }

    /** A time in nanoseconds in the unit that suits it: {@code 850 ns}, {@code 12.3 µs}, {@code 4.56 ms}, {@code 1.20 s}. */
    public static String time(double ns) {
        if (ns < 1e3) {
            return String.format(Locale.ROOT, "%.0f ns", ns);
        }
        if (ns < 1e6) {
            return significant(ns / 1e3) + " µs";
        }
        if (ns < 1e9) {
            return significant(ns / 1e6) + " ms";
        }
        return significant(ns / 1e9) + " s";
    }

    /** Median with its interquartile range, e.g. {@code 4.56 ms (4.50–4.71)}. */
    public static String time(Summary s) {
        double unit = s.median() < 1e3 ? 1 : s.median() < 1e6 ? 1e3 : s.median() < 1e9 ? 1e6 : 1e9;
        return time(s.median()) + " (" + significant(s.p25() / unit) + "–" + significant(s.p75() / unit) + ")";
    }

    /** A ratio as {@code 12.3×}. */
    public static String ratio(double r) {
        return significant(r) + "×";
    }

    /** A speed-up as {@code 2.75× faster} or, below one, its inverse as {@code 2.72× slower}. */
    public static String fasterOrSlower(double speedUp) {
        return speedUp >= 1 ? ratio(speedUp) + " faster" : ratio(1 / speedUp) + " slower";
    }

    public static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.0f %%", 100 * fraction);
    }

    /** Bytes as {@code 392 MiB}, {@code 8.36 MiB}, {@code 612 KiB}. */
    public static String bytes(long bytes) {
        if (bytes < 1 << 10) {
            return bytes + " B";
        }
        if (bytes < 1 << 20) {
            return significant(bytes / 1024.0) + " KiB";
        }
        if (bytes < 1L << 30) {
            return significant(bytes / (1024.0 * 1024)) + " MiB";
        }
        return significant(bytes / (1024.0 * 1024 * 1024)) + " GiB";
    }

    /** Three significant digits (two below 0.01), without exponent down to 10⁻⁴. */
    public static String significant(double v) {
        double a = Math.abs(v);
        String pattern = a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : a >= 0.01 ? "%.3f" : "%.2g";
        return String.format(Locale.ROOT, pattern, v);
    }
}
