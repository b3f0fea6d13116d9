package dev.tersor.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

import static dev.tersor.cli.ModelCommandsTest.execute;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code serve}'s arguments: each bad one is exit 1 with one line naming it, before the model loads
 * or a port is bound. The server itself is tested in the server module.
 */
class ServeCommandTest {

    private static void failsWithOneLine(String expected, String... args) {
        ModelCommandsTest.Result result = execute(args);
        assertThat(result.code()).as(result.err()).isEqualTo(1);
        assertThat(result.err().strip()).isEqualTo("tersor: " + expected);
        assertThat(result.out()).isEmpty();
    }

    @Test
    void everyLimitIsBoundedAndNamed() {
        String model = EmbedCommandsTest.miniLm().toString();
        failsWithOneLine("--port must be between 0 and 65535, got 70000", "serve", model, "--port", "70000");
        failsWithOneLine("--max-batch-tokens must be between 1 and 1048576, got 0", "serve", model, "--max-batch-tokens", "0");
        failsWithOneLine("--batch-workers must be between 1 and 256, got 0", "serve", model, "--batch-workers", "0");
        failsWithOneLine("--max-client-batch-size must be between 1 and 4096, got 100000", "serve", model,
                "--max-client-batch-size", "100000");
        failsWithOneLine("--max-concurrent-requests must be between 1 and 65536, got -1", "serve", model,
                "--max-concurrent-requests", "-1");
        failsWithOneLine("--payload-limit must be between 1 and 67108864, got 0", "serve", model, "--payload-limit", "0");
        failsWithOneLine("model missing.tsr does not exist", "serve", "missing.tsr");
        failsWithOneLine("--pooling is mean or cls, not 'max'", "serve", model, "--pooling", "max");
        failsWithOneLine("execution policy is stored, fastest or budget:MB, not 'smallest'", "serve", model, "--exec", "smallest");
    }

    @Test
    void aBudgetBelowTheModelsLongestInputOrATakenPortIsOneLine() throws IOException {
        String model = EmbedCommandsTest.miniLm().toString();
        failsWithOneLine("max batch tokens 64 is less than the model's longest input, 128 tokens", "serve", model,
                "--max-batch-tokens", "64", "--port", "0");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ModelCommandsTest.Result result = execute("serve", model, "--port", Integer.toString(taken.getLocalPort()));
            assertThat(result.code()).isEqualTo(1);
            assertThat(result.err().strip()).startsWith("tersor: cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": ")
                    .doesNotContain("\n");
        }
    }
}
