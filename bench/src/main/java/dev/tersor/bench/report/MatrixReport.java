package dev.tersor.bench.report;

import dev.tersor.bench.MatrixCase;
import dev.tersor.bench.MatrixCases;
import dev.tersor.bench.TrialRecord;
import dev.tersor.bench.Variant;
import dev.tersor.bench.report.MatrixResults.Key;
import dev.tersor.bench.report.MatrixResults.Setting;
import dev.tersor.format.EnergyClass;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.csr.CsrMatrix;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The matrix suite's part of the report: read bandwidth, the issue's goals against what was
 * measured, a summary of the best variant per case, per-case tables (time, against OpenBLAS, against
 * CSR, share of the roofline) with a size-against-time chart, time across densities per layer, and
 * every trial that was skipped, failed or left no result.
 */
public final class MatrixReport implements ReportSection {

    static final String GOAL_CASE = MatrixCases.VGG16_FC6.name() + "@" + MatrixCases.DEEP_COMPRESSION;
    private static final Setting B1_T1 = new Setting(1, 1);
    private static final Setting B8_T1 = new Setting(8, 1);
    private static final double ROOFLINE_GOAL = 0.70;

    @Override
    public void write(BenchResults results, ReportContext context) {
        MatrixResults r = new MatrixResults(results);
        Markdown md = context.markdown();
        md.heading(2, "Matrix suite");
        md.paragraph("`Y = W·X` for each layer shape and statistics preset, each format on each kernel provider, and "
                + "OpenBLAS (`cblas_sgemv` at B = 1, `cblas_sgemm` above, its thread count set to the trial's). "
                + "Variants are `format/provider`. Times are per product: one matrix times B input vectors.");
        if (Stream.concat(r.matrices.stream(), r.unmeasured.stream())
                .noneMatch(m -> m.endsWith("@" + MatrixCases.REAL))) {
            md.paragraph("The *real* preset (MiniLM's own weights under the default compression preset) is not in "
                    + "this run: its cases exist only when the build has a `ModelCompressor` (the compression "
                    + "pipeline behind `./tersor compress`) to make them.");
        }
        bandwidth(r, md);
        goals(r, md);
        summary(r, md);
        cases(r, md, context);
        densityCharts(r, md, context);
        problems(r, md);
    }

    // ---------------------------------------------------------------------------------------------

    private static void bandwidth(MatrixResults r, Markdown md) {
        md.heading(3, "Read bandwidth (the roofline)");
        if (r.bandwidthNs.isEmpty()) {
            md.paragraph("Not measured in this run, so no roofline percentages are given.");
            return;
        }
        md.paragraph("A streaming Vector API sum over an off-heap buffer much larger than the last-level cache ("
                + Markdown.bytes(r.llcBytes) + "). A format's ideal time is the bytes it must move (weights, X and Y, "
                + "each once) divided by the bandwidth at the same thread count.");
        Markdown.Table table = new Markdown.Table(List.of("threads", "buffer", "GB/s (median)", "interquartile range"));
        for (Map.Entry<Integer, Summary> e : r.bandwidthNs.entrySet()) {
            long bytes = r.bandwidthBytes.get(e.getKey());
            Summary s = e.getValue();
            table.row(List.of(String.valueOf(e.getKey()), Markdown.bytes(bytes), Markdown.significant(bytes / s.median()),
                    Markdown.significant(bytes / s.p75()) + "–" + Markdown.significant(bytes / s.p25())));
        }
        md.table(table);
    }

    private static void goals(MatrixResults r, Markdown md) {
        md.heading(3, "Goals");
        md.paragraph("The issue's targets, measured in this run. They are goals to report against, not tests.");
        Markdown.Table table = new Markdown.Table(List.of("goal", "measured", "met"));
        speedUpGoal(r, table, B1_T1, 10, "sgemv");
        // the issue's goal for the formats that group columns by value (CER and CSER)
        for (MatrixFormat grouped : MatrixFormats.all()) {
            if (grouped.energy() == EnergyClass.GROUPED) {
                csrGoal(r, table, grouped.name());
            }
        }
        speedUpGoal(r, table, B8_T1, 5, "sgemm");
        rooflineGoal(r, table);
        md.table(table);
    }

