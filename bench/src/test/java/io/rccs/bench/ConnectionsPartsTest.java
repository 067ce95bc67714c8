package io.rccs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pure parts of {@code connections}: flags, what jcmd and /proc print, the histogram's growth. */
class ConnectionsPartsTest {

    @TempDir
    Path dir;

    @Test
    void defaultsAre20000ConnectionsOnGateway0Over200Users() {
        ConnectionsOptions options = ConnectionsOptions.parse(new String[] {"--repo", dir.toString()});

        assertThat(options.connections()).isEqualTo(20_000);
        assertThat(options.users()).isEqualTo(200);
        assertThat(options.holdSeconds()).isEqualTo(60);
        assertThat(options.gatewayName()).isEqualTo("gateway-0");
        assertThat(options.gateway()).isEqualTo(options.gateways().get(0));
        assertThat(options.out()).isEqualTo(dir.resolve("docs/bench/connections"));
        assertThat(ConnectionsOptions.parse(new String[] {"--connections", "2_001", "--devices-per-user", "10", "--gateway", "1"}))
                .satisfies(o -> {
                    assertThat(o.users()).isEqualTo(201);
                    assertThat(o.gatewayName()).isEqualTo("gateway-1");
                });
    }

    @Test
    void refusesMoreDevicesPerUserThanTheRelayAllowsAndAThirdGateway() {
        assertThatThrownBy(() -> ConnectionsOptions.parse(new String[] {"--devices-per-user", "101"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("max-devices-per-user");
        assertThatThrownBy(() -> ConnectionsOptions.parse(new String[] {"--gateway", "2"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("0 or 1");
        assertThat(ConnectionsOptions.USAGE).contains("\n  --connections 20000", "\n  --repo .");
    }

    @Test
    void heapUsedIsReadFromG1AndFromGenerationalCollectors() {
        String g1 = """
                12345:
                 garbage-first heap   total 262144K, used 41234K [0x00000000e8000000, 0x0000000100000000)
                  region size 1024K, 3 young (3072K), 0 survivors (0K)
                 Metaspace       used 61000K, committed 61500K, reserved 1105920K
                """;
        String serial = """
                 def new generation   total 9792K, used 1200K [0x1, 0x2, 0x3)
                  eden space 8704K,  13% used [0x1, 0x2, 0x3)
                 tenured generation   total 21888K, used 15000K [0x1, 0x2, 0x3)
                 Metaspace       used 61000K, committed 61500K, reserved 1105920K
                """;

        assertThat(JvmProcess.heapUsedKib(g1)).isEqualTo(41234);
        assertThat(JvmProcess.heapUsedKib(serial)).isEqualTo(16200);
        assertThatThrownBy(() -> JvmProcess.heapUsedKib("12345:\n ZHeap used 10M")).isInstanceOf(BenchException.class);
    }

    @Test
    void openFileLimitIsTheSoftOne() {
        List<String> limits = List.of("Limit                     Soft Limit           Hard Limit           Units",
                "Max processes             unlimited            unlimited            processes",
                "Max open files            20000                40000                files");

        assertThat(JvmProcess.OpenFiles.parseLimit(limits)).isEqualTo(20_000);
        assertThat(JvmProcess.OpenFiles.count(Path.of("/proc/self"))).isPositive();
    }

    @Test
    void histogramGrowthIsSortedByBytesAndMergesRepeatedNames() {
        ClassHistogram before = ClassHistogram.parse("""
                12345:
                 num     #instances         #bytes  class name (module)
                -------------------------------------------------------
                   1:          1000         100000  [B (java.base@17.0.15)
                   2:           100           4000  java.lang.String (java.base@17.0.15)
                Total          1100         104000
                """);
        ClassHistogram after = ClassHistogram.parse("""
                12345:
                 num     #instances         #bytes  class name (module)
                -------------------------------------------------------
                   1:          3000         500000  [B (java.base@17.0.15)
                   2:          2000         160000  io.rccs.gateway.connection.DeviceConnection
                   3:          2100          84000  java.lang.String (java.base@17.0.15)
                Total          7100         744000
                """);

        List<ClassHistogram.Growth> growth = after.growthSince(before, 2);

        assertThat(growth).containsExactly(new ClassHistogram.Growth("[B", 2000, 400000),
                new ClassHistogram.Growth("io.rccs.gateway.connection.DeviceConnection", 2000, 160000));
        assertThat(after.totalBytes()).isEqualTo(744000);
        assertThat(after.head(1)).contains("num", "[B").doesNotContain("DeviceConnection");
        assertThat(ClassHistogram.growthTable(growth, 2000)).contains("200.0  [B", "80.0  io.rccs.gateway.connection.DeviceConnection");
    }
}
