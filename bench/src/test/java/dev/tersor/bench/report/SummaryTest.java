package dev.tersor.bench.report;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SummaryTest {

    @Test
    void medianAndQuartilesInterpolateBetweenRanks() {
        Summary odd = Summary.of(List.of(5.0, 1.0, 3.0, 2.0, 4.0));
        assertThat(odd.median()).isEqualTo(3.0);
        assertThat(odd.p25()).isEqualTo(2.0);
        assertThat(odd.p75()).isEqualTo(4.0);
        Summary even = Summary.of(List.of(10.0, 40.0, 20.0, 30.0));
        assertThat(even.median()).isEqualTo(25.0);
        assertThat(even.p25()).isEqualTo(17.5);
        assertThat(even.p75()).isEqualTo(32.5);
        assertThat(Summary.of(List.of(7.0))).isEqualTo(new Summary(7, 7, 7, 1));
        assertThatThrownBy(() -> Summary.of(List.of())).hasMessageContaining("no samples");
    }

    @Test
    void numbersAreFormattedForReading() {
        assertThat(Markdown.time(850)).isEqualTo("850 ns");
        assertThat(Markdown.time(12_345)).isEqualTo("12.3 µs");
        assertThat(Markdown.time(4_567_000)).isEqualTo("4.57 ms");
        assertThat(Markdown.time(new Summary(4_567_000, 4_500_000, 4_710_000, 5))).isEqualTo("4.57 ms (4.50–4.71)");
        assertThat(Markdown.ratio(12.34)).isEqualTo("12.3×");
        assertThat(Markdown.ratio(0.00123)).isEqualTo("0.0012×");
        assertThat(Markdown.fasterOrSlower(2.75)).isEqualTo("2.75× faster");
        assertThat(Markdown.fasterOrSlower(0.368)).isEqualTo("2.72× slower");
        assertThat(Markdown.bytes(411_041_808)).isEqualTo("392 MiB");
        assertThat(Markdown.bytes(1000)).isEqualTo("1000 B");
        assertThat(Markdown.percent(0.734)).isEqualTo("73 %");
        assertThat(BenchResults.nanosPer("us/op")).isEqualTo(1e3);
        assertThatThrownBy(() -> BenchResults.nanosPer("ops/s")).hasMessageContaining("average time");
    }

    @Test
    void tablesEscapePipesAndCheckTheirWidth() {
        Markdown.Table table = new Markdown.Table(List.of("a", "b")).row(List.of("x|y", "1"));
        assertThat(new Markdown().table(table).toString()).isEqualTo("| a | b |\n|---|---:|\n| x\\|y | 1 |\n\n");
        assertThatThrownBy(() -> table.row(List.of("only one"))).hasMessageContaining("1 cells for 2 columns");
    }
}
