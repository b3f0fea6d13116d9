package dev.tersor.cli.corpus;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Debian's package descriptions as a corpus: the parser on inline stanzas, the split on the real archive (fetched with apt). */
class PackageDescriptionsTest {

    @Test
    void longDescriptionsBecomeSentencesWithoutSummariesVerbatimLinesOrOtherFields() {
        String index = """
                Package: frobnicate
                Description-md5: 0123456789abcdef0123456789abcdef
                Description-en: tool to frobnicate widgets in bulk
                 Frobnicate reads a list of widgets and adjusts each of them in
                 place. It is fast. It keeps a log of what it changed.
                 .
                 Features of this version:
                  frobnicate --all --verbose widgets.txt
                 * support for the widgets of the old format
                 * a dry run that shows what would change
                Tag: implemented-in::c, role::program, the tags are not a description at all

                Package: frobnicate-doc
                Description-en: documentation for frobnicate
                 Frobnicate reads a list of widgets and adjusts each of them in
                 place. This package holds the manual in HTML and PDF.
                """;
        assertThat(PackageDescriptions.parse(index)).containsExactly(
                "Frobnicate reads a list of widgets and adjusts each of them in place.",
                "It keeps a log of what it changed.",
                "support for the widgets of the old format",
                "a dry run that shows what would change",
                "This package holds the manual in HTML and PDF.");
    }

    @Test
    void theSharesOfTheRealArchiveAreDisjointBroadAndStable() throws Exception {
        var cache = MavenArtifacts.cacheDir();
        List<String> all = Files.readAllLines(PackageDescriptions.file(cache), StandardCharsets.UTF_8);
        assertThat(all).hasSizeGreaterThan(50_000).doesNotHaveDuplicates().allMatch(PackageDescriptions::isProse);
        List<String> evaluation = PackageDescriptions.evaluation(cache, Integer.MAX_VALUE);
        List<String> calibration = PackageDescriptions.calibration(cache, Integer.MAX_VALUE);
        HeldOutSplitTest.assertDisjointShares(all, evaluation, calibration);
        assertThat(PackageDescriptions.evaluation(cache, 25)).isEqualTo(evaluation.subList(0, 25));
        assertThat(FortunesTest.words(evaluation)).isGreaterThan(5000);
    }
}
