package dev.tersor.bench.report;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;
import java.util.Map;

/** The report's PNG charts, drawn with JFreeChart off screen. */
public final class Charts {

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private static final int WIDTH = 1000;
    private static final int HEIGHT = 620;
    private static final double MIB = 1024.0 * 1024.0;
    /** Distinct colours that read on white (Tableau 10 without its pale yellow, then darker ones). */
    private static final Color[] PALETTE = {new Color(0x4E79A7), new Color(0xF28E2B), new Color(0xE15759),
            new Color(0x76B7B2), new Color(0x59A14F), new Color(0xB07AA1), new Color(0xFF9DA7), new Color(0x9C755F),
            new Color(0x1B1B1B), new Color(0x8C6D1F), new Color(0x2F4B7C), new Color(0xA05195)};

    private Charts() {
    }

    /** One point of a size-against-time chart. */
    public record Point(String label, long bytes, double nanos) {
    }

    /**
     * Time against the bytes each variant reads, both on log scales, with the memory roofline
     * (time = bytes / bandwidth) as a line when {@code bytesPerNano} is positive: points on the
     * line run at the machine's read bandwidth.
     */
    public static void sizeAgainstTime(String title, String subtitle, List<Point> points, double bytesPerNano, Path file) {
        XYSeriesCollection data = new XYSeriesCollection();
        long smallest = Long.MAX_VALUE;
        long largest = 0;
        for (Point p : points) {
            XYSeries series = new XYSeries(p.label(), false, true);
            series.add(p.bytes() / MIB, p.nanos() / 1e6);
            data.addSeries(series);
            smallest = Math.min(smallest, p.bytes());
            largest = Math.max(largest, p.bytes());
        }
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(false, true);
        for (int i = 0; i < points.size(); i++) {
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        }
        if (bytesPerNano > 0 && !points.isEmpty()) {
            XYSeries roofline = new XYSeries("roofline: weights / read bandwidth", false, true);
            for (double b = smallest / 2.0; b <= largest * 2.0; b *= 1.25) {
                roofline.add(b / MIB, b / bytesPerNano / 1e6);
            }
            data.addSeries(roofline);
            int index = data.getSeriesCount() - 1;
            renderer.setSeriesLinesVisible(index, true);
            renderer.setSeriesShapesVisible(index, false);
            renderer.setSeriesPaint(index, Color.GRAY);
            renderer.setSeriesStroke(index, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                    new float[]{6f, 4f}, 0f));
        }
        XYPlot plot = new XYPlot(data, logAxis("weights read (MiB)"), logAxis("time per product (ms)"), renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        save(chart(title, subtitle, plot), file);
    }

    /**
     * Time of each series (a format) across categories (statistics presets ordered by density), on a
     * log scale. A missing value ({@code NaN}) leaves a gap.
     */
    public static void timeAcrossCategories(String title, String subtitle, List<String> categories,
                                            Map<String, double[]> nanosBySeries, Path file) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Map.Entry<String, double[]> series : nanosBySeries.entrySet()) {
            for (int i = 0; i < categories.size(); i++) {
                double ns = series.getValue()[i];
                data.addValue(Double.isNaN(ns) ? null : ns / 1e6, series.getKey(), categories.get(i));
            }
        }
        CategoryAxis axis = new CategoryAxis("statistics preset (density, K)");
        axis.setCategoryLabelPositions(CategoryLabelPositions.STANDARD);
        LineAndShapeRenderer renderer = new LineAndShapeRenderer(true, true);
        for (int i = 0; i < nanosBySeries.size(); i++) {
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        }
        CategoryPlot plot = new CategoryPlot(data, axis, logAxis("time per product (ms)"), renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        save(chart(title, subtitle, plot), file);
    }


    /** A base-10 axis labelled 1, 2, 5, 10, 20, 50… rather than at fractional powers of ten. */
    private static LogarithmicAxis logAxis(String label) {
        LogarithmicAxis axis = new LogarithmicAxis(label);
        axis.setStrictValuesFlag(false);
        axis.setExpTickLabelsFlag(false);
        axis.setLog10TickLabelsFlag(false);
        axis.setNumberFormatOverride(new DecimalFormat("0.####"));
        return axis;
    }

    private static JFreeChart chart(String title, String subtitle, org.jfree.chart.plot.Plot plot) {
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        if (subtitle != null && !subtitle.isEmpty()) {
            chart.addSubtitle(new TextTitle(subtitle, new Font(Font.SANS_SERIF, Font.PLAIN, 12)));
        }
        return chart;
    }

    private static void save(JFreeChart chart, Path file) {
        try {
            Files.createDirectories(file.getParent());
            ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write chart " + file, e);
        }
    }
}
