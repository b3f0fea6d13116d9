package dev.tersor.fuzz;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A structure-aware mutation fuzzer for readers of untrusted bytes. Jazzer 0.24.0 resolves here but
 * cannot instrument JDK 25 class files (its shaded ASM rejects class file version 69), so it runs
 * without coverage; this fuzzer makes up for the missing guidance with mutations that know the
 * inputs' shape: byte edits, splices between seeds, and edits of the JSON text inside them
 * (numbers swapped for boundary values, strings and members dropped, duplicated or exchanged).
 *
 * <p>Each input runs on a worker thread under a deadline. A run fails on an exception the target
 * does not declare as its typed error, on any {@link Error} (out of memory, stack overflow), on a
 * hang, and on whatever the target's own oracle rejects (an accepted input that changes results).
 * A native abort ends the whole JVM, which fails the test run as loudly.
 */
final class MutationFuzzer {

    /** The code under test; throws a typed error for bad input, or an {@link AssertionError} from its oracle. */
    interface Target {
        void accept(byte[] input) throws Exception;
    }

    record Failure(String kind, Throwable cause, byte[] input) {
        @Override
        public String toString() {
            return kind + ": " + cause + " (input of " + input.length + " bytes)";
        }
    }

    record Result(long executions, long accepted, List<Failure> failures) {
    }

