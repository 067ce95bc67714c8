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
                || !isConnectPath(request.normalizedPath())) {
            return Uni.createFrom().item(identity);
        }
        return Uni.createFrom().item(slim(identity));
    }

    /**
     * The endpoint's path, also with the trailing slash Vert.x's route matching allows and under any
     * HTTP root path: a client must not keep the full identity by spelling the path differently.
     */
    static boolean isConnectPath(String path) {
        if (path == null) {
            return false;
        }
        String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return trimmed.endsWith(ConnectEndpoint.PATH);
    }

    /** The same user, roles and expiry, without the token and its claims. */
    static SecurityIdentity slim(SecurityIdentity identity) {
        Object expiresAt = identity.getAttribute(ConnectEndpoint.IDENTITY_EXPIRES_AT);
        String name = identity.getPrincipal().getName();
        // the token's own subject: Quarkus compares it with a renewal's (the name is the subject only
        // while quarkus.oidc.token.principal-claim is sub)
        String subject = identity.getPrincipal() instanceof JsonWebToken token && token.getSubject() != null
                ? token.getSubject()
                : name;
        QuarkusSecurityIdentity.Builder slim = QuarkusSecurityIdentity.builder()
                // equal strings become one instance: the connection keeps a single copy
                .setPrincipal(new Subject(name, subject.equals(name) ? name : subject,
                        expiresAt instanceof Long seconds ? seconds : null))
                .setAnonymous(false);
        // role names repeat on every connection: one shared copy of each
        identity.getRoles().forEach(role -> slim.addRole(role.intern()));
        if (expiresAt != null) {
            slim.addAttribute(ConnectEndpoint.IDENTITY_EXPIRES_AT, expiresAt);
        }
        return slim.build();
    }

    /** A token reduced to the principal's name, its subject and its expiry. */
    record Subject(String name, String subject, Long expiresAt) implements JsonWebToken {

        @Override
        public String getName() {
            return name;
        }

        @Override
        public long getExpirationTime() {
            return expiresAt == null ? 0 : expiresAt;
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
