package dev.tersor.cli;

import dev.tersor.cli.corpus.Corpus;
import dev.tersor.embed.Embedder;
import dev.tersor.embed.SentenceFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * One embedder shared by many threads for a long time: every result must be bit-identical to the
 * same batch embedded alone, and resident and heap memory must stay flat.
 */
@Command(name = "soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Share one model between many threads for a while: every vector must equal, bit for bit, the same",
                "batch embedded on one thread first; resident memory and the heap are sampled and must stay flat.",
                "Off-heap memory is sampled too when the JVM runs with -XX:NativeMemoryTracking=summary."})
final class SoakCommand implements java.util.concurrent.Callable<Integer> {

    /** Growth of resident memory between the first sample after warm-up and the last that counts as a leak. */
    static final long ALLOWED_GROWTH_BYTES = 64L << 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "The model (.tsr or .onnx).")
    Path model;

    @Option(names = "--threads", defaultValue = "64", description = "Threads sharing the model. Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--seconds", defaultValue = "600", description = "How long to run. Default: ${DEFAULT-VALUE} (10 minutes).")
    int seconds;

    @Option(names = "--sample-seconds", defaultValue = "30", description = "Memory sample interval. Default: ${DEFAULT-VALUE}.")
    int sampleSeconds;

    @Option(names = "--batches", defaultValue = "64", description = "Distinct batches the threads pick from. Default: ${DEFAULT-VALUE}.")
    int batchCount;

    @Option(names = "--corpus", paramLabel = "FILE", description = "Sentences, one a line. Default: raw_sentences.txt from the cache.")
    Path corpus;

    @Mixin
    EmbeddingOptions embedding;

    @Override
    public Integer call() throws Exception {
        Arguments.inputFile("model", model);
        Arguments.inRange("--threads", threads, 1, 1024);
        Arguments.inRange("--seconds", seconds, 1, 7 * 24 * 3600);
        Arguments.inRange("--sample-seconds", sampleSeconds, 1, 3600);
        Arguments.inRange("--batches", batchCount, 1, 10_000);
        PrintWriter out = spec.commandLine().getOut();
        List<String> sentences = SentenceFile.read(corpus != null ? Arguments.inputFile("--corpus", corpus) : Corpus.rawSentences(), 2000);
        if (sentences.isEmpty()) {
            throw new IllegalArgumentException("the corpus holds no sentences");
        }
        try (Embedder embedder = Embedder.load(model, embedding.tokenizer(), embedding.embedderOptions())) {
            List<List<String>> batches = batches(sentences, batchCount);
            // The reference: each batch alone on this thread. Soak threads run the same batches, so a
            // difference can only come from sharing (kernels may sum differently for other batch sizes).
            List<float[][]> expected = new ArrayList<>();
            for (List<String> batch : batches) {
                expected.add(embedder.embed(batch));
            }
            out.printf(Locale.ROOT, "soak: %s, %d threads, %d s, %d batches of 1 to 32 sentences%n", model, threads, seconds,
                    batches.size());
            out.printf(Locale.ROOT, "%8s %12s %14s %14s %14s %12s%n", "seconds", "batches", "resident MiB", "heap MiB",
                    "off-heap MiB", "mismatches");
            AtomicLong done = new AtomicLong();
            AtomicLong mismatches = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = t;
                workers.add(pool.submit(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    while (!stop.get()) {
                        int i = random.nextInt(batches.size());
                        if (!Arrays.deepEquals(embedder.embed(batches.get(i)), expected.get(i))) {
                            mismatches.incrementAndGet();
                        }
                        done.incrementAndGet();
                    }
                    return null;
                }));
            }
            long start = System.nanoTime();
            long end = start + seconds * 1_000_000_000L;
            List<Long> resident = new ArrayList<>();
            try {
                while (System.nanoTime() < end && mismatches.get() == 0) {
                    Thread.sleep(Math.min(sampleSeconds * 1000L, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
                    resident.add(residentBytes());
                    long offHeap = trackedOffHeapBytes();
                    out.printf(Locale.ROOT, "%8.0f %12d %14.1f %14.1f %14s %12d%n", (System.nanoTime() - start) / 1e9, done.get(),
                            resident.getLast() / 1048576.0, heapAfterGc() / 1048576.0,
                            offHeap < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f", offHeap / 1048576.0), mismatches.get());
                    out.flush();
                }
            } finally {
                stop.set(true);
                pool.shutdown();
            }
            for (Future<?> worker : workers) {
                worker.get();
            }
            long growth = resident.size() < 2 ? 0 : resident.getLast() - resident.get(resident.size() > 2 ? 1 : 0);
            if (!fixedHeap()) {
                out.printf(Locale.ROOT, "%d batches, %d mismatches; resident memory grew by %.1f MiB after warm-up, not judged:"
                                + " the Java heap is not fixed (-Xms equal to -Xmx, with -XX:+AlwaysPreTouch), so the"
                                + " collector's sizing moves it by hundreds of MiB%n", done.get(), mismatches.get(),
                        growth / 1048576.0);
                return mismatches.get() == 0 ? 0 : 1;
            }
            out.printf(Locale.ROOT, "%d batches, %d mismatches, resident memory grew by %.1f MiB after warm-up (allowed %d MiB)%n",
                    done.get(), mismatches.get(), growth / 1048576.0, ALLOWED_GROWTH_BYTES >> 20);
            return mismatches.get() == 0 && growth <= ALLOWED_GROWTH_BYTES ? 0 : 1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Whether the heap's size is fixed, so resident memory can only grow by a leak: with G1's default
     * sizing, 64 threads make the committed heap swing by hundreds of MiB between samples.
     */
    private static boolean fixedHeap() {
        java.lang.management.MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return heap.getInit() == heap.getMax();
    }

    /** Batches of 1 to 32 sentences, fixed by seed, so every thread can pick any of them. */
    private static List<List<String>> batches(List<String> sentences, int count) {
        SplittableRandom random = new SplittableRandom(42);
        List<List<String>> batches = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int size = 1 + random.nextInt(32);
            List<String> batch = new ArrayList<>();
            for (int j = 0; j < size; j++) {
                batch.add(sentences.get(random.nextInt(sentences.size())));
            }
            batches.add(batch);
        }
        return batches;
    }

    /** The process's resident set (weights, mappings and native arenas included), from /proc. */
    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return 0;
    }

    private static final Pattern OTHER_NATIVE = Pattern.compile("-\\s+Other \\(reserved=\\d+KB, committed=(\\d+)KB\\)");

    /**
     * Memory allocated off-heap outside mappings (arenas, where activations and decoded weights live;
     * direct buffers), which the JVM accounts as "Other" when it runs with
     * {@code -XX:NativeMemoryTracking=summary}; -1 without it. Resident memory alone cannot tell such a
     * leak from the page cache of the mapped model filling in.
     */
    private static long trackedOffHeapBytes() {
        try {
            String summary = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                    new Object[]{new String[]{"summary", "scale=KB"}}, new String[]{String[].class.getName()});
            Matcher other = OTHER_NATIVE.matcher(summary);
            return other.find() ? Long.parseLong(other.group(1)) * 1024 : -1;
        } catch (JMException e) {
            return -1;
        }
    }

    private static long heapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }
}
