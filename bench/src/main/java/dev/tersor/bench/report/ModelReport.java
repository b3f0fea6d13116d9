package dev.tersor.bench.report;

import dev.tersor.bench.model.ModelForm;
import dev.tersor.bench.model.ModelTrialLog;
import dev.tersor.bench.model.ModelTrialRecord;
import dev.tersor.bench.model.ModelWorkload;
import dev.tersor.bench.model.PreparedModels;
import dev.tersor.bench.run.SuiteRunner;
import dev.tersor.bench.suite.JmhRun;
import dev.tersor.bench.suite.ModelSuite;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The model suite's part of the report, the comparison with ONNX Runtime: the goal, latency
 * per form, workload and thread count with ratios against ONNX Runtime fp32 and int8, load time,
 * memory, the reference checks, and every trial that was skipped or failed.
 */
public final class ModelReport implements ReportSection {

    /** One latency trial. */
    record Key(String form, String workload, int threads) {
    }

    /** A workload at a thread count: one column of the latency tables. */
    record Column(String workload, int threads) {
        String label() {
            ModelWorkload w = ModelWorkload.parse(workload);
            return "B=" + w.batch() + " " + w.tokens() + " tok T=" + threads;
        }
    }

    @Override
    public boolean comparesOnnxRuntime() {
        return true;
    }

    @Override
    public void write(BenchResults results, ReportContext context) {
        Markdown md = context.markdown();
        md.heading(2, "Model suite: all-MiniLM-L6-v2 against ONNX Runtime");
        Map<Key, Summary> latency = new LinkedHashMap<>();
        Map<String, Summary> load = new LinkedHashMap<>();
        for (JmhEntry e : results.entries()) {
            if (e.benchmark().equals(ModelSuite.LATENCY)) {
                latency.put(new Key(e.param("form"), e.param("workload"), Integer.parseInt(e.param("threads"))),
                        Summary.of(e.samplesNs()));
            } else if (e.benchmark().equals(ModelSuite.LOAD)) {
                load.put(e.param("form"), Summary.of(e.samplesNs()));
            }
        }
        List<ModelTrialRecord> trials = ModelTrialLog.read(context.outDir().resolve(ModelTrialLog.FILE));
        List<Column> columns = new ArrayList<>();
        List<String> forms = new ArrayList<>();
        for (JmhRun run : results.plan().runs()) {
            if (run.benchmark().equals(ModelSuite.LATENCY)) {
                for (String w : run.values("workload")) {
                    for (String t : run.values("threads")) {
                        Column c = new Column(w, Integer.parseInt(t));
                        if (!columns.contains(c)) {
                            columns.add(c);
                        }
                    }
                }
                run.values("form").stream().filter(f -> !forms.contains(f)).forEach(forms::add);
            }
        }
        md.paragraph("One forward pass (`last_hidden_state`) of all-MiniLM-L6-v2 on fixed token ids, every token "
                + "attended. Forms: " + String.join("; ", forms.stream().map(ModelReport::describe).toList())
                + ". Tersor runs the `.tsr` files imported (or compressed) before the run, with its default kernels, "
                + "its default execution policy (`fastest`) and T row-parallel threads; ONNX Runtime runs the ONNX "
                + "files with T intra-op threads, one inter-op thread, sequential execution and every graph "
                + "optimization. Before it is timed, each trial checks its mean-pooled outputs against an independent "
                + "implementation: ONNX Runtime fp32 (for ONNX Runtime fp32 itself, Tersor fp32; for the compressed "
                + "form, its own file on Tersor's scalar reference kernels, as stored). Cosine ≥ "
                + ModelForm.EXACT_COSINE + " for the fp32 and compressed forms, ≥ " + ModelForm.QUANTIZED_COSINE
                + " for the int8 ones.");
        compressor(context.outDir(), md);
        goals(latency, md);
        md.heading(3, "Latency");
        md.paragraph("Time per forward pass, median (interquartile range); for batch 32 also sentences per second.");
        md.table(table(forms, columns, latency, trials, (form, c, s) -> {
            ModelWorkload w = ModelWorkload.parse(c.workload());
            return Markdown.time(s) + (w.isThroughput()
                    ? String.format(Locale.ROOT, ", %.0f/s", w.batch() / (s.median() / 1e9)) : "");
        }));
        for (ModelForm baseline : List.of(ModelForm.ORT_FP32, ModelForm.ORT_INT8)) {
            md.paragraph("**Speed-up against " + baseline.title() + "** (its time over the form's; higher is better):");
            md.table(table(forms, columns, latency, trials, (form, c, s) -> {
                Summary base = latency.get(new Key(baseline.id(), c.workload(), c.threads()));
                return base == null ? "—" : Markdown.ratio(base.median() / s.median());
            }));
        }
        loadTable(forms, load, trials, md);
        memory(forms, trials, md);
        checks(forms, trials, md);
        problems(results, latency, load, trials, md);
    }

