package io.rccs.model.events;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.rccs.model.protocol.Frame;

/**
 * A frame a client sent, as the gateway publishes it on {@link Topics#FRAMES_IN}.
 *
 * @param userId         the OIDC subject of the token the connection was opened with
 * @param deviceId       the device the connection said hello as (null for a REST request)
 * @param connectionId   the gateway's id for that connection (or for the REST request)
 * @param gateway        the gateway instance index that holds the connection
 * @param roles          the user's roles from the token
 * @param credentialHash {@code hello} only: SHA-256 (base64url) of the device credential the client
 *                       presented, or of the one the gateway made for a device without one. The
 *                       credential itself never leaves the gateway.
 * @param credentialIssued {@code hello} only: true when the gateway made the credential (the client
 *                       presented none), false when the client presented it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InboundFrame(String userId, String deviceId, String connectionId, int gateway,
        List<String> roles, Frame frame, String credentialHash, Boolean credentialIssued) {

    public InboundFrame(String userId, String deviceId, String connectionId, int gateway, List<String> roles, Frame frame) {
        this(userId, deviceId, connectionId, gateway, roles, frame, null, null);
    }
}
