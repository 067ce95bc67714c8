package io.rccs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Device setup against {@link FakeStack}: first run, later runs, and every way the stored state can go
 * stale, each ending with every device trusted. The fake trusts by itself only the first device a user
 * ever registered, as the relay does, so a start-over has to move to a new Keycloak user.
 */
class UserDevicesTest {

    private static final String USER = "bench-test-01";
    private static final String USER_G2 = "bench-test-01-g2";
    private static final String USER_G3 = "bench-test-01-g3";
    private static final List<DevicePlan> PLANS = List.of(
            new DevicePlan("dev-a", "a", "desktop", List.of(), 0),
            new DevicePlan("dev-b", "b", "mobile", List.of("notify@1"), 1),
            new DevicePlan("dev-c", "c", "desktop", List.of(), 0));
    private static final FrameSocket.Handler IGNORE = (socket, frame, nanos) -> {
    };

    @TempDir
    Path state;
    private FakeStack stack;
    private HttpClient http;
    private List<FrameSocket> open = List.of();

    @BeforeEach
    void start() throws Exception {
        stack = new FakeStack();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stop() throws Exception {
        open.forEach(FrameSocket::close);
        stack.close();
    }

    @Test
    void aFreshUserIsCreatedRegistersEveryDeviceAndPairsTheOthersWithTheFirst() {
        DeviceConnector connector = connector();

        UserDevices.Connected connected = connect(connector);

        assertThat(connected.account()).isEqualTo(USER);
        assertThat(open).extracting(FrameSocket::deviceId).containsExactly("dev-a", "dev-b", "dev-c");
        assertThat(stack.users()).containsExactly(USER);
        assertThat(connector.setupSummary()).contains("3 registered", "2 paired", "0 users started over");
        assertWorkingAndTrusted(USER);
        assertThat(CredentialStore.load(state).generation(USER)).isEqualTo(1);
    }

    @Test
    void aLaterRunSaysHelloWithTheStoredCredentialsAndPairsNothing() {
        connectAndClose();
        DeviceConnector later = connector();

        UserDevices.Connected connected = connect(later);

        assertThat(connected.account()).isEqualTo(USER);
        assertThat(open).allMatch(FrameSocket::trusted);
        assertThat(stack.hellosWithCredential).containsExactly(USER + "/dev-a", USER + "/dev-b", USER + "/dev-c");
        assertThat(later.setupSummary()).contains("0 registered", "0 paired", "0 users started over");
        assertThat(stack.usersCreated).hasValue(1);
    }

    @Test
    void aDatabaseResetStartsTheUserOverAsTheNextGeneration() {
        connectAndClose();
        stack.resetDatabase();
        DeviceConnector later = connector();

        UserDevices.Connected connected = connect(later);

        assertThat(connected.account()).isEqualTo(USER_G2);
        assertThat(later.setupSummary()).contains("3 registered", "2 paired", "1 users started over");
        assertWorkingAndTrusted(USER_G2);
        CredentialStore saved = CredentialStore.load(state);
        assertThat(saved.generation(USER)).isEqualTo(2);
        assertThat(saved.get(USER, "dev-a")).isNull();

        // and the run after that keeps to the new generation, with its credentials
        open.forEach(FrameSocket::close);
        DeviceConnector third = connector();
        assertThat(connect(third).account()).isEqualTo(USER_G2);
        assertThat(third.setupSummary()).contains("0 registered", "0 paired", "0 users started over");
        assertThat(stack.hellosWithCredential).contains(USER_G2 + "/dev-a", USER_G2 + "/dev-b", USER_G2 + "/dev-c");
    }

    @Test
    void aLostCredentialFileStartsTheUserOverAndRevokesWhatTheOldUserHad() throws Exception {
        connectAndClose();
        Files.delete(state.resolve(CredentialStore.FILE));
        DeviceConnector later = connector();

        UserDevices.Connected connected = connect(later);

        assertThat(connected.account()).isEqualTo(USER_G2);
        assertThat(later.setupSummary()).contains("3 registered", "2 paired", "1 users started over");
        assertWorkingAndTrusted(USER_G2);
        assertThat(stack.revokes).hasValue(3);
        assertThat(PLANS).allMatch(plan -> stack.device(USER, plan.deviceId()).revoked);
    }

    @Test
    void aStaleCredentialStartsTheUserOver() {
        connectAndClose();
        CredentialStore stale = CredentialStore.load(state);
        stale.put(USER, "dev-b", "not-the-credential");
        stale.save();
        DeviceConnector later = connector();

        UserDevices.Connected connected = connect(later);

        assertThat(connected.account()).isEqualTo(USER_G2);
        assertThat(later.setupSummary()).contains("1 users started over");
        assertWorkingAndTrusted(USER_G2);
        assertThat(PLANS).allMatch(plan -> stack.device(USER, plan.deviceId()).revoked);
    }

    @Test
    void everyDeviceRevokedOverRestStartsTheUserOverSinceNewDevicesOfTheOldUserStayPending() {
        connectAndClose();
        AccessToken token = keycloak().tokenFor(USER);
        DevicesRest rest = new DevicesRest(http, stack.restGateway());
        rest.ids(token).forEach(id -> rest.revoke(token, id));

        // the old way out no longer works: after revoking everything, a device registers pending
        FrameSocket again = FrameSocket.open(http, stack.gateways().get(0), token, PLANS.get(0), null, "probe", IGNORE,
                Duration.ofSeconds(5));
        try {
            assertThat(again.issuedCredential()).isNotNull();
            assertThat(again.trusted()).isFalse();
        } finally {
            again.close();
        }

        DeviceConnector later = connector();
        UserDevices.Connected connected = connect(later);

        assertThat(connected.account()).isEqualTo(USER_G2);
        assertWorkingAndTrusted(USER_G2);
    }

    @Test
    void aLostFileAfterAStartOverSkipsTheGenerationsKeycloakHasAndRevokesTheirDevices() throws Exception {
        connectAndClose();
        CredentialStore stale = CredentialStore.load(state);
        stale.put(USER, "dev-a", "not-the-credential");
        stale.save();
        connectAndClose(); // -> bench-test-01-g2; bench-test-01's devices are revoked, so new ones would be pending
        Files.delete(state.resolve(CredentialStore.FILE));
        DeviceConnector later = connector();

        UserDevices.Connected connected = connect(later);

        assertThat(connected.account()).isEqualTo(USER_G3);
        assertWorkingAndTrusted(USER_G3);
        assertThat(PLANS).allMatch(plan -> stack.device(USER_G2, plan.deviceId()).revoked);
        assertThat(CredentialStore.load(state).generation(USER)).isEqualTo(3);
        assertThat(stack.users()).containsExactly(USER, USER_G2, USER_G3);
    }

    @Test
    void revokingTheOldDevicesIsOnlyBestEffort() {
        connectAndClose();
        stack.resetDatabase();
        stack.restBroken = true;
        DeviceConnector later = connector();

        UserDevices.Connected connected = connect(later);

        assertThat(connected.account()).isEqualTo(USER_G2);
        assertWorkingAndTrusted(USER_G2);
    }

    @Test
    void aKeycloakResetMakesANewUserThatRegistersWithoutStartingOver() {
        connectAndClose();
        stack.resetKeycloak();
        DeviceConnector later = connector();

        UserDevices.Connected connected = connect(later);

        assertThat(connected.account()).isEqualTo(USER);
        assertThat(later.setupSummary()).contains("3 registered", "2 paired", "0 users started over");
        assertWorkingAndTrusted(USER);
        assertThat(stack.hellosWithCredential).isEmpty();
    }

    @Test
    void aDeviceLeftPendingByAnInterruptedRunIsPairedWithoutStartingOver() {
        connectAndClose();
        stack.device(USER, "dev-c").trusted = false;
        DeviceConnector later = connector();

        UserDevices.Connected connected = connect(later);

        assertThat(connected.account()).isEqualTo(USER);
        assertThat(later.setupSummary()).contains("0 registered", "1 paired", "0 users started over");
        assertWorkingAndTrusted(USER);
    }

    @Test
    void noTrustedDeviceStartsTheUserOver() {
        connectAndClose();
        PLANS.forEach(plan -> stack.device(USER, plan.deviceId()).trusted = false);
        DeviceConnector later = connector();

        UserDevices.Connected connected = connect(later);

        assertThat(connected.account()).isEqualTo(USER_G2);
        assertThat(later.setupSummary()).contains("1 users started over");
        assertWorkingAndTrusted(USER_G2);
    }

    @Test
    void keycloakUsersCreatesAMissingUserOnceAndThenOnlyLogsIn() {
        KeycloakUsers keycloak = keycloak();

        AccessToken first = keycloak.tokenFor("someone");
        AccessToken second = keycloak.tokenFor("someone");

        assertThat(first.value()).isNotBlank();
        assertThat(second.expiresBefore(java.time.Instant.now())).isFalse();
        assertThat(stack.users()).containsExactly("someone");
        assertThat(stack.usersCreated).hasValue(1);
    }

    @Test
    void generationsNameTheKeycloakUsers() {
        assertThat(CredentialStore.account("bench-07", 1)).isEqualTo("bench-07");
        assertThat(CredentialStore.account("bench-07", 2)).isEqualTo("bench-07-g2");
        CredentialStore store = CredentialStore.load(state);
        store.setGeneration("bench-07", 4);
        store.save();
        assertThat(CredentialStore.load(state).account("bench-07")).isEqualTo("bench-07-g4");
        assertThat(CredentialStore.load(state).account("bench-08")).isEqualTo("bench-08");
    }

    /**
     * Every planned device is open and trusted in the stack under {@code account}, its credential is the
     * one kept in the file, and the devices work: a trusted device may list the user's devices.
     */
    private void assertWorkingAndTrusted(String account) {
        assertThat(open).extracting(FrameSocket::deviceId).containsExactly("dev-a", "dev-b", "dev-c");
        assertThat(open).allMatch(FrameSocket::trusted).allMatch(FrameSocket::isOpen);
        CredentialStore saved = CredentialStore.load(state);
        for (DevicePlan plan : PLANS) {
            FakeStack.Device device = stack.device(account, plan.deviceId());
            assertThat(device.trusted).as(plan.deviceId() + " trusted").isTrue();
            assertThat(device.revoked).isFalse();
            assertThat(device.credential).isEqualTo(saved.get(account, plan.deviceId()));
        }
        for (FrameSocket socket : open) {
            var answer = socket.ask(io.rccs.model.protocol.FrameType.DEVICES_LIST,
                    new io.rccs.model.protocol.payload.DevicesList(null, null, null, null))
                    .orTimeout(5, java.util.concurrent.TimeUnit.SECONDS).join();
            assertThat(answer.path("type").asText()).as(socket.label() + " lists").isEqualTo("devices");
            assertThat(answer.path("payload").path("devices").size()).isEqualTo(PLANS.size());
        }
    }

    private KeycloakUsers keycloak() {
        return new KeycloakUsers(http, stack.keycloak(), "admin", "admin");
    }

    private DeviceConnector connector() {
        return new DeviceConnector(http, stack.gateways(), keycloak(), CredentialStore.load(state),
                new DevicesRest(http, stack.restGateway()));
    }

    private UserDevices.Connected connect(DeviceConnector connector) {
        UserDevices.Connected connected = connector.connectTrusted(USER, PLANS, plan -> IGNORE);
        open = connected.sockets();
        return connected;
    }

    private void connectAndClose() {
        connector().connectTrusted(USER, PLANS, plan -> IGNORE).sockets().forEach(FrameSocket::close);
    }
}