    private static String describe(String id) {
        try {
            return "`" + id + "` " + ModelForm.of(id).title();
        } catch (IllegalArgumentException e) {
            return "`" + id + "`";
        }
    }

    private static void compressor(Path outDir, Markdown md) {
        Path dir = outDir.resolve(SuiteRunner.MODELS);
        if (!Files.isRegularFile(dir.resolve(PreparedModels.MANIFEST))) {
            return;
        }
        PreparedModels.Manifest manifest = PreparedModels.read(dir);
        if (!manifest.layouts().isEmpty()) {
            md.paragraph("Weight matrices of the Tersor forms by format: " + String.join("; ", manifest.layouts()
                    .entrySet().stream().map(e -> "`" + e.getKey() + "` " + e.getValue()).toList()) + ".");
        }
        if (!manifest.compressor().isEmpty()) {
            md.paragraph("The compressed form was made by " + manifest.compressor() + ".");
        }
        manifest.unavailable().forEach((form, reason) -> md.paragraph("**`" + form + "` is missing from this run**: "
                + reason + ". No other form stands in for it."));
    }

    private static void goals(Map<Key, Summary> latency, Markdown md) {
        md.heading(3, "Goals");
        Markdown.Table table = new Markdown.Table(List.of("goal", "measured", "met"));
        for (ModelForm baseline : List.of(ModelForm.ORT_FP32, ModelForm.ORT_INT8)) {
            for (ModelWorkload w : List.of(ModelWorkload.SHORT, ModelWorkload.LONG)) {
                String goal = "MiniLM compressed, batch 1, " + w.tokens() + " tokens, 1 thread: latency ≤ "
                        + baseline.title() + (baseline == ModelForm.ORT_INT8 ? " (stretch)" : "");
                Summary mine = latency.get(new Key(ModelForm.TERSOR_COMPRESSED.id(), w.id(), 1));
                Summary theirs = latency.get(new Key(baseline.id(), w.id(), 1));
                if (mine == null || theirs == null) {
                    table.row(List.of(goal, "not measured", "—"));
                } else {
                    table.row(List.of(goal, Markdown.time(mine.median()) + " against " + Markdown.time(theirs.median()),
                            mine.median() <= theirs.median() ? "yes" : "no"));
                }
            }
        }
        md.table(table);
    }

    private interface Cell {
        String render(String form, Column column, Summary time);
    }

    private static Markdown.Table table(List<String> forms, List<Column> columns, Map<Key, Summary> latency,
                                        List<ModelTrialRecord> trials, Cell cell) {
        List<String> header = new ArrayList<>(List.of("form"));
        columns.forEach(c -> header.add(c.label()));
        Markdown.Table table = new Markdown.Table(header);
        for (String form : forms) {
            List<String> row = new ArrayList<>(List.of("`" + form + "`"));
            for (Column c : columns) {
                Summary s = latency.get(new Key(form, c.workload(), c.threads()));
                row.add(s != null ? cell.render(form, c, s) : status(trials, ModelSuite.LATENCY, form, c.workload(), c.threads()));
            }
            table.row(row);
        }
        return table;
    }

    private static String status(List<ModelTrialRecord> trials, String benchmark, String form, String workload, int threads) {
        return trials.stream().filter(t -> t.benchmark().equals(benchmark) && t.form().equals(form)
                        && t.workload().equals(workload) && t.threads() == threads && !t.ok())
                .map(ModelTrialRecord::status).findFirst().orElse("no result");
    }

    private static void loadTable(List<String> forms, Map<String, Summary> load, List<ModelTrialRecord> trials, Markdown md) {
        md.heading(3, "Load time");
        md.paragraph("From file to a usable model, one thread, warm file cache: mapping the `.tsr` (checksums, layouts, "
                + "graph) for Tersor, creating a session from the ONNX file for ONNX Runtime. Median (interquartile range) "
                + "of single loads.");
        Summary base = load.get(ModelForm.ORT_FP32.id());
        Markdown.Table table = new Markdown.Table(List.of("form", "file", "load time", "against ONNX Runtime fp32"));
        for (String form : forms) {
            Summary s = load.get(form);
            long file = trials.stream().filter(t -> t.form().equals(form) && t.ok() && t.fileBytes() > 0)
                    .mapToLong(ModelTrialRecord::fileBytes).findFirst().orElse(-1);
            table.row(List.of("`" + form + "`", file < 0 ? "—" : Markdown.bytes(file),
                    s == null ? status(trials, ModelSuite.LOAD, form, "", 1) : Markdown.time(s),
                    s == null || base == null ? "—" : Markdown.fasterOrSlower(base.median() / s.median())));
        }
        md.table(table);
    }

