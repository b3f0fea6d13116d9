package dev.tersor.bench.report;

import java.nio.file.Path;

/**
 * Where a {@link ReportSection} writes: the Markdown being built and the folder for its charts,
 * which the report links relative to itself.
 */
public record ReportContext(Markdown markdown, Path outDir, Path chartsDir) {

    /** The link to a chart file from the report. */
    public String chartLink(String fileName) {
        return outDir.relativize(chartsDir.resolve(fileName)).toString().replace('\\', '/');
    }
}