    private static void speedUpGoal(MatrixResults r, Markdown.Table table, Setting setting, double target, String blas) {
        String goal = "VGG-16 fc6, deep-compression, " + setting.label() + ": best format ≥ " + (int) target
                + "× faster than OpenBLAS " + blas;
        String best = r.fastest(GOAL_CASE, setting);
        Summary blasTime = r.time(GOAL_CASE, setting, Variant.OPENBLAS);
        if (best == null || blasTime == null) {
            table.row(List.of(goal, "not measured", "—"));
            return;
        }
        double speedUp = blasTime.median() / r.time(GOAL_CASE, setting, best).median();
        table.row(List.of(goal, "`" + best + "` " + Markdown.ratio(speedUp), speedUp >= target ? "yes" : "no"));
    }

    private static void csrGoal(MatrixResults r, Markdown.Table table, String grouped) {
        String goal = "VGG-16 fc6, deep-compression, B=1 T=1: " + grouped.toUpperCase(Locale.ROOT)
                + " ≥ 1.3× faster than CSR on the same provider";
        List<String> measured = new ArrayList<>();
        boolean all = true;
        for (String variant : r.variants(GOAL_CASE)) {
            Variant v = Variant.parse(variant);
            if (v.isOpenBlas() || !v.format().equals(grouped)) {
                continue;
            }
            Summary mine = r.time(GOAL_CASE, B1_T1, variant);
            Summary csr = r.time(GOAL_CASE, B1_T1, Variant.of(CsrMatrix.NAME, v.provider()).id());
            if (mine != null && csr != null) {
                double speedUp = csr.median() / mine.median();
                measured.add(v.provider() + " " + Markdown.ratio(speedUp));
                all &= speedUp >= 1.3;
            }
        }
        table.row(List.of(goal, measured.isEmpty() ? "not measured" : String.join(", ", measured),
                measured.isEmpty() ? "—" : all ? "yes" : "no"));
    }

    private static void rooflineGoal(MatrixResults r, Markdown.Table table) {
        String goal = "memory-bound kernels (B = 1, weights larger than the LLC) reach ≥ 70 % of their roofline";
        List<double[]> shares = new ArrayList<>();
        String bestLabel = "";
        double best = 0;
        for (Map.Entry<Key, Summary> e : r.times.entrySet()) {
            Key key = e.getKey();
            if (key.batch() != 1 || Variant.OPENBLAS.equals(key.variant())) {
                continue;
            }
            double share = rooflineShare(r, key, e.getValue());
            long weights = r.bytes(key.matrix(), key.variant());
            if (Double.isNaN(share) || weights <= r.llcBytes) {
                continue;
            }
            shares.add(new double[]{share});
            if (share > best) {
                best = share;
                bestLabel = "`" + key.variant() + "` on " + key.matrix() + " T=" + key.threads();
            }
        }
        if (shares.isEmpty()) {
            table.row(List.of(goal, "not measured", "—"));
            return;
        }
        long reaching = shares.stream().filter(s -> s[0] >= ROOFLINE_GOAL).count();
        double[] sorted = shares.stream().mapToDouble(s -> s[0]).sorted().toArray();
        double median = Summary.quantile(sorted, 0.5);
        table.row(List.of(goal, reaching + " of " + shares.size() + " results; median " + Markdown.percent(median)
                + ", best " + Markdown.percent(best) + " (" + bestLabel + ")", reaching == shares.size() ? "yes" : "no"));
    }

    /** Ideal time over measured time, or NaN when the bandwidth or the bytes are unknown. */
    private static double rooflineShare(MatrixResults r, Key key, Summary time) {
        double bandwidth = r.bytesPerNano(key.threads());
        long weights = r.bytes(key.matrix(), key.variant());
        TrialRecord facts = r.matrixFacts.get(key.matrix());
        if (Double.isNaN(bandwidth) || weights < 0 || facts == null) {
            return Double.NaN;
        }
        long traffic = MatrixResults.traffic(weights, facts.rows(), facts.cols(), key.batch());
        return traffic / bandwidth / time.median();
    }