    private static void memory(List<String> forms, List<ModelTrialRecord> trials, Markdown md) {
        md.heading(3, "Memory");
        md.paragraph("Per form, over its latency trials (each in a fresh JVM with a 4 GiB heap limit and the serial "
                + "collector with a 16 MiB young generation, as `./tersor embed`, `run` and `serve` use): the resident set "
                + "the load and first run added (median), the peak resident set of the whole process (largest, "
                + "with its workload; it includes the JVM itself), and the off-heap bytes the JVM tracks after "
                + "loading (Tersor's weights and buffers; ONNX Runtime allocates outside the JVM's view, so —). "
                + "Weights: bytes of the weight matrices as Tersor holds them.");
        Markdown.Table table = new Markdown.Table(List.of("form", "weights", "resident added by load", "peak resident",
                "off-heap (JVM-tracked)"));
        for (String form : forms) {
            List<ModelTrialRecord> mine = trials.stream().filter(t -> t.benchmark().equals(ModelSuite.LATENCY)
                    && t.form().equals(form) && t.ok()).toList();
            if (mine.isEmpty()) {
                table.row(List.of("`" + form + "`", "—", "—", "—", "—"));
                continue;
            }
            List<Double> added = mine.stream().filter(t -> t.residentBefore() >= 0 && t.residentLoaded() >= 0)
                    .map(t -> (double) (t.residentLoaded() - t.residentBefore())).toList();
            ModelTrialRecord peak = mine.stream().max((a, b) -> Long.compare(a.peakResident(), b.peakResident())).orElseThrow();
            long weights = mine.getFirst().weightBytes();
            long offHeap = mine.stream().mapToLong(ModelTrialRecord::offHeapBytes).max().orElse(-1);
            table.row(List.of("`" + form + "`", weights < 0 ? "—" : Markdown.bytes(weights),
                    added.isEmpty() ? "—" : Markdown.bytes((long) Summary.of(added).median()),
                    peak.peakResident() < 0 ? "—" : Markdown.bytes(peak.peakResident()) + " (" + peak.workload()
                            + " T=" + peak.threads() + ")",
                    offHeap < 0 ? "—" : Markdown.bytes(offHeap)));
        }
        md.table(table);
    }

    private static void checks(List<String> forms, List<ModelTrialRecord> trials, Markdown md) {
        md.heading(3, "Reference checks");
        Markdown.Table table = new Markdown.Table(List.of("form", "reference", "trials checked", "least cosine", "needed"));
        for (String form : forms) {
            List<ModelTrialRecord> mine = trials.stream().filter(t -> t.benchmark().equals(ModelSuite.LATENCY)
                    && t.form().equals(form) && !Double.isNaN(t.cosine())).toList();
            ModelForm f = ModelForm.of(form);
            double least = mine.stream().mapToDouble(ModelTrialRecord::cosine).min().orElse(Double.NaN);
            table.row(List.of("`" + form + "`", "`" + f.reference().id() + "`", String.valueOf(mine.size()),
                    Double.isNaN(least) ? "—" : String.format(Locale.ROOT, "%.6f", least),
                    String.valueOf(f.minCosine())));
        }
        md.table(table);
    }

    private static void problems(BenchResults results, Map<Key, Summary> latency, Map<String, Summary> load,
                                 List<ModelTrialRecord> trials, Markdown md) {
        Map<String, List<String>> grouped = new LinkedHashMap<>();
        Set<String> seen = new LinkedHashSet<>();
        for (JmhRun run : results.plan().runs()) {
            boolean isLoad = run.benchmark().equals(ModelSuite.LOAD);
            if (!isLoad && !run.benchmark().equals(ModelSuite.LATENCY)) {
                continue;
            }
            for (String form : run.values("form")) {
                List<String> workloads = isLoad ? List.of("") : run.values("workload");
                List<String> threads = isLoad ? List.of("1") : run.values("threads");
                for (String w : workloads) {
                    for (String t : threads) {
                        int th = Integer.parseInt(t);
                        boolean measured = isLoad ? load.containsKey(form) : latency.containsKey(new Key(form, w, th));
                        if (measured || !seen.add(run.benchmark() + form + w + t)) {
                            continue;
                        }
                        ModelTrialRecord record = trials.stream().filter(r -> r.benchmark().equals(run.benchmark())
                                && r.form().equals(form) && r.workload().equals(w) && r.threads() == th)
                                .reduce((a, b) -> a.ok() ? b : a).orElse(null);
                        String reason = record == null
                                ? "no result and no trial record: the fork failed before its set-up finished (see the JMH output)"
                                : record.ok() ? "set up and checked, but no timing: the fork failed while measuring"
                                : record.status() + ": " + record.message();
                        grouped.computeIfAbsent("`" + form + "` " + (isLoad ? "load" : "latency") + " — " + reason,
                                k -> new ArrayList<>()).add(isLoad ? "load" : w + " T=" + t);
                    }
                }
            }
        }
        md.heading(3, "Skipped, failed and missing model trials");
        if (grouped.isEmpty()) {
            md.paragraph("None: every planned model trial produced a checked timing.");
            return;
        }
        grouped.forEach((reason, where) -> md.bullet(reason + " (" + String.join(", ", where) + ")"));
        md.endList();
    }
}
