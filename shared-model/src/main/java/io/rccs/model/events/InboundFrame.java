package io.rccs.model.events;

import io.rccs.model.protocol.Frame;

/**
 * A frame a client sent, as the gateway publishes it on {@link Topics#FRAMES_IN}.
 *
 * @param userId       the OIDC subject of the token the connection was opened with
 * @param deviceId     the device the connection said hello as
 * @param connectionId the gateway's id for that connection
 * @param gateway      the gateway instance index that holds the connection
 * @param roles        the user's roles from the token
 */
public record InboundFrame(String userId, String deviceId, String connectionId, int gateway,
        java.util.List<String> roles, Frame frame) {
}
