package io.rccs.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * Opens device sockets on the two gateways with tokens from Keycloak, through one shared HttpClient,
 * and brings a user's devices online trusted ({@link UserDevices}).
 */
final class DeviceConnector {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final HttpClient http;
    private final List<URI> gateways;
    private final UserDevices devices;

    /** REST calls go to the first gateway. */
    DeviceConnector(HttpClient http, List<URI> gateways, KeycloakUsers users, CredentialStore credentials) {
        this(http, gateways, users, credentials, new DevicesRest(http, gateways.get(0)));
    }

    DeviceConnector(HttpClient http, List<URI> gateways, KeycloakUsers users, CredentialStore credentials, DevicesRest rest) {
        this.http = http;
        this.gateways = gateways;
        this.devices = new UserDevices(this, users, credentials, rest, new Pairing(TIMEOUT));
    }

    /**
     * Gets a fresh token for the logical bench user's current Keycloak user, connects every planned
     * device, in order, and returns their sockets once all are trusted; see {@link UserDevices#connect}.
     */
    UserDevices.Connected connectTrusted(String user, List<DevicePlan> plans, Function<DevicePlan, FrameSocket.Handler> handlers) {
        return devices.connect(user, plans, handlers);
    }

    /** Connects one device of a user set up by {@link #connectTrusted} again, with its kept credential; see {@link UserDevices#reopen}. */
    FrameSocket reopen(String account, AccessToken token, DevicePlan plan, FrameSocket.Handler handler) {
        return devices.reopen(account, token, plan, handler);
    }

    /** Starts a logical bench user over as a new Keycloak user; see {@link UserDevices#startOver(String)}. */
    KeycloakUsers.Login startOver(String user) {
        return devices.startOver(user);
    }

    /** How many devices were registered and paired, and users started over, so far. */
    String setupSummary() {
        return devices.summary();
    }

    FrameSocket open(DevicePlan plan, AccessToken token, String credential, String label, FrameSocket.Handler handler) {
        return FrameSocket.open(http, gateways.get(plan.gateway()), token, plan, credential, label, handler, TIMEOUT);
    }
}
