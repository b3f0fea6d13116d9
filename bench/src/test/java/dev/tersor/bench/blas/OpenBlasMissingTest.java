package dev.tersor.bench.blas;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenBlasMissingTest {

    private static final String BAD = "/nonexistent/tersor-test/libopenblas.so.0";

    @Test
    void aLibraryThatDoesNotLoadSaysHowToInstallOpenBlas() {
        assertThatThrownBy(() -> OpenBlas.load(List.of(BAD, "libtersor-no-such-blas.so")))
                .isInstanceOf(OpenBlasUnavailableException.class)
                .hasMessageContaining("OpenBLAS could not be loaded")
                .hasMessageContaining(BAD)
                .hasMessageContaining("libtersor-no-such-blas.so")
                .hasMessageContaining("apt-get install libopenblas-dev")
                .hasMessageContaining("-D" + OpenBlas.LIBRARY_PROPERTY);
    }

    @Test
    void aLibraryWithoutCblasIsRejectedToo() {
        // libc loads but has no cblas_sgemv
        assertThatThrownBy(() -> OpenBlas.load(List.of("libc.so.6")))
                .isInstanceOf(OpenBlasUnavailableException.class)
                .hasMessageContaining("cblas_sgemv not found");
    }

    @Test
    void thePropertyRedirectsTheLookup() {
        String previous = System.getProperty(OpenBlas.LIBRARY_PROPERTY);
        System.setProperty(OpenBlas.LIBRARY_PROPERTY, BAD);
        try {
            assertThatThrownBy(OpenBlas::load).isInstanceOf(OpenBlasUnavailableException.class).hasMessageContaining(BAD);
        } finally {
            if (previous == null) {
                System.clearProperty(OpenBlas.LIBRARY_PROPERTY);
            } else {
                System.setProperty(OpenBlas.LIBRARY_PROPERTY, previous);
            }
        }
        assertThat(OpenBlas.load().config()).startsWith("OpenBLAS");
    }
}
