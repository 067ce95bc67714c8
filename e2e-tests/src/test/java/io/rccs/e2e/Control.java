package io.rccs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The {@code ./rccs} launcher, to stop, kill and start parts of the live stack ($RCCS_E2E_CONTROL). */
record Control(String launcher) {

    static Control fromEnvironment() {
        String launcher = System.getenv("RCCS_E2E_CONTROL");
        return launcher == null || launcher.isBlank() ? null : new Control(launcher);
    }

    void run(String... args) {
        List<String> command = new ArrayList<>();
        command.add(launcher);
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).inheritIO().start();
            assertThat(process.waitFor(150, TimeUnit.SECONDS)).as("%s finished in time", command).isTrue();
            assertThat(process.exitValue()).as("exit status of %s", command).isZero();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("could not run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
    }
}
