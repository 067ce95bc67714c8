package io.rccs.relay;

import static io.rccs.relay.KafkaTestSupport.GATEWAY;
import static io.rccs.relay.KafkaTestSupport.clientFrame;
import static io.rccs.relay.KafkaTestSupport.eventOf;
import static io.rccs.relay.KafkaTestSupport.frameFor;
import static io.rccs.relay.KafkaTestSupport.hello;
import static io.rccs.relay.KafkaTestSupport.payload;
import static io.rccs.relay.KafkaTestSupport.sendFrame;
import static io.rccs.relay.KafkaTestSupport.testCredentialHash;
import static io.rccs.relay.KafkaTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.events.Topics;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.DeviceRevoke;
import io.rccs.model.protocol.payload.Devices;
import io.rccs.model.protocol.payload.DevicesList;
import io.rccs.model.protocol.payload.ErrorPayload;
import io.rccs.model.protocol.payload.PairClaim;
import io.rccs.model.protocol.payload.PairCode;
import io.rccs.model.protocol.payload.PairDecision;
import io.rccs.model.protocol.payload.PairRequest;
import io.rccs.model.protocol.payload.PairResult;
import io.rccs.model.protocol.payload.PairStart;
import io.rccs.model.protocol.payload.Welcome;
import io.rccs.testsupport.KafkaTestKit.Keyed;
import io.rccs.testsupport.KafkaTestKit.Tail;
import io.rccs.testsupport.StoreTestSupport;

/**
 * Device identity and pairing (SPEC 3.4) with auto-trust off, as in production: the hello proof,
 * pending devices, the pairing steps and their refusals, revocation.
 */
@QuarkusTest
@TestProfile(PairingTest.PairingOn.class)
class PairingTest {

