package dev.tersor.cli;

import dev.tersor.train.CompressionTraining;
import dev.tersor.train.EncoderDistillation;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * The training commands' progress: one bar per phase on standard error (me.tongfei:progressbar), the
 * run's messages as lines on {@code out}; nothing at all when {@code out} is null (with --json).
 */
final class TrainingBars implements CompressionTraining.Listener, EncoderDistillation.Listener, AutoCloseable {

    private final PrintWriter out;
    private ProgressBar bar;
    private String phase;
    /** The phase the last bar showed and when it began: a bar redrawn after a message keeps its clock. */
    private String lastPhase;
    private long lastPhaseStart;

    TrainingBars(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void step(String name, int step, int steps, double loss, double bitsPerWeight) {
        show(name, step, steps, String.format(Locale.ROOT, " loss %.3f, %.2f bits/w", loss, bitsPerWeight));
    }

    @Override
    public void step(int step, int steps, double loss, double elapsedSeconds) {
        show("distill", step, steps, String.format(Locale.ROOT, " loss %.4f", loss));
    }

    private void show(String name, int step, int steps, String extra) {
        if (out == null) {
            return;
        }
        if (bar == null || !name.equals(phase)) {
            finish();
            phase = name;
            long now = System.nanoTime();
            if (!name.equals(lastPhase)) {
                lastPhase = name;
                lastPhaseStart = now;
            }
            bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(steps).setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(500).continuousUpdate()
                    .startsFrom(step, Duration.ofNanos(now - lastPhaseStart)).build();
        }
        bar.stepTo(step);
        bar.setExtraMessage(extra);
        if (step >= steps) {
            finish();
        }
    }

    @Override
    public void message(String line) {
        if (out == null) {
            return;
        }
        finish();
        out.println(line);
        out.flush();
    }

    @Override
    public void close() {
        finish();
    }

    /** Ends the current bar, so the next line is not drawn over. */
    void finish() {
        if (bar != null) {
            bar.close();
            bar = null;
            phase = null;
        }
    }
}
