package io.rccs.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Brings all planned devices of one logical bench user online and trusted, whatever the stack
 * remembers. The logical user ({@code bench-07}) is one Keycloak user at a time, its current
 * generation ({@code bench-07}, then {@code bench-07-g2}, ...; see {@link CredentialStore}). Each
 * device says hello with the credential the {@link CredentialStore} kept from its first welcome (none
 * for a device never seen). If the stack refuses one of them for good (a credential it does not know
 * after a database reset, one that no longer matches, a device registered under a lost credential, a
 * revoked device), or none of them is trusted, the user starts over as a new Keycloak user: the relay
 * trusts only the first device a user ever registered, so revoking everything and registering again
 * would leave every device pending for good. Then each pending device is paired with a trusted one.
 */
final class UserDevices {

    private static final int HELLO_ATTEMPTS = 3;
    /** Generations a start-over may skip because their Keycloak user exists already (a lost state file). */
    private static final int MAX_GENERATIONS_SKIPPED = 1_000;

    /** The devices of a logical user, all trusted, and the Keycloak user (and token) they belong to. */
    record Connected(String account, AccessToken token, List<FrameSocket> sockets) {
    }

    private final DeviceConnector connector;
    private final KeycloakUsers keycloak;
    private final CredentialStore credentials;
    private final DevicesRest rest;
    private final Pairing pairing;
    private final AtomicInteger registered = new AtomicInteger();
    private final AtomicInteger paired = new AtomicInteger();
    private final AtomicInteger startedOver = new AtomicInteger();

    UserDevices(DeviceConnector connector, KeycloakUsers keycloak, CredentialStore credentials, DevicesRest rest, Pairing pairing) {
        this.connector = connector;
        this.keycloak = keycloak;
        this.credentials = credentials;
        this.rest = rest;
        this.pairing = pairing;
    }

    /**
     * @param user the logical bench user ({@code bench-07})
     * @param handlers the handler of each device's frames (the pairing frames are taken before it)
     * @return the devices' sockets, in the order of {@code plans}, every one trusted, with a fresh token
     */
    Connected connect(String user, List<DevicePlan> plans, Function<DevicePlan, FrameSocket.Handler> handlers) {
        String account = credentials.account(user);
        KeycloakUsers.Login login = keycloak.login(account);
        if (login.created()) {
            // a Keycloak user made just now has a new id the relay cannot know: whatever we kept is of a former one
            credentials.forget(account);
        }
        AccessToken token = login.token();
        List<FrameSocket> sockets = openAll(account, token, plans, handlers, true);
        if (sockets != null && sockets.stream().noneMatch(FrameSocket::trusted)) {
            System.err.printf("[bench] no device of %s is trusted%n", account);
            closeAll(sockets);
            sockets = null;
        }
        if (sockets == null) {
            KeycloakUsers.Login fresh = startOver(user, account, token);
            account = credentials.account(user);
            token = fresh.token();
            sockets = openAll(account, token, plans, handlers, false);
            if (!sockets.get(0).trusted()) {
                closeAll(sockets);
                throw new BenchException(account + ": " + plans.get(0).deviceId() + " came in pending although " + account
                        + " was created just now (is something else registering devices for this user?)");
            }
        }
        try {
            FrameSocket trusted = sockets.stream().filter(FrameSocket::trusted).findFirst().orElseThrow();
            for (FrameSocket socket : sockets) {
                if (!socket.trusted()) {
                    pairing.pair(trusted, socket);
                    paired.incrementAndGet();
                }
            }
        } catch (RuntimeException e) {
            closeAll(sockets);
            throw e;
        } finally {
            credentials.save();
        }
        return new Connected(account, token, sockets);
    }

    /**
     * Says hello again as one device set up before by {@link #connect} (a reconnect, not a setup): with
     * the credential kept for it, retrying while the stack answers with a retryable error.
     *
     * @param account the Keycloak user {@link #connect} returned ({@link Connected#account()})
     * @throws HelloRefused when the stack refuses the device for good
     */
    FrameSocket reopen(String account, AccessToken token, DevicePlan plan, FrameSocket.Handler handler) {
        return open(plan, token, credentials.get(account, plan.deviceId()), account + "/" + plan.deviceId(), handler);
    }

