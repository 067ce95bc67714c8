package io.rccs.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;

/** Opens device sockets on the two gateways with tokens from Keycloak, through one shared HttpClient. */
final class DeviceConnector {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final HttpClient http;
    private final List<URI> gateways;
    private final KeycloakUsers users;

    DeviceConnector(HttpClient http, List<URI> gateways, KeycloakUsers users) {
        this.http = http;
        this.gateways = gateways;
        this.users = users;
    }

    AccessToken token(String user) {
        return users.tokenFor(user);
    }

    FrameSocket open(int gateway, AccessToken token, String deviceId, String deviceName, String label, FrameSocket.Handler handler) {
        return FrameSocket.open(http, gateways.get(gateway), token, deviceId, deviceName, label, handler, TIMEOUT);
    }
}
