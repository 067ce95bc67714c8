package io.rccs.gateway.connection;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;

/**
 * Drops the {@code Authorization} header from an upgrade once its token has been verified: the
 * upgrade request stays referenced for the connection's whole life (by Vert.x and by
 * websockets-next's copy of its headers), and the bearer token is its largest header (1 to 1.5 KB
 * of an idle connection's heap). Nothing reads it after the upgrade: the connection's identity is
 * already built ({@link ConnectionIdentity}), and a renewal brings its own token ({@code auth.refresh}).
 * A browser's token, sent as a {@code Sec-WebSocket-Protocol} entry, was already moved into this header
 * by websockets-next ({@code propagate-subprotocol-headers}), so it goes too.
 */
@ApplicationScoped
public class BearerHeaderRemoval implements HttpUpgradeCheck {

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        // after the identity is resolved (it always is for this endpoint: the upgrade's permission asks for a role)
        return context.securityIdentity().map(identity -> {
            context.httpRequest().headers().remove(HttpHeaders.AUTHORIZATION);
            return CheckResult.permitUpgradeSync();
        });
    }
}