    /** What setting up devices took so far, for the console. */
    String summary() {
        return String.format(Locale.ROOT, "devices: %d registered (new credential), %d paired, %d users started over",
                registered.get(), paired.get(), startedOver.get());
    }

    /**
     * Opens every device in order, keeping the credentials welcomes issue. Returns null (having
     * closed what it opened) when the stack refuses a stored credential, or the lack of one, for good.
     */
    private List<FrameSocket> openAll(String account, AccessToken token, List<DevicePlan> plans,
            Function<DevicePlan, FrameSocket.Handler> handlers, boolean withStoredCredentials) {
        List<FrameSocket> opened = new ArrayList<>();
        for (DevicePlan plan : plans) {
            String credential = withStoredCredentials ? credentials.get(account, plan.deviceId()) : null;
            FrameSocket socket;
            try {
                socket = open(plan, token, credential, account + "/" + plan.deviceId(), handlers.apply(plan));
            } catch (HelloRefused refused) {
                closeAll(opened);
                if (refused.retryable() || !withStoredCredentials) {
                    throw refused;
                }
                System.err.printf("[bench] %s%n", refused.getMessage());
                return null;
            } catch (RuntimeException e) {
                closeAll(opened);
                throw e;
            }
            if (socket.issuedCredential() != null) {
                credentials.put(account, plan.deviceId(), socket.issuedCredential());
                registered.incrementAndGet();
            }
            opened.add(socket);
        }
        return opened;
    }

    /** Says hello again after a pause while the stack answers with a retryable error (the relay is busy). */
    private FrameSocket open(DevicePlan plan, AccessToken token, String credential, String label, FrameSocket.Handler handler) {
        for (int attempt = 1;; attempt++) {
            try {
                return connector.open(plan, token, credential, label, handler);
            } catch (HelloRefused refused) {
                if (!refused.retryable() || attempt >= HELLO_ATTEMPTS) {
                    throw refused;
                }
                pause(1_000L * attempt);
            }
        }
    }

    /**
     * Starts the logical user over as a new Keycloak user (see {@link #startOver(String, String, AccessToken)}),
     * for a benchmark that brings its devices online its own way; the caller registers them again.
     */
    KeycloakUsers.Login startOver(String user) {
        return startOver(user, credentials.account(user), null);
    }

    /**
     * Moves the logical user to a new Keycloak user: revokes what the current one has (best effort, so
     * the relay keeps no live credential the bench forgot), skips generations whose Keycloak user exists
     * already (left by a run whose state file is lost; their devices are revoked too), creates the next
     * one and records its generation. Its first device will be trusted: it never registered any.
     *
     * @return the new user's login
     */
    private KeycloakUsers.Login startOver(String user, String account, AccessToken token) {
        startedOver.incrementAndGet();
        revokeAll(account, token);
        credentials.forget(account);
        int generation = credentials.generation(user);
        for (int skipped = 0; skipped <= MAX_GENERATIONS_SKIPPED; skipped++) {
            generation++;
            String candidate = CredentialStore.account(user, generation);
            if (!keycloak.exists(candidate)) {
                KeycloakUsers.Login login = keycloak.login(candidate);
                if (login.created()) {
                    credentials.forget(candidate);
                    credentials.setGeneration(user, generation);
                    credentials.save();
                    System.err.printf("[bench] %s starts over as %s, a new Keycloak user%n", account, candidate);
                    return login;
                }
                // created meanwhile by someone else: not ours to trust
                revokeAll(candidate, login.token());
            } else {
                revokeAll(candidate, null);
            }
            credentials.forget(candidate);
        }
        throw new BenchException("cannot start " + user + " over: Keycloak users " + CredentialStore.account(user, credentials.generation(user) + 1)
                + " to " + CredentialStore.account(user, generation) + " all exist already");
    }

    /** Revokes every device of a Keycloak user over REST (its token alone may do that); failures are only reported. */
    private void revokeAll(String account, AccessToken token) {
        try {
            AccessToken bearer = token != null ? token : keycloak.tokenFor(account);
            for (String deviceId : rest.ids(bearer)) {
                rest.revoke(bearer, deviceId);
            }
        } catch (RuntimeException e) {
            System.err.printf("[bench] could not revoke the devices of %s (%s): going on%n", account, e.getMessage());
        }
    }

    private static void closeAll(List<FrameSocket> sockets) {
        sockets.forEach(FrameSocket::close);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        }
    }
}