    private static final Pattern JSON_NUMBER = Pattern.compile("-?\\b\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?");
    private static final Pattern JSON_STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.){0,64}\"");
    private static final String[] BOUNDARY_NUMBERS = {"-1", "0", "1", "2", "7", "8", "255", "256", "65535", "65536",
            "2147483647", "2147483648", "-2147483648", "4294967296", "9223372036854775807", "1e308", "-0", "0.5", "1e-45"};
    private static final int JSON_WINDOW = 4096;
    private static final byte[] BOUNDARY_BYTES = {0, 1, 0x7f, (byte) 0x80, (byte) 0xff, '{', '}', '"', '[', ']', ':', ','};

    private final List<byte[]> seeds;
    private final Target target;
    private final Predicate<Throwable> typedError;
    private final Duration deadline;
    private java.nio.file.Path lastInput;

    MutationFuzzer(List<byte[]> seeds, Target target, Predicate<Throwable> typedError, Duration deadline) {
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("no seeds");
        }
        this.seeds = List.copyOf(seeds);
        this.target = target;
        this.typedError = typedError;
        this.deadline = deadline;
    }

    /** Writes each input to {@code file} before running it, for targets that can end the process. */
    MutationFuzzer keepingLastInput(java.nio.file.Path file) {
        this.lastInput = file;
        return this;
    }

    /** Runs until {@code executions} inputs ran or {@code budget} passed; stops at the first failure. */
    Result run(long executions, Duration budget, long seed) throws java.io.IOException, InterruptedException {
        SplittableRandom random = new SplittableRandom(seed);
        long end = System.nanoTime() + budget.toNanos();
        long done = 0;
        long accepted = 0;
        List<Failure> failures = new ArrayList<>();
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-target");
            t.setDaemon(true);
            return t;
        });
        try {
            while (done < executions && System.nanoTime() < end && failures.isEmpty()) {
                byte[] input = mutate(random);
                if (lastInput != null) {
                    // A native abort ends the JVM before any report: the input that did it stays on disk.
                    java.nio.file.Files.write(lastInput, input);
                }
                Future<?> run = worker.submit(() -> {
                    target.accept(input);
                    return null;
                });
                done++;
                try {
                    run.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
                    accepted++;
                } catch (TimeoutException e) {
                    run.cancel(true);
                    failures.add(new Failure("hang beyond " + deadline, e, input));
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof Error || !typedError.test(cause)) {
                        failures.add(new Failure(cause instanceof AssertionError ? "oracle" : "untyped", cause, input));
                    }
                }
            }
        } finally {
            worker.shutdownNow();
        }
        return new Result(done, accepted, failures);
    }

    /** One to four stacked mutations of a random seed. */
    byte[] mutate(SplittableRandom random) {
        byte[] data = seeds.get(random.nextInt(seeds.size())).clone();
        int edits = 1 + random.nextInt(4);
        for (int i = 0; i < edits; i++) {
            data = switch (random.nextInt(9)) {
                case 0 -> flipBit(data, random);
                case 1 -> setByte(data, random);
                case 2 -> deleteRange(data, random);
                case 3 -> duplicateRange(data, random);
                case 4 -> truncate(data, random);
                case 5 -> splice(data, seeds.get(random.nextInt(seeds.size())), random);
                case 6 -> replaceJson(data, JSON_NUMBER, random, (m, r) -> BOUNDARY_NUMBERS[r.nextInt(BOUNDARY_NUMBERS.length)]);
                case 7 -> replaceJson(data, JSON_STRING, random, MutationFuzzer::otherString);
                default -> replaceJson(data, JSON_STRING, random, (m, r) -> r.nextBoolean() ? "\"\"" : "null");
            };
        }
        return data;
    }

    private static byte[] flipBit(byte[] d, SplittableRandom r) {
        if (d.length > 0) {
            d[r.nextInt(d.length)] ^= (byte) (1 << r.nextInt(8));
        }
        return d;
    }

    private static byte[] setByte(byte[] d, SplittableRandom r) {
        if (d.length > 0) {
            d[r.nextInt(d.length)] = BOUNDARY_BYTES[r.nextInt(BOUNDARY_BYTES.length)];
        }
        return d;
    }

    private static byte[] deleteRange(byte[] d, SplittableRandom r) {
        if (d.length < 2) {
            return d;
        }
        int from = r.nextInt(d.length);
        int to = Math.min(d.length, from + 1 + r.nextInt(Math.min(64, d.length)));
        byte[] out = new byte[d.length - (to - from)];
        System.arraycopy(d, 0, out, 0, from);
        System.arraycopy(d, to, out, from, d.length - to);
        return out;
    }

    private static byte[] duplicateRange(byte[] d, SplittableRandom r) {
        if (d.length < 2) {
            return d;
        }
        int from = r.nextInt(d.length);
        int length = Math.min(d.length - from, 1 + r.nextInt(64));
        byte[] out = new byte[d.length + length];
        System.arraycopy(d, 0, out, 0, from + length);
        System.arraycopy(d, from, out, from + length, d.length - from);
        return out;
    }

    private static byte[] truncate(byte[] d, SplittableRandom r) {
        return d.length < 2 ? d : Arrays.copyOf(d, r.nextInt(d.length));
    }

    private static byte[] splice(byte[] d, byte[] other, SplittableRandom r) {
        if (d.length < 2 || other.length < 2) {
            return d;
        }
        int cut = r.nextInt(d.length);
        int from = r.nextInt(other.length);
        int length = Math.min(other.length - from, 1 + r.nextInt(256));
        byte[] out = Arrays.copyOf(d, cut + length);
        System.arraycopy(other, from, out, cut, length);
        return out;
    }

    private interface Replacement {
        String with(Matcher match, SplittableRandom random);
    }

    /**
     * Replaces one match of {@code pattern} in the text (Latin-1, so every byte keeps its place). A long
     * input is searched within one random window only: scanning all of an 80 KB header twice per edit
     * held the {@code .tsr} header target near 40 inputs per second.
     */
    private static byte[] replaceJson(byte[] d, Pattern pattern, SplittableRandom r, Replacement replacement) {
        String text = new String(d, StandardCharsets.ISO_8859_1);
        int from = 0;
        int to = text.length();
        if (text.length() > JSON_WINDOW) {
            from = r.nextInt(text.length() - JSON_WINDOW + 1);
            // Begin after a separator, so that the window seldom starts inside a string and matches between two.
            int comma = text.indexOf(',', from);
            from = comma >= 0 && comma < from + JSON_WINDOW ? comma + 1 : from;
            to = Math.min(text.length(), from + JSON_WINDOW);
        }
        Matcher m = pattern.matcher(text).region(from, to);
        int count = 0;
        while (m.find() && count < 4096) {
            count++;
        }
        if (count == 0) {
            return d;
        }
        int pick = r.nextInt(count);
        m.region(from, to);
        for (int i = 0; i <= pick; i++) {
            m.find();
        }
        String edited = text.substring(0, m.start()) + replacement.with(m, r) + text.substring(m.end());
        return edited.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String otherString(Matcher m, SplittableRandom r) {
        String s = m.group();
        return switch (r.nextInt(4)) {
            case 0 -> s + ",\"x\":" + s;
            case 1 -> "\"" + "A".repeat(r.nextInt(300)) + "\"";
            case 2 -> s.length() > 3 ? s.substring(0, s.length() - 2) + "\"" : s;
            default -> "\"\\u0000\\uFFFF\\uD800\"";
        };
    }
}