    /** Pairing as in production: only a user's first device is trusted by itself. */
    public static class PairingOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rccs.relay.auto-trust", "false");
        }
    }

    @Inject
    RedisDataSource redis;

    private Tail<Delivery> deliveries;

    @BeforeEach
    void relayIsConsuming() {
        KafkaTestSupport.awaitRelayReady();
    }

    /** Says hello as the device (online at the test gateway) and returns its welcome. */
    private Welcome connect(String user, String device) {
        String connection = "conn-" + device;
        StoreTestSupport.online(redis, user, device, connection, GATEWAY);
        String id = unique("hello");
        sendFrame(user, device, connection, hello(id, device, "desktop", "roo.task@1"));
        Delivery welcome = deliveries.await("welcome of " + device, frameFor(user, device, FrameType.WELCOME)
                .and(d -> id.equals(d.frame().corr())));
        return payload(welcome.frame(), Welcome.class);
    }

    private Frame ask(String user, String device, FrameType type, Object payload, FrameType answerType) {
        String id = unique(type.wire());
        sendFrame(user, device, "conn-" + device, clientFrame(id, type, null, payload));
        return deliveries.await(type.wire() + " answer", frameFor(user, device, answerType).and(d -> id.equals(d.frame().corr())))
                .frame();
    }

    private ErrorPayload error(String user, String device, FrameType type, Object payload) {
        return payload(ask(user, device, type, payload, FrameType.ERROR), ErrorPayload.class);
    }

    @Test
    void laterDevicesArePendingAndCanOnlyPair() {
        String user = unique("user");
        try (Tail<Delivery> tail = KafkaTestSupport.deliveries(GATEWAY)) {
            deliveries = tail;
            assertThat(connect(user, "first").trusted()).as("the user's first device").isTrue();
            assertThat(connect(user, "second").trusted()).as("a later device is pending").isFalse();

            assertThat(error(user, "second", FrameType.DEVICES_LIST, new DevicesList(null, null, null)).code()).isEqualTo("not_trusted");
            assertThat(error(user, "second", FrameType.PAIR_START, new PairStart()).code()).isEqualTo("not_trusted");
            assertThat(error(user, "first", FrameType.PAIR_CLAIM, new PairClaim("ACDEFGHJ")).code())
                    .as("a trusted device has nothing to claim").isEqualTo("conflict");

            Devices listed = payload(ask(user, "first", FrameType.DEVICES_LIST, new DevicesList(null, null, null), FrameType.DEVICES),
                    Devices.class);
            assertThat(listed.devices()).extracting(Devices.DeviceInfo::id, Devices.DeviceInfo::trusted)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("first", true), org.assertj.core.groups.Tuple.tuple("second", false));
        }
    }

    @Test
    void approvedClaimMakesTheDeviceTrustedAndADeniedOneStaysPending() {
        String user = unique("user");
        try (Tail<Delivery> tail = KafkaTestSupport.deliveries(GATEWAY);
                Tail<Keyed> events = KafkaTestSupport.events(Topics.DEVICE_EVENTS)) {
            deliveries = tail;
            connect(user, "desk");
            connect(user, "phone");
            connect(user, "tablet");

            PairCode code = payload(ask(user, "desk", FrameType.PAIR_START, new PairStart(), FrameType.PAIR_CODE), PairCode.class);
            assertThat(code.code()).hasSize(8).matches("[ACDEFGHJKMNPQRTUVWXY34679]{8}");
            assertThat(code.uri()).isEqualTo("rccs://pair?code=" + code.code());
            assertThat(code.expiresAt()).isBetween(System.currentTimeMillis() + 200_000, System.currentTimeMillis() + 301_000);

            sendFrame(user, "phone", "conn-phone", clientFrame("claim-1", FrameType.PAIR_CLAIM, null, new PairClaim(code.code().toLowerCase())));
            PairRequest request = payload(deliveries.await("pair.request", frameFor(user, "desk", FrameType.PAIR_REQUEST)).frame(),
                    PairRequest.class);
            assertThat(request.deviceId()).isEqualTo("phone");
            assertThat(request.name()).isEqualTo("name of phone");

            assertThat(error(user, "tablet", FrameType.PAIR_CLAIM, new PairClaim(code.code())).message())
                    .isEqualTo("this pairing code was already used");

            PairResult toDecider = payload(ask(user, "desk", FrameType.PAIR_APPROVE, new PairDecision(request.claimId()),
                    FrameType.PAIR_RESULT), PairResult.class);
            assertThat(toDecider).isEqualTo(new PairResult("phone", true));
            PairResult toClaimer = payload(deliveries.await("pair.result to the phone", frameFor(user, "phone", FrameType.PAIR_RESULT))
                    .frame(), PairResult.class);
            assertThat(toClaimer).isEqualTo(new PairResult("phone", true));
            events.await("paired event", eventOf(Topics.deviceKey(user, "phone"), EventTypes.DEVICE_PAIRED));
            assertThat(StoreTestSupport.count("select count(*) from relay.device where user_id = ? and device_id = 'phone' and trusted",
                    user)).isEqualTo(1);
            // the newly trusted device may list now
            ask(user, "phone", FrameType.DEVICES_LIST, new DevicesList(null, null, null), FrameType.DEVICES);

            // the tablet gets its own code, and is denied
            PairCode second = payload(ask(user, "phone", FrameType.PAIR_START, new PairStart(), FrameType.PAIR_CODE), PairCode.class);
            sendFrame(user, "tablet", "conn-tablet", clientFrame("claim-2", FrameType.PAIR_CLAIM, null, new PairClaim(second.code())));
            PairRequest tabletRequest = payload(deliveries.await("pair.request to the phone", frameFor(user, "phone", FrameType.PAIR_REQUEST))
                    .frame(), PairRequest.class);
            ask(user, "desk", FrameType.PAIR_DENY, new PairDecision(tabletRequest.claimId()), FrameType.PAIR_RESULT);
            assertThat(payload(deliveries.await("denied result", frameFor(user, "tablet", FrameType.PAIR_RESULT)).frame(), PairResult.class))
                    .isEqualTo(new PairResult("tablet", false));
            events.await("denied event", eventOf(Topics.deviceKey(user, "tablet"), EventTypes.DEVICE_DENIED));
            assertThat(error(user, "tablet", FrameType.DEVICES_LIST, new DevicesList(null, null, null)).code()).isEqualTo("not_trusted");
            assertThat(error(user, "desk", FrameType.PAIR_APPROVE, new PairDecision(tabletRequest.claimId())).message())
                    .isEqualTo("this pairing request was already denied");
        }
    }

    @Test
    void wrongExpiredAndOtherUsersCodesAreRefusedAndGuessingIsLimited() {
        String alice = unique("alice");
        String bob = unique("bob");
        try (Tail<Delivery> tail = KafkaTestSupport.deliveries(GATEWAY)) {
            deliveries = tail;
            connect(alice, "desk");
            connect(alice, "phone");
            connect(bob, "desk");
            connect(bob, "phone");
            connect(bob, "tablet");
            PairCode alicesCode = payload(ask(alice, "desk", FrameType.PAIR_START, new PairStart(), FrameType.PAIR_CODE), PairCode.class);

            assertThat(error(bob, "phone", FrameType.PAIR_CLAIM, new PairClaim(alicesCode.code())))
                    .extracting(ErrorPayload::code, ErrorPayload::message).containsExactly("not_found", "no such pairing code");

            StoreTestSupport.update("update relay.pairing_code set expires_at = now() - interval '1 second' where user_id = ? and code = ?",
                    alice, alicesCode.code());
            assertThat(error(alice, "phone", FrameType.PAIR_CLAIM, new PairClaim(alicesCode.code())))
                    .extracting(ErrorPayload::code, ErrorPayload::message)
                    .containsExactly("conflict", "this pairing code expired: ask for a new one");

            // bob's first wrong claim was above; four more reach the limit, then even a right code is refused
            for (int i = 0; i < 4; i++) {
                assertThat(error(bob, "phone", FrameType.PAIR_CLAIM, new PairClaim("WRONG" + i)).code()).isEqualTo("not_found");
            }
            PairCode bobsCode = payload(ask(bob, "desk", FrameType.PAIR_START, new PairStart(), FrameType.PAIR_CODE), PairCode.class);
            ErrorPayload limited = error(bob, "phone", FrameType.PAIR_CLAIM, new PairClaim(bobsCode.code()));
            assertThat(limited.code()).isEqualTo("rate_limited");
            assertThat(limited.retryable()).isTrue();
            // the limit is the guessing device's: bob's other pending device may still claim his code
            sendFrame(bob, "tablet", "conn-tablet", clientFrame("claim-tablet", FrameType.PAIR_CLAIM, null, new PairClaim(bobsCode.code())));
            assertThat(payload(deliveries.await("bob's pair.request", frameFor(bob, "desk", FrameType.PAIR_REQUEST)).frame(),
                    PairRequest.class).deviceId()).isEqualTo("tablet");
            // alice's own limit is untouched
            PairCode fresh = payload(ask(alice, "desk", FrameType.PAIR_START, new PairStart(), FrameType.PAIR_CODE), PairCode.class);
            sendFrame(alice, "phone", "conn-phone", clientFrame("claim-ok", FrameType.PAIR_CLAIM, null, new PairClaim(fresh.code())));
            deliveries.await("alice's pair.request", frameFor(alice, "desk", FrameType.PAIR_REQUEST));
        }
    }

    @Test
    void aKnownDeviceMustProveItselfAndARevokedCredentialStopsWorking() {
        String user = unique("user");
        try (Tail<Delivery> tail = KafkaTestSupport.deliveries(GATEWAY);
                Tail<Keyed> events = KafkaTestSupport.events(Topics.DEVICE_EVENTS)) {
            deliveries = tail;
            connect(user, "desk");
            connect(user, "laptop");
            String stored = testCredentialHash("laptop");

            // the right credential, presented
            helloWith(user, "laptop", "conn-2", stored, false, FrameType.WELCOME);
            // someone with the user's token but not the credential: with another credential, or none (the gateway makes one)
            assertThat(payload(helloWith(user, "laptop", "conn-3", testCredentialHash("thief"), false, FrameType.ERROR), ErrorPayload.class))
                    .extracting(ErrorPayload::code, ErrorPayload::message)
                    .containsExactly("forbidden", "the credential does not match device 'laptop'");
            assertThat(payload(helloWith(user, "laptop", "conn-4", testCredentialHash("thief"), true, FrameType.ERROR), ErrorPayload.class)
                    .code()).isEqualTo("forbidden");
            // a credential the client made itself, for a new id: registered with it, pending
            assertThat(payload(helloWith(user, "newcomer", "conn-5", testCredentialHash("newcomer's own"), false, FrameType.WELCOME),
                    Welcome.class).trusted()).isFalse();
            helloWith(user, "newcomer", "conn-5b", testCredentialHash("newcomer's own"), false, FrameType.WELCOME);

            // revoked over REST (no device): the connection is closed, the credential no longer works
            sendFrame(new InboundFrame(user, null, "rest-1", GATEWAY, List.of("rccs-user"),
                    clientFrame("revoke-1", FrameType.DEVICE_REVOKE, null, new DeviceRevoke("laptop")), null, null));
            Delivery close = deliveries.await("close of the laptop", d -> user.equals(d.userId()) && "laptop".equals(d.deviceId())
                    && d.closeCode() != null);
            assertThat(close.closeCode()).isEqualTo(4403);
            // presence names conn-laptop; the relay last welcomed conn-2: both are closed
            assertThat(close.connectionId()).isIn("conn-laptop", "conn-2");
            deliveries.await("the other close", d -> "laptop".equals(d.deviceId()) && d.closeCode() != null
                    && !close.connectionId().equals(d.connectionId()));
            deliveries.await("revoke answer", d -> "rest-1".equals(d.connectionId()) && d.frame().is(FrameType.DEVICES));
            events.await("revoked event", eventOf(Topics.deviceKey(user, "laptop"), EventTypes.DEVICE_REVOKED));
            assertThat(payload(helloWith(user, "laptop", "conn-6", stored, false, FrameType.ERROR), ErrorPayload.class).message())
                    .isEqualTo("device 'laptop' was revoked");
            // without a credential the id may be registered again, as a new pending device
            Welcome again = payload(helloWith(user, "laptop", "conn-7", testCredentialHash("reinstalled"), true, FrameType.WELCOME),
                    Welcome.class);
            assertThat(again.trusted()).isFalse();
            // another user's device is not found
            sendFrame(new InboundFrame(unique("other"), null, "rest-2", GATEWAY, List.of("rccs-user"),
                    clientFrame("revoke-2", FrameType.DEVICE_REVOKE, null, new DeviceRevoke("desk")), null, null));
            Delivery notFound = deliveries.await("revoke of another's device", d -> "rest-2".equals(d.connectionId()));
            assertThat(payload(notFound.frame(), ErrorPayload.class).code()).isEqualTo("not_found");
        }
    }

    @Test
    void anApprovalGoesOnlyToTheDeviceThatClaimed() {
        String user = unique("user");
        try (Tail<Delivery> tail = KafkaTestSupport.deliveries(GATEWAY)) {
            deliveries = tail;
            connect(user, "desk");
            connect(user, "laptop");
            PairCode code = payload(ask(user, "desk", FrameType.PAIR_START, new PairStart(), FrameType.PAIR_CODE), PairCode.class);
            sendFrame(user, "laptop", "conn-laptop", clientFrame("claim-l", FrameType.PAIR_CLAIM, null, new PairClaim(code.code())));
            PairRequest request = payload(deliveries.await("pair.request", frameFor(user, "desk", FrameType.PAIR_REQUEST)).frame(),
                    PairRequest.class);
            // someone with the token revokes the laptop and registers its id for themselves before the user decides
            sendFrame(new InboundFrame(user, null, "rest-h", GATEWAY, List.of("rccs-user"),
                    clientFrame("revoke-h", FrameType.DEVICE_REVOKE, null, new DeviceRevoke("laptop")), null, null));
            deliveries.await("revoke answer", d -> "rest-h".equals(d.connectionId()));
            assertThat(payload(helloWith(user, "laptop", "conn-thief", testCredentialHash("thief"), true, FrameType.WELCOME),
                    Welcome.class).trusted()).isFalse();

            ErrorPayload refused = error(user, "desk", FrameType.PAIR_APPROVE, new PairDecision(request.claimId()));
            assertThat(refused.code()).isEqualTo("not_found");
            assertThat(StoreTestSupport.count("select count(*) from relay.device where user_id = ? and device_id = 'laptop' and trusted",
                    user)).as("the thief's laptop stays pending").isZero();
        }
    }

    @Test
    void aUserHasAtMostFiveOpenCodes() {
        String user = unique("user");
        try (Tail<Delivery> tail = KafkaTestSupport.deliveries(GATEWAY)) {
            deliveries = tail;
            connect(user, "desk");
            for (int i = 0; i < 5; i++) {
                ask(user, "desk", FrameType.PAIR_START, new PairStart(), FrameType.PAIR_CODE);
            }
            ErrorPayload refused = error(user, "desk", FrameType.PAIR_START, new PairStart());
            assertThat(refused.code()).isEqualTo("rate_limited");
            assertThat(refused.message()).contains("5 pairing codes open");
        }
    }

    private Frame helloWith(String user, String device, String connection, String hash, boolean issued, FrameType answer) {
        String id = unique("hello");
        sendFrame(new InboundFrame(user, device, connection, GATEWAY, List.of("rccs-user"),
                hello(id, device, "desktop"), hash, issued));
        return deliveries.await("answer to " + id, d -> connection.equals(d.connectionId()) && d.frame() != null
                && id.equals(d.frame().corr()) && d.frame().is(answer)).frame();
    }
}
