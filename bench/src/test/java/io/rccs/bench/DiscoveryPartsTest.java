package io.rccs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pure parts: flags, list ids, the listers' order, the credential file, the step's bookkeeping. */
class DiscoveryPartsTest {

    @TempDir
    Path dir;

    @Test
    void discoveryDefaultsKeepHalfTheDevicesOnlineAndTwoListsPerSecondOnEach() {
        DiscoveryOptions options = DiscoveryOptions.parse(new String[] {"--repo", dir.toString()});

        assertThat(options.rate()).isEqualTo(200);
        assertThat(options.users()).isEqualTo(10);
        assertThat(options.devices()).isEqualTo(20);
        assertThat(options.online()).isEqualTo(10);
        assertThat(options.listers()).isEqualTo(100);
        assertThat(options.out()).isEqualTo(dir.resolve("docs/bench/discovery"));
        assertThat(options.stateDir()).isNotNull();
    }

    @Test
    void discoveryRefusesMoreListsPerConnectionThanAllowedAndMoreOnlineThanDevices() {
        assertThatThrownBy(() -> DiscoveryOptions.parse(new String[] {"--rate", "1000", "--users", "2", "--online", "5"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("raise --users or --online");
        assertThatThrownBy(() -> DiscoveryOptions.parse(new String[] {"--devices", "4", "--online=5"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("more than --devices");
        assertThatThrownBy(() -> DiscoveryOptions.parse(new String[] {"--rate"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> DiscoveryOptions.parse(new String[] {"--rates", "5"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("unknown flag --rates");
    }

    @Test
    void messagesFlagsStillParseAsBefore() {
        MessagesOptions options = MessagesOptions.parse(new String[] {"--rates", "500,2_000", "--users=3", "--gateways",
            "ws://a:1/v1/connect, ws://b:2/v1/connect", "--keycloak", "http://k:9/", "--out", "/tmp/x"});

        assertThat(options.rates()).containsExactly(500, 2000);
        assertThat(options.usersFor(2000)).isEqualTo(50);
        assertThat(options.gateways()).containsExactly(URI.create("ws://a:1/v1/connect"), URI.create("ws://b:2/v1/connect"));
        assertThat(options.keycloak()).isEqualTo(URI.create("http://k:9"));
        assertThat(options.out()).isEqualTo(Path.of("/tmp/x"));
    }

    @Test
    void usageTextsIndentTheSharedFlagsLikeTheirOwn() {
        assertThat(DiscoveryOptions.USAGE).contains("\n  --rate 200", "\n  --repo .", "\n  --state-dir DIR");
        assertThat(MessagesOptions.USAGE).contains("\n  --rates 500", "\n  --gateways URL0,URL1").doesNotEndWith("\n");
    }

    @Test
    void aListIdCarriesRunNumberAndIntendedTime() {
        ListAnswers.ListId id = new ListAnswers.ListId("1a2b3c4d", 12345, 9_876_543_210L);

        assertThat(ListAnswers.ListId.parse(id.text())).isEqualTo(id);
        assertThat(ListAnswers.ListId.parse(null)).isNull();
        assertThat(ListAnswers.ListId.parse("5b0e0f1c-2a3b-4c5d-8e9f-0a1b2c3d4e5f")).isNull();
        assertThat(ListAnswers.ListId.parse("run-x-1")).isNull();
    }

    @Test
    void listersTakeTurnsAcrossUsers() {
        assertThat(DiscoveryUser.interleave(List.of(List.of("a1", "a2", "a3"), List.of("b1", "b2"))))
                .containsExactly("a1", "b1", "a2", "b2", "a3");
    }

    @Test
    void consecutiveListersAlternateGateways() {
        // device d of user n is on gateway (d + n) % 2: device 1 of users 1 and 2 differ, so do devices 1 and 2 of one user
        assertThat(plan(1, 0).gateway()).isNotEqualTo(plan(2, 0).gateway());
        assertThat(plan(1, 0).gateway()).isNotEqualTo(plan(1, 1).gateway());
    }

    @Test
    void theGatewaysRestUrlComesFromItsWebSocketUrl() {
        assertThat(DevicesRest.devicesUrl(URI.create("ws://127.0.0.1:8080/v1/connect")))
                .isEqualTo(URI.create("http://127.0.0.1:8080/v1/devices"));
        assertThat(DevicesRest.devicesUrl(URI.create("wss://gw.example.org/v1/connect")))
                .isEqualTo(URI.create("https://gw.example.org/v1/devices"));
    }

    @Test
    void credentialsSurviveASaveAndADamagedFileIsTreatedAsEmpty() throws Exception {
        CredentialStore store = CredentialStore.load(dir);
        store.put("u1", "d1", "c1");
        store.put("u1", "d2", "c2");
        store.put("u2", "d1", "c3");
        store.forget("u2");
        store.save();

        CredentialStore loaded = CredentialStore.load(dir);
        assertThat(loaded.get("u1", "d1")).isEqualTo("c1");
        assertThat(loaded.get("u1", "d2")).isEqualTo("c2");
        assertThat(loaded.get("u2", "d1")).isNull();

        Files.writeString(dir.resolve(CredentialStore.FILE), "{not json");
        assertThat(CredentialStore.load(dir).get("u1", "d1")).isNull();
    }

    @Test
    void aRefusedListSettlesLikeAnAnsweredOneAndCountsItsCode() {
        StepTracker step = new StepTracker(0, 2, 1, 1, 1); // lists 0-1 warm-up, 2-3 measured
        step.onSent(2, null);
        step.onSent(3, null);
        step.onDelivered(2, 0, 5_000_000);
        assertThat(step.settled()).isFalse();

        step.onRefused(3, "unavailable");
        step.onRefused(3, "unavailable");
        step.onRefused(1, "not_trusted"); // warm-up: not counted

        assertThat(step.settled()).isTrue();
        assertThat(step.errors()).containsExactly(java.util.Map.entry("unavailable", 1L));
    }

    @Test
    void theScheduleSpacesFramesEvenly() {
        assertThat(OpenLoopDriver.due(1_000, 200, 0)).isEqualTo(1_000);
        assertThat(OpenLoopDriver.due(1_000, 200, 3)).isEqualTo(1_000 + 15_000_000);
        assertThat(OpenLoopDriver.due(0, 3, 1)).isEqualTo(333_333_333);
    }

    private static DevicePlan plan(int user, int device) {
        return DiscoveryUser.plans(user, 4).get(device);
    }
}