    private static void summary(MatrixResults r, Markdown md) {
        md.heading(3, "Summary: fastest format per case");
        List<Setting> settings = new ArrayList<>();
        for (String matrix : r.matrices) {
            for (Setting s : r.settings(matrix)) {
                if (!settings.contains(s)) {
                    settings.add(s);
                }
            }
        }
        settings.sort(Comparator.naturalOrder());
        List<String> header = new ArrayList<>(List.of("case", "smallest format"));
        settings.forEach(s -> header.add(s.label()));
        Markdown.Table table = new Markdown.Table(header);
        for (String matrix : r.matrices) {
            List<String> row = new ArrayList<>(List.of(matrix, smallest(r, matrix)));
            for (Setting s : settings) {
                String best = r.fastest(matrix, s);
                Summary blas = r.time(matrix, s, Variant.OPENBLAS);
                if (best == null) {
                    row.add("—");
                } else if (blas == null) {
                    row.add("`" + best + "`, no OpenBLAS result");
                } else {
                    row.add("`" + best + "` " + Markdown.ratio(blas.median() / r.time(matrix, s, best).median()));
                }
            }
            table.row(row);
        }
        md.paragraph("Each cell: the fastest Tersor variant and its speed-up over OpenBLAS at that batch (B) and "
                + "thread count (T).");
        md.table(table);
    }

    private static String smallest(MatrixResults r, String matrix) {
        String best = null;
        long bestBytes = Long.MAX_VALUE;
        for (String variant : r.variants(matrix)) {
            long bytes = r.bytes(matrix, variant);
            if (!Variant.OPENBLAS.equals(variant) && bytes >= 0 && bytes < bestBytes) {
                best = Variant.parse(variant).format();
                bestBytes = bytes;
            }
        }
        if (best == null) {
            return "—";
        }
        TrialRecord facts = r.matrixFacts.get(matrix);
        String bits = facts == null ? "" : ", " + Markdown.significant(8.0 * bestBytes / facts.entries()) + " bits/weight";
        return best + " (" + Markdown.bytes(bestBytes) + bits + ")";
    }

    private static void cases(MatrixResults r, Markdown md, ReportContext context) {
        md.heading(3, "Cases");
        for (String matrix : r.matrices) {
            md.heading(4, matrix);
            md.paragraph(describe(r, matrix));
            List<Setting> settings = r.settings(matrix);
            List<String> variants = r.variants(matrix);
            Setting chartSetting = settings.contains(B1_T1) ? B1_T1 : settings.isEmpty() ? null : settings.getFirst();
            if (chartSetting != null && sizeChart(r, matrix, chartSetting, context)) {
                md.image(matrix + ": size against time", context.chartLink(sizeChartName(matrix, chartSetting)));
            }
            md.paragraph("**Time per product**, median (interquartile range):");
            md.table(table(r, matrix, settings, variants, true, (variant, s, time) -> Markdown.time(time)));
            md.paragraph("**Speed-up against OpenBLAS** (higher is better):");
            md.table(table(r, matrix, settings, variants, false, (variant, s, time) -> {
                Summary blas = r.time(matrix, s, Variant.OPENBLAS);
                return blas == null ? "—" : Markdown.ratio(blas.median() / time.median());
            }));
            md.paragraph("**Speed-up against CSR on the same provider**:");
            md.table(table(r, matrix, settings, variants, false, (variant, s, time) -> {
                Variant v = Variant.parse(variant);
                Summary csr = v.isOpenBlas() ? null : r.time(matrix, s, Variant.of(CsrMatrix.NAME, v.provider()).id());
                return csr == null ? "—" : Markdown.ratio(csr.median() / time.median());
            }));
            md.paragraph("**Share of the memory roofline** (ideal time at the measured read bandwidth over the "
                    + "measured time; † the weights fit in the last-level cache, so DRAM bandwidth does not bound them):");
            md.table(table(r, matrix, settings, variants, false, (variant, s, time) -> {
                Key key = new Key(matrix, s.batch(), s.threads(), variant);
                double share = rooflineShare(r, key, time);
                if (Double.isNaN(share)) {
                    return "—";
                }
                return Markdown.percent(share) + (r.bytes(matrix, variant) <= r.llcBytes ? " †" : "");
            }));
        }
    }

