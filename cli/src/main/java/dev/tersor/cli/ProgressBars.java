package dev.tersor.cli;

import dev.tersor.compress.ProgressListener;
import dev.tersor.compress.pipeline.Compressor;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A {@link ProgressListener} drawing one progress bar (me.tongfei:progressbar, on standard error) per
 * running long task (calibration, sensitivity measurement); a bar closes when its task reports
 * {@code done == total}. Per-layer steps that take a second or less get no bar: the layer lines
 * show that progress.
 */
final class ProgressBars implements ProgressListener, AutoCloseable {

    private static final Set<String> LONG_TASKS = Set.of("calibration", "sensitivity");

    private ProgressBar bar;
    private String task;

    @Override
    public synchronized void progress(String name, long done, long total) {
        if (!LONG_TASKS.contains(name)) {
            return;
        }
        if (bar == null || !name.equals(task)) {
            finish();
            task = name;
            bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(250).continuousUpdate().build();
        }
        bar.maxHint(total);
        bar.stepTo(done);
        if (done >= total) {
            finish();
        }
    }

    /** Prints a layer's line (ending the current bar first, so the line is not drawn over). */
    Compressor.Listener layers(PrintWriter out) {
        return (report, index, total) -> line(out, CompressCommand.line(report, index, total));
    }

    /** Prints stage messages the same way. */
    Consumer<String> log(PrintWriter out) {
        return message -> line(out, message);
    }

    private synchronized void line(PrintWriter out, String text) {
        finish();
        out.println(text);
        out.flush();
    }

    @Override
    public void close() {
        finish();
    }

    private synchronized void finish() {
        if (bar != null) {
            bar.close();
            bar = null;
            task = null;
        }
    }
}
