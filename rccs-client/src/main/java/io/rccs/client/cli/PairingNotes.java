package io.rccs.client.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameType;

/**
 * A line for a person about a frame that asks something of them or changes what this device may
 * do: a pairing code to pass on, a device asking to be let in, the outcome of a pairing, a pending
 * device's welcome, a refusal because the device is not trusted. The frames themselves still go to
 * stdout as JSON; these lines go to stderr.
 */
final class PairingNotes {

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final String ownDeviceId;
    private final ZoneId zone;

    PairingNotes(String ownDeviceId, ZoneId zone) {
        this.ownDeviceId = ownDeviceId;
        this.zone = zone;
    }

    /** The note for {@code frame}, received at {@code now}, or empty when it needs none. */
    Optional<String> describe(Frame frame, Instant now) {
        JsonNode payload = frame.payload();
        FrameType type = frame.type() == null ? null : FrameType.fromWire(frame.type()).orElse(null);
        if (type == null || payload == null) {
            return Optional.empty();
        }
        return switch (type) {
            case WELCOME -> payload.path("trusted").asBoolean(true) ? Optional.empty() : Optional.of(
                    "this device is pending: on a trusted device type 'pair', then here 'claim CODE'");
            case PAIR_CODE -> Optional.of(pairCode(payload, now));
            case PAIR_REQUEST -> Optional.of(pairRequest(payload));
            case PAIR_RESULT -> Optional.of(pairResult(payload));
            case ERROR -> "not_trusted".equals(payload.path("code").asText())
                    ? Optional.of("refused: this device is not trusted yet (pair it: 'claim CODE')")
                    : Optional.empty();
            default -> Optional.empty();
        };
    }

    private String pairCode(JsonNode payload, Instant now) {
        String code = payload.path("code").asText();
        Instant expires = Instant.ofEpochMilli(payload.path("expiresAt").asLong());
        long minutes = (Math.max(0, Duration.between(now, expires).toSeconds()) + 59) / 60; // rounded up
        return "pairing code " + code + " (valid until " + CLOCK.format(expires.atZone(zone)) + ", "
                + minutes + " min): on the new device type 'claim " + code + "' or open "
                + payload.path("uri").asText("rccs://pair?code=" + code);
    }

    private static String pairRequest(JsonNode payload) {
        String claimId = payload.path("claimId").asText();
        StringBuilder who = new StringBuilder("device '").append(payload.path("deviceId").asText()).append('\'');
        String name = payload.path("name").asText("");
        if (!name.isEmpty() && !name.equals(payload.path("deviceId").asText())) {
            who.append(" (\"").append(name).append("\")");
        }
        String kind = payload.path("kind").asText("");
        String platform = payload.path("platform").asText("");
        if (!kind.isEmpty() || !platform.isEmpty()) {
            who.append(", ").append(kind).append(kind.isEmpty() || platform.isEmpty() ? "" : " on ").append(platform);
        }
        return who + " asks to pair: type 'approve " + claimId + "' or 'deny " + claimId + "'";
    }

    private String pairResult(JsonNode payload) {
        String deviceId = payload.path("deviceId").asText();
        boolean approved = payload.path("approved").asBoolean(false);
        if (deviceId.equals(ownDeviceId)) {
            return approved ? "this device is trusted now" : "pairing was denied: this device stays pending";
        }
        return approved ? "device '" + deviceId + "' is trusted now" : "device '" + deviceId + "' was denied";
    }
}
