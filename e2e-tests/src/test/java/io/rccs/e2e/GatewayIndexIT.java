package io.rccs.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * A gateway checks its index before it serves anything (issue 9): one past the partition count of
 * rccs.deliveries, or one another running gateway holds, makes the start fail with a message that
 * says why. Started from the built jar beside the live stack (whose gateway 0 holds index 0).
 */
class GatewayIndexIT {

    private static final Control CONTROL = Control.fromEnvironment();

    private static Path jar() {
        assumeTrue(CONTROL != null, "needs RCCS_E2E_CONTROL (the ./rccs launcher) to find the built gateway");
        Path jar = Path.of(CONTROL.launcher()).toAbsolutePath().getParent()
                .resolve("rccs-gateway/target/quarkus-app/quarkus-run.jar");
        assumeTrue(Files.isRegularFile(jar), "the gateway is built: " + jar);
        return jar;
    }

    /** Starts a gateway on a spare port with this index; returns its exit status and output once it stopped. */
    private static String startFails(int index, long withinSeconds) throws IOException, InterruptedException {
        Path log = Files.createTempFile("gateway-index-" + index, ".log");
        ProcessBuilder builder = new ProcessBuilder("java", "-Xmx128m", "-jar", jar().toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("QUARKUS_HTTP_PORT", "8097");
        builder.environment().put("RCCS_GATEWAY_INSTANCE", Integer.toString(index));
        Process gateway = builder.start();
        try {
            assertThat(gateway.waitFor(withinSeconds, TimeUnit.SECONDS))
                    .as("a gateway with index %d stops by itself within %d s", index, withinSeconds).isTrue();
            assertThat(gateway.exitValue()).as("exit status of a gateway with index %d", index).isNotZero();
            return Files.readString(log, StandardCharsets.UTF_8);
        } finally {
            gateway.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    @Test
    void anIndexPastThePartitionCountRefusesToStart() throws Exception {
        String output = startFails(99, 60);
        assertThat(output).contains("rccs.gateway.instance=99").contains("partitions");
    }

    @Test
    void anIndexAnotherRunningGatewayHoldsRefusesToStart() throws Exception {
        // gateway 0 of the live stack holds index 0; the newcomer waits out one alive-key lifetime, then gives up
        String output = startFails(0, 60);
        assertThat(output).contains("gateway index 0 is held by another running gateway");
    }
}
