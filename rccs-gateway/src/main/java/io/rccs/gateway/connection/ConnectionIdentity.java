package io.rccs.gateway.connection;

import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.jwt.Claims;
import org.eclipse.microprofile.jwt.JsonWebToken;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/**
 * Keeps only what a WebSocket connection needs of its verified token: the user ({@code sub}), the
 * roles and the expiry. websockets-next holds a connection's identity for the connection's whole
 * life; the identity OIDC builds carries the raw token, its decoded JSON and every claim as maps
 * (about 3 KiB with Keycloak's default claims, more than a tenth of an idle connection's heap).
 * Only upgrades of {@code /v1/connect} (and the {@code auth.refresh} of such a connection, which is
 * authenticated with the upgrade's routing context) are slimmed; REST calls keep the full identity,
 * which lives only as long as the request.
 *
 * <p>The principal stays a {@link JsonWebToken} whose subject is the token's: Quarkus checks that a
 * refreshed token names the same subject as the connection's current identity.
 */
@ApplicationScoped
public class ConnectionIdentity implements SecurityIdentityAugmentor {

    @Override
    public int priority() {
        // last, so that roles other augmentors add are kept
        return Integer.MIN_VALUE;
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        return Uni.createFrom().item(identity);
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context,
            Map<String, Object> attributes) {
        if (identity.isAnonymous()
                || !(attributes.get(HttpSecurityUtils.ROUTING_CONTEXT_ATTRIBUTE) instanceof RoutingContext request)
                || !ConnectEndpoint.PATH.equals(request.normalizedPath())) {
            return Uni.createFrom().item(identity);
        }
        return Uni.createFrom().item(slim(identity));
    }

    /** The same user, roles and expiry, without the token and its claims. */
    static SecurityIdentity slim(SecurityIdentity identity) {
        Object expiresAt = identity.getAttribute(ConnectEndpoint.IDENTITY_EXPIRES_AT);
        QuarkusSecurityIdentity.Builder slim = QuarkusSecurityIdentity.builder()
                .setPrincipal(new Subject(identity.getPrincipal().getName(),
                        expiresAt instanceof Long seconds ? seconds : null))
                .setAnonymous(false);
        // role names repeat on every connection: one shared copy of each
        identity.getRoles().forEach(role -> slim.addRole(role.intern()));
        if (expiresAt != null) {
            slim.addAttribute(ConnectEndpoint.IDENTITY_EXPIRES_AT, expiresAt);
        }
        return slim.build();
    }

    /** A token reduced to its subject and expiry. */
    record Subject(String subject, Long expiresAt) implements JsonWebToken {

        @Override
        public String getName() {
            return subject;
        }

        @Override
        public Set<String> getClaimNames() {
            return expiresAt == null ? Set.of(Claims.sub.name()) : Set.of(Claims.sub.name(), Claims.exp.name());
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T getClaim(String claimName) {
            if (Claims.sub.name().equals(claimName)) {
                return (T) subject;
            }
            return Claims.exp.name().equals(claimName) ? (T) expiresAt : null;
        }
    }
}
