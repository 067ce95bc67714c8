package io.rccs.e2e;

import static io.rccs.client.FrameMatcher.corr;
import static io.rccs.client.FrameMatcher.type;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.rccs.client.RccsClient;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.payload.PairCode;
import io.rccs.model.protocol.payload.PairRequest;
import io.rccs.model.protocol.payload.PairResult;
import io.rccs.model.protocol.payload.Welcome;

/**
 * One fresh user of the live stack and their devices, over the low-level {@link RccsClient}: the
 * user's first device is trusted, the others are paired by it through the protocol, and every
 * device keeps the credential its first welcome gave it and proves itself with it on every later
 * hello. A fresh user per test, because a user's first device is the only one that trusts itself.
 */
final class Household implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(20);

    private final String user;
    private final Map<String, String> credentials = new ConcurrentHashMap<>();
    private final List<RccsClient> clients = new CopyOnWriteArrayList<>();
    private RccsClient pairer;

    private Household(String user) {
        this.user = user;
    }

    /** A user made for this test (see {@link TestUsers}). */
    static Household fresh(String prefix) {
        return new Household(TestUsers.fresh(prefix));
    }

    String user() {
        return user;
    }

    String token() {
        return TestUsers.token(user);
    }

    /** Opens a socket to gateway {@code gateway} without saying hello. */
    RccsClient open(int gateway) {
        RccsClient client = RccsClient.connect(Stack.gateway(gateway), token(), WAIT);
        clients.add(client);
        return client;
    }

    /**
     * Says hello as {@code deviceId} (with its credential once it has one) and returns the answer:
     * {@code welcome} or {@code error}. A credential in the welcome is kept.
     */
    Frame hello(RccsClient client, String deviceId, String kind, List<String> capabilities) {
        Frame sent = client.sendHello(RccsClient.helloPayload(deviceId, deviceId + " of " + user, kind, capabilities, null,
                credentials.get(deviceId)));
        Frame answer = client.await(corr(sent.id()).and(type("welcome").or(type("error"))), WAIT);
        if (answer.is(io.rccs.model.protocol.FrameType.WELCOME)) {
            String credential = answer.payload().path("credential").asText(null);
            if (credential != null) {
                credentials.put(deviceId, credential);
            }
        }
        return answer;
    }

    /** Connects a device and expects a welcome. */
    Welcome connect(RccsClient client, String deviceId, String kind, List<String> capabilities) {
        Frame answer = hello(client, deviceId, kind, capabilities);
        assertThat(answer.type()).as("answer to the hello of %s: %s", deviceId, answer).isEqualTo("welcome");
        return RccsClient.payload(answer, Welcome.class);
    }

    /**
     * A trusted device on gateway {@code gateway}: the user's first, or a new one paired by the first.
     */
    RccsClient trusted(int gateway, String deviceId, List<String> capabilities) {
        RccsClient client = open(gateway);
        Welcome welcome = connect(client, deviceId, "desktop", capabilities);
        if (pairer == null) {
            assertThat(welcome.trusted()).as("the first device of a fresh user is trusted").isTrue();
            pairer = client;
        } else if (!welcome.trusted()) {
            pair(client, deviceId, true);
        }
        return client;
    }

    /** Pairs the pending {@code claimer} through the household's first device; returns what the claimer got. */
    PairResult pair(RccsClient claimer, String deviceId, boolean approve) {
        PairCode code = startPairing();
        Frame claim = claimer.send("pair.claim", null, Map.of("code", code.code()));
        Frame request = pairer.await(type("pair.request"), WAIT);
        PairRequest asked = RccsClient.payload(request, PairRequest.class);
        assertThat(asked.deviceId()).as("the pair.request names the claiming device").isEqualTo(deviceId);
        Frame decision = pairer.send(approve ? "pair.approve" : "pair.deny", null, Map.of("claimId", asked.claimId()));
        pairer.await(corr(decision.id()).and(type("pair.result")), WAIT);
        Frame result = claimer.await(type("pair.result").or(type("error").and(corr(claim.id()))), WAIT);
        assertThat(result.type()).as("answer to the claim: %s", result).isEqualTo("pair.result");
        return RccsClient.payload(result, PairResult.class);
    }

    /** A pairing code from the household's first device. */
    PairCode startPairing() {
        assertThat(pairer).as("the household has a trusted device").isNotNull();
        Frame start = pairer.send("pair.start", null, Map.of());
        return RccsClient.payload(pairer.await(corr(start.id()).and(type("pair.code")), WAIT), PairCode.class);
    }

    /** The first, trusted device. */
    RccsClient first() {
        return pairer;
    }

    String credentialOf(String deviceId) {
        return credentials.get(deviceId);
    }

    @Override
    public void close() {
        for (RccsClient client : clients) {
            try {
                client.close();
            } catch (RuntimeException ignored) {
                // best effort
            }
        }
        clients.clear();
    }
}