    private static String describe(MatrixResults r, String matrix) {
        StringBuilder text = new StringBuilder();
        try {
            MatrixCase c = MatrixCases.named(matrix);
            MatrixCases.Shape shape = MatrixCases.shape(c.shape());
            text.append(shape == null ? c.shape() : shape.title()).append(" `[").append(c.rows()).append(", ")
                    .append(c.cols()).append("]`, ").append(c.description()).append('.');
        } catch (IllegalArgumentException e) {
            text.append("(this build does not know the case)");
        }
        TrialRecord facts = r.matrixFacts.get(matrix);
        if (facts != null) {
            text.append(String.format(Locale.ROOT, " Measured density %.2f %% (%d non-zeros of %d).",
                    100.0 * facts.nonZeros() / Math.max(1, facts.entries()), facts.nonZeros(), facts.entries()));
        }
        return text.toString();
    }

    /** The cell of one variant at one setting, given its time. */
    private interface Cell {
        String render(String variant, Setting setting, Summary time);
    }

    private static Markdown.Table table(MatrixResults r, String matrix, List<Setting> settings, List<String> variants,
                                        boolean withBytes, Cell cell) {
        List<String> header = new ArrayList<>(List.of("variant"));
        if (withBytes) {
            header.add("bytes");
            header.add("bits/weight");
        }
        settings.forEach(s -> header.add(s.label()));
        Markdown.Table table = new Markdown.Table(header);
        TrialRecord facts = r.matrixFacts.get(matrix);
        for (String variant : variants) {
            List<String> row = new ArrayList<>(List.of("`" + variant + "`"));
            if (withBytes) {
                long bytes = r.bytes(matrix, variant);
                row.add(bytes < 0 ? "—" : Markdown.bytes(bytes));
                row.add(bytes < 0 || facts == null ? "—" : Markdown.significant(8.0 * bytes / facts.entries()));
            }
            for (Setting s : settings) {
                Summary time = r.time(matrix, s, variant);
                if (time != null) {
                    row.add(cell.render(variant, s, time));
                } else {
                    TrialRecord trial = r.trials.get(new Key(matrix, s.batch(), s.threads(), variant));
                    row.add(trial == null || trial.ok() ? "no result" : trial.status());
                }
            }
            table.row(row);
        }
        return table;
    }

    private static String sizeChartName(String matrix, Setting s) {
        return "size-time-" + fileName(matrix) + "-b" + s.batch() + "-t" + s.threads() + ".png";
    }

    private static boolean sizeChart(MatrixResults r, String matrix, Setting s, ReportContext context) {
        List<Charts.Point> points = new ArrayList<>();
        for (String variant : r.variants(matrix)) {
            Summary time = r.time(matrix, s, variant);
            long bytes = r.bytes(matrix, variant);
            if (time != null && bytes > 0) {
                points.add(new Charts.Point(variant, bytes, time.median()));
            }
        }
        if (points.isEmpty()) {
            return false;
        }
        Charts.sizeAgainstTime(matrix + ", " + s.label(), "median time against the bytes of the weights; "
                        + "dashed: the memory roofline", points, r.bytesPerNano(s.threads()),
                context.chartsDir().resolve(sizeChartName(matrix, s)));
        return true;
    }

