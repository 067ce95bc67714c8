package io.rccs.gateway.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.Test;

import io.quarkus.security.credential.TokenCredential;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;

class ConnectionIdentityTest {

    @Test
    void keepsTheUserRolesAndExpiryAndNothingOfTheToken() {
        SecurityIdentity full = QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal("user-1"))
                .addRoles(Set.of("rccs-user", "offline_access"))
                .addCredential(new TokenCredential("header.payload.signature", "bearer"))
                .addAttribute(ConnectEndpoint.IDENTITY_EXPIRES_AT, 1_800_000_000L)
                .addAttribute("tenant-id", "Default")
                .build();

        SecurityIdentity slim = ConnectionIdentity.slim(full);

        assertThat(slim.getPrincipal().getName()).isEqualTo("user-1");
        assertThat(slim.getRoles()).containsExactlyInAnyOrder("rccs-user", "offline_access");
        assertThat(slim.hasRole("rccs-user")).isTrue();
        assertThat(slim.isAnonymous()).isFalse();
        assertThat((Long) slim.getAttribute(ConnectEndpoint.IDENTITY_EXPIRES_AT)).isEqualTo(1_800_000_000L);
        assertThat(slim.getAttributes()).containsOnlyKeys(ConnectEndpoint.IDENTITY_EXPIRES_AT);
        assertThat(slim.getCredentials()).isEmpty();
        // Quarkus compares the subjects of a connection's identity and of a refreshed one
        JsonWebToken principal = (JsonWebToken) slim.getPrincipal();
        assertThat(principal.getSubject()).isEqualTo("user-1");
        assertThat(principal.getExpirationTime()).isEqualTo(1_800_000_000L);
        assertThat(principal.getRawToken()).isNull();
        assertThat(principal.getClaimNames()).containsExactlyInAnyOrder("sub", "exp");
    }

    @Test
    void anIdentityWithoutExpiryStaysWithoutOne() {
        SecurityIdentity slim = ConnectionIdentity.slim(QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal("user-2")).addRole("rccs-user").build());
        assertThat(slim.getAttributes()).isEmpty();
        assertThat(((JsonWebToken) slim.getPrincipal()).getClaimNames()).containsExactly("sub");
    }

    @Test
    void roleNamesAreSharedBetweenConnections() {
        String role = new String("rccs-user".toCharArray());
        SecurityIdentity slim = ConnectionIdentity.slim(QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal("user-3")).addRole(role).build());
        assertThat(slim.getRoles().iterator().next()).isSameAs("rccs-user");
    }

    @Test
    void theSubjectIsTheTokensEvenWhenThePrincipalIsNamedByAnotherClaim() {
        JsonWebToken token = new ConnectionIdentity.Subject("alice", "user-4", 1_800_000_000L);
        SecurityIdentity slim = ConnectionIdentity.slim(QuarkusSecurityIdentity.builder()
                .setPrincipal(token).addRole("rccs-user").build());
        assertThat(slim.getPrincipal().getName()).isEqualTo("alice");
        assertThat(((JsonWebToken) slim.getPrincipal()).getSubject()).isEqualTo("user-4");
    }

    @Test
    void theConnectPathIsRecognisedHoweverItIsSpelled() {
        assertThat(ConnectionIdentity.isConnectPath("/v1/connect")).isTrue();
        assertThat(ConnectionIdentity.isConnectPath("/v1/connect/")).isTrue();
        assertThat(ConnectionIdentity.isConnectPath("/api/v1/connect")).isTrue();
        assertThat(ConnectionIdentity.isConnectPath("/v1/devices")).isFalse();
        assertThat(ConnectionIdentity.isConnectPath(null)).isFalse();
    }
}
