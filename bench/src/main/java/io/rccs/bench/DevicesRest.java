package io.rccs.bench;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.FrameCodec;

/**
 * The gateway's {@code /v1/devices} REST API, which needs only the user's token: the bench's way
 * out when it cannot speak as a device any more (a lost or stale credential), since revoking frees
 * the device id for a new registration.
 */
final class DevicesRest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final HttpClient http;
    private final URI devices;

    /** @param gateway the gateway's WebSocket URL ({@code ws://host:port/v1/connect}) */
    DevicesRest(HttpClient http, URI gateway) {
        this.http = http;
        this.devices = devicesUrl(gateway);
    }

    /** {@code ws://host:port/...} -> {@code http://host:port/v1/devices} ({@code wss} -> {@code https}). */
    static URI devicesUrl(URI gateway) {
        String scheme = "wss".equalsIgnoreCase(gateway.getScheme()) || "https".equalsIgnoreCase(gateway.getScheme()) ? "https" : "http";
        return URI.create(scheme + "://" + gateway.getRawAuthority() + "/v1/devices");
    }

    /** The ids of the user's devices that are not revoked. */
    List<String> ids(AccessToken token) {
        HttpResponse<String> listed = send(token, "GET", devices);
        if (listed.statusCode() != 200) {
            throw new BenchException("GET " + devices + ": HTTP " + listed.statusCode() + " " + listed.body());
        }
        List<String> ids = new ArrayList<>();
        try {
            FrameCodec.mapper().readTree(listed.body()).path("devices")
                    .forEach((JsonNode device) -> ids.add(device.path("id").asText()));
        } catch (IOException e) {
            throw new BenchException("GET " + devices + " answered no JSON: " + listed.body(), e);
        }
        return ids;
    }

    /** Revokes one device; one that is gone already is fine. */
    void revoke(AccessToken token, String deviceId) {
        URI device = URI.create(devices + "/" + URLEncoder.encode(deviceId, StandardCharsets.UTF_8));
        HttpResponse<String> revoked = send(token, "DELETE", device);
        if (revoked.statusCode() != 204 && revoked.statusCode() != 404) {
            throw new BenchException("DELETE " + device + ": HTTP " + revoked.statusCode() + " " + revoked.body());
        }
    }

    private HttpResponse<String> send(AccessToken token, String method, URI uri) {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(TIMEOUT)
                .header("Authorization", "Bearer " + token.value())
                .header("Accept", "application/json")
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new BenchException("cannot reach " + uri + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while calling " + uri, e);
        }
    }
}