    private static void densityCharts(MatrixResults r, Markdown md, ReportContext context) {
        Map<String, List<MatrixCase>> byShape = new LinkedHashMap<>();
        for (String matrix : r.matrices) {
            try {
                MatrixCase c = MatrixCases.named(matrix);
                if (r.settings(matrix).contains(B1_T1)) {
                    byShape.computeIfAbsent(c.shape(), s -> new ArrayList<>()).add(c);
                }
            } catch (IllegalArgumentException e) {
                // a case this build does not know has no shape to group it by
            }
        }
        byShape.values().removeIf(list -> list.size() < 2);
        if (byShape.isEmpty()) {
            return;
        }
        md.heading(3, "Time per format across densities");
        md.paragraph("B = 1, T = 1. Each format on its fastest provider for that case; the presets are ordered by density.");
        for (Map.Entry<String, List<MatrixCase>> e : byShape.entrySet()) {
            List<MatrixCase> cases = new ArrayList<>(e.getValue());
            cases.sort(Comparator.comparingDouble(MatrixCase::density).thenComparingInt(MatrixCase::distinctValues));
            List<String> categories = cases.stream().map(MatrixReport::densityLabel).toList();
            Map<String, double[]> series = new LinkedHashMap<>();
            for (int i = 0; i < cases.size(); i++) {
                String matrix = cases.get(i).id();
                for (String variant : r.variants(matrix)) {
                    Summary time = r.time(matrix, B1_T1, variant);
                    if (time == null) {
                        continue;
                    }
                    String format = Variant.parse(variant).format();
                    double[] values = series.computeIfAbsent(format, f -> nanArray(cases.size()));
                    values[i] = Double.isNaN(values[i]) ? time.median() : Math.min(values[i], time.median());
                }
            }
            String file = "density-" + fileName(e.getKey()) + "-b1-t1.png";
            MatrixCases.Shape shape = MatrixCases.shape(e.getKey());
            String title = (shape == null ? e.getKey() : shape.title() + " [" + shape.rows() + ", " + shape.cols() + "]")
                    + ", B=1 T=1";
            Charts.timeAcrossCategories(title, "median time per product; each format on its fastest provider",
                    categories, series, context.chartsDir().resolve(file));
            md.image(e.getKey() + ": time across densities", context.chartLink(file));
        }
    }

    private static double[] nanArray(int n) {
        double[] values = new double[n];
        Arrays.fill(values, Double.NaN);
        return values;
    }

    /** Category label of a density chart, e.g. {@code "4 %, K=32"}. */
    private static String densityLabel(MatrixCase c) {
        double p = c.density() * 100;
        String density = p == Math.rint(p) ? String.valueOf((long) p) : String.valueOf(p);
        return density + " %, K=" + c.distinctValues();
    }

    private static void problems(MatrixResults r, Markdown md) {
        Map<String, List<String>> grouped = new LinkedHashMap<>();
        for (Key key : r.expected) {
            if (r.times.containsKey(key)) {
                continue;
            }
            TrialRecord trial = r.trials.get(key);
            String reason;
            if (trial == null) {
                reason = "no result and no trial record: the fork failed before its set-up finished (see the JMH output)";
            } else if (trial.ok()) {
                reason = "set up and checked, but no timing: the fork failed while measuring (see the JMH output)";
            } else {
                reason = trial.status() + ": " + trial.message();
            }
            grouped.computeIfAbsent("`" + key.variant() + "` on " + key.matrix() + " — " + reason, k -> new ArrayList<>())
                    .add("B=" + key.batch() + " T=" + key.threads());
        }
        md.heading(3, "Skipped, failed and missing trials");
        if (!r.unmeasured.isEmpty()) {
            md.paragraph("**Not measured**, so absent from every table above: " + r.unmeasured.stream()
                    .map(m -> "`" + m + "`").collect(Collectors.joining(", "))
                    + ". The run stopped before these cases; `./tersor bench --resume DIR` continues it.");
        }
        if (grouped.isEmpty()) {
            if (r.unmeasured.isEmpty()) {
                md.paragraph("None: every planned trial produced a checked timing.");
            }
            return;
        }
        for (Map.Entry<String, List<String>> e : grouped.entrySet()) {
            md.bullet(e.getKey() + " (" + String.join(", ", e.getValue()) + ")");
        }
        md.endList();
    }

    private static String fileName(String id) {
        return id.replaceAll("[^A-Za-z0-9.-]+", "-");
    }
}
