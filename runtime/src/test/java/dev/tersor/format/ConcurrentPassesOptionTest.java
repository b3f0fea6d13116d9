package dev.tersor.format;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bound on a model's concurrent passes: its default, its system property, and bad values. */
class ConcurrentPassesOptionTest {

    private static void withProperty(String value, Runnable check) {
        String before = System.getProperty(Execution.CONCURRENT_PASSES_PROPERTY);
        System.setProperty(Execution.CONCURRENT_PASSES_PROPERTY, value);
        try {
            check.run();
        } finally {
            if (before == null) {
                System.clearProperty(Execution.CONCURRENT_PASSES_PROPERTY);
            } else {
                System.setProperty(Execution.CONCURRENT_PASSES_PROPERTY, before);
            }
        }
    }

    @Test
    void thePropertySetsTheDefaultAndOtherSettingsKeepIt() {
        withProperty(" 3 ", () -> {
            assertThat(Execution.defaults().concurrentPasses()).isEqualTo(3);
            assertThat(Execution.threads(2).concurrentPasses()).isEqualTo(3);
        });
        assertThat(Execution.defaults().withConcurrentPasses(5).withThreads(2).concurrentPasses()).isEqualTo(5);
    }

    @Test
    void badValuesAreOneLineErrorsNamingTheProperty() {
        for (String bad : new String[]{"many", "0", "-4", "2.5", ""}) {
            withProperty(bad, () -> assertThatThrownBy(Execution::defaults)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-D" + Execution.CONCURRENT_PASSES_PROPERTY)
                    .hasMessageContaining("'" + bad + "'")
                    .hasMessageNotContaining("\n"));
        }
        assertThatThrownBy(() -> Execution.defaults().withConcurrentPasses(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1");
    }
}
