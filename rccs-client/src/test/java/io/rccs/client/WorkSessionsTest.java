package io.rccs.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.flipkart.zjsonpatch.JsonPatch;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.payload.ErrorPayload;
import io.rccs.model.protocol.payload.HandoffDone;
import io.rccs.model.protocol.payload.HandoffOffer;
import io.rccs.model.protocol.payload.SessionInfo;
import io.rccs.model.protocol.payload.Sessions;
import io.rccs.model.protocol.payload.State;

/**
 * {@link WorkSessions} of a {@link RccsDevice} against a scripted gateway that plays the relay's
 * part: what the device sends for each call, how its replicas follow the frames pushed from the
 * inbox (in seq order, once each), and how it mends gaps, rebases on conflicts and hands off.
 */
class WorkSessionsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private FakeGateway gateway;
    private FakeGateway.Connection connection;
    private RccsDevice device;
    private WorkSessions sessions;
    private final AtomicLong serverIds = new AtomicLong();
    private final List<SessionSnapshot> states = new CopyOnWriteArrayList<>();
    private final List<HandoffOffer> offers = new CopyOnWriteArrayList<>();
    private final List<HandoffDone> dones = new CopyOnWriteArrayList<>();

    @BeforeEach
    void connect() throws Exception {
        gateway = new FakeGateway();
        start(builder -> builder);
    }

    /** Starts the device "phone" (as tweaked) and welcomes its first connection. */
    private void start(UnaryOperator<RccsDevice.Builder> tweak) throws Exception {
        RccsDevice.Builder builder = RccsDevice.builder("phone", List.of(gateway.url()), () -> "token")
                .onMessage(frame -> { })
                .ackDelay(Duration.ofMillis(50))
                .maxBackoff(Duration.ofMillis(200))
                .sessionTimeout(WAIT)
                .sessionListener(new SessionListener() {
                    @Override
                    public void onState(SessionSnapshot session) {
                        states.add(session);
                    }

                    @Override
                    public void onOffer(HandoffOffer offer) {
                        offers.add(offer);
                    }

                    @Override
                    public void onHandoffDone(HandoffDone done) {
                        dones.add(done);
                    }
                });
        device = tweak.apply(builder).start();
        sessions = device.sessions();
        connection = gateway.nextConnection(WAIT);
        welcome(connection);
    }

    /** Stops the device of {@link #connect()} and starts another, as tweaked (a shorter session timeout, say). */
    private void restart(UnaryOperator<RccsDevice.Builder> tweak) throws Exception {
        device.close();
        start(tweak);
    }

    @AfterEach
    void stop() throws Exception {
        device.close();
        gateway.close();
    }

    // ---------------------------------------------------------------------------------- the tests

    @Test
    void anOpenedSessionFollowsThePushedVersionsOnceEachInSeqOrderAndAcknowledgesThem() throws Exception {
        CompletableFuture<SessionSnapshot> opened = sessions.openSession("task", json("{'n':0}"));
        JsonNode open = nextRequest("session.open");
        assertThat(open.path("payload").path("name").asText()).isEqualTo("task");
        assertThat(open.path("payload").path("state")).isEqualTo(json("{'n':0}"));
        reply(open, "state", new State("s-1", 1, "phone", "open", null, json("{'n':0}")));

        SessionSnapshot snapshot = opened.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(snapshot).isEqualTo(new SessionSnapshot("s-1", 1, "phone", "open", json("{'n':0}")));
        assertThat(sessions.replica("s-1")).isPresent();

        push(1, null, "state", patchState("s-1", 2, "[{'op':'replace','path':'/n','value':2}]"));
        push(3, null, "state", patchState("s-1", 4, "[{'op':'replace','path':'/n','value':4}]")); // held behind seq 2
        push(2, null, "state", patchState("s-1", 3, "[{'op':'add','path':'/three','value':true}]"));
        push(2, null, "state", patchState("s-1", 3, "[{'op':'add','path':'/three','value':'again'}]")); // sent again

        SessionSnapshot four = replica("s-1").awaitVersion(4).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(four.document()).isEqualTo(json("{'n':4,'three':true}"));
        awaitAck(3); // sent once the frames up to seq 3 were handed over: the listener heard of each by then
        assertThat(states).extracting(SessionSnapshot::version).containsExactly(1L, 2L, 3L, 4L);
        assertThat(device.lastSeq()).isEqualTo(3);
    }

    @Test
    void aVersionGapIsMendedWithOneStateGet() throws Exception {
        openAtVersionOne("s-1", "{'n':1}");

        push(1, null, "state", patchState("s-1", 3, "[{'op':'replace','path':'/n','value':3}]"));
        JsonNode get = nextRequest("state.get");
        assertThat(get.path("payload").path("session").asText()).isEqualTo("s-1");
        assertThat(replica("s-1").version()).as("nothing applied across the gap").isEqualTo(1);
        reply(get, "state", new State("s-1", 3, "phone", "open", null, json("{'n':3,'whole':true}")));
        replica("s-1").awaitVersion(3).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        push(2, null, "state", patchState("s-1", 4, "[{'op':'replace','path':'/n','value':4}]"));

        assertThat(replica("s-1").awaitVersion(4).get(WAIT.toMillis(), TimeUnit.MILLISECONDS).document())
                .isEqualTo(json("{'n':4,'whole':true}"));
        assertNextRequestIsOnlyTheListAfter();
    }

    @Test
    void anUpdateOnAStaleVersionWaitsForTheNewerVersionAndSendsItsChangeRebasedOnIt() throws Exception {
        openAtVersionOne("s-1", "{'n':0,'log':[]}");

        CompletableFuture<Long> updated = sessions.update("s-1", document -> ((ObjectNode) document).put("n", 1));
        JsonNode first = nextRequest("state.patch");
        assertThat(first.path("payload").path("baseVersion").asLong()).isEqualTo(1);
        assertThat(JsonPatch.apply(first.path("payload").path("ops"), json("{'n':0,'log':[]}")))
                .isEqualTo(json("{'n':1,'log':[]}"));
        // another device's change came first; its version reaches this device after the refusal
        reply(first, "error", conflict("s-1", 2));
        push(1, null, "state", patchState("s-1", 2, "[{'op':'add','path':'/log/-','value':'desk'}]"));

        JsonNode second = nextRequest("state.patch");
        assertThat(second.path("id").asText()).as("a new patch, not a resend").isNotEqualTo(first.path("id").asText());
        assertThat(second.path("payload").path("baseVersion").asLong()).isEqualTo(2);
        assertThat(JsonPatch.apply(second.path("payload").path("ops"), json("{'n':0,'log':['desk']}")))
                .isEqualTo(json("{'n':1,'log':['desk']}"));
        assertThat(updated).isNotDone();
        // looked at the moment the update completes: its replica must have the version by then
        CompletableFuture<Long> replicaVersionThen = updated.thenApply(version -> replica("s-1").version());
        push(2, second.path("id").asText(), "state", new State("s-1", 3, "phone", "open", second.path("payload").path("ops"), null));

        assertThat(updated.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(3);
        assertThat(replicaVersionThen.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(3);
        assertThat(replica("s-1").document()).isEqualTo(json("{'n':1,'log':['desk']}"));
    }

    @Test
    void whenTheVersionsAConflictNamedDoNotComeTheUpdateReadsTheSessionAnew() throws Exception {
        openAtVersionOne("s-1", "{'n':0}");

        CompletableFuture<Long> updated = sessions.update("s-1", document -> ((ObjectNode) document).put("n",
                document.path("n").asInt() + 1));
        reply(nextRequest("state.patch"), "error", conflict("s-1", 2));
        JsonNode get = nextRequest("state.get");
        reply(get, "state", new State("s-1", 2, "desk", "open", null, json("{'n':5}")));

        JsonNode again = nextRequest("state.patch");
        assertThat(again.path("payload").path("baseVersion").asLong()).isEqualTo(2);
        assertThat(JsonPatch.apply(again.path("payload").path("ops"), json("{'n':5}"))).isEqualTo(json("{'n':6}"));
        push(1, again.path("id").asText(), "state", new State("s-1", 3, "desk", "open", again.path("payload").path("ops"), null));

        assertThat(updated.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(3);
        assertThat(replica("s-1").document()).isEqualTo(json("{'n':6}"));
    }

    @Test
    void aPatchWhoseConnectionIsLostIsSentAgainWithTheSameIdOnTheNextConnection() throws Exception {
        openAtVersionOne("s-1", "{'n':0}");

        CompletableFuture<Long> updated = sessions.update("s-1", document -> ((ObjectNode) document).put("n", 1));
        JsonNode sent = nextRequest("state.patch");
        connection.close(1011);
        connection = gateway.nextConnection(WAIT);
        welcome(connection);

        JsonNode resent = nextRequest("state.patch");
        assertThat(resent.path("id").asText()).as("the idempotency key").isEqualTo(sent.path("id").asText());
        assertThat(resent.path("payload")).isEqualTo(sent.path("payload"));
        reply(resent, "state", new State("s-1", 2, "phone", "open", resent.path("payload").path("ops"), null));

        assertThat(updated.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(2);
        assertThat(replica("s-1").document()).isEqualTo(json("{'n':1}"));
    }

    @Test
    void anUpdateOfASessionTheDeviceDoesNotFollowJoinsItFirstAndAChangeOfNothingSendsNothing() throws Exception {
        CompletableFuture<Long> updated = sessions.update("s-5", document -> ((ObjectNode) document).put("done", true));
        JsonNode join = nextRequest("session.join");
        assertThat(join.path("payload").path("session").asText()).isEqualTo("s-5");
        reply(join, "state", new State("s-5", 7, "desk", "open", null, json("{}")));
        JsonNode patch = nextRequest("state.patch");
        assertThat(patch.path("payload").path("baseVersion").asLong()).isEqualTo(7);
        push(1, patch.path("id").asText(), "state", new State("s-5", 8, "desk", "open", patch.path("payload").path("ops"), null));
        assertThat(updated.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(8);

        assertThat(sessions.update("s-5", document -> document).get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .as("nothing to change: the replica's version").isEqualTo(8);
        assertNextRequestIsOnlyTheListAfter();
    }

    @Test
    void anOfferStartsAReplicaAndAcceptingItMakesThisDeviceTheOwnerAtTheNextVersion() throws Exception {
        push(1, null, "handoff.offer", new HandoffOffer("s-2", "task", "desk", 4, json("{'n':4}"), List.of(), 0L));
        await(() -> offers.size() == 1, "the offer reaches the listener");
        assertThat(sessions.offers()).extracting(HandoffOffer::session).containsExactly("s-2");
        assertThat(replica("s-2").snapshot()).isEqualTo(new SessionSnapshot("s-2", 4, "desk", "open", json("{'n':4}")));

        CompletableFuture<HandoffDone> accepted = sessions.acceptHandoff("s-2");
        JsonNode accept = nextRequest("handoff.accept");
        assertThat(accept.path("payload").path("session").asText()).isEqualTo("s-2");
        push(2, accept.path("id").asText(), "handoff.done", new HandoffDone("s-2", "phone", "desk", 5, true, HandoffDone.HANDOFF));

        HandoffDone done = accepted.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(done.accepted()).isTrue();
        assertThat(replica("s-2").snapshot()).extracting(SessionSnapshot::version, SessionSnapshot::owner)
                .containsExactly(5L, "phone");
        assertThat(sessions.offers()).isEmpty();
        assertThat(dones).containsExactly(done);
        push(3, null, "state", patchState("s-2", 6, "[{'op':'replace','path':'/n','value':6}]"));
        assertThat(replica("s-2").awaitVersion(6).get(WAIT.toMillis(), TimeUnit.MILLISECONDS).document())
                .isEqualTo(json("{'n':6}"));
    }

    @Test
    void rejectingAnOfferCompletesWithTheDoneThatLeavesTheOwnerAsItWas() throws Exception {
        push(1, null, "handoff.offer", new HandoffOffer("s-2", "task", "desk", 4, json("{}"), List.of(), 0L));
        await(() -> offers.size() == 1, "the offer reaches the listener");

        CompletableFuture<HandoffDone> rejected = sessions.rejectHandoff("s-2");
        JsonNode reject = nextRequest("handoff.reject");
        push(2, reject.path("id").asText(), "handoff.done", new HandoffDone("s-2", "desk", "desk", 4, false, HandoffDone.REJECTED));

        assertThat(rejected.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).reason()).isEqualTo(HandoffDone.REJECTED);
        assertThat(replica("s-2").snapshot()).extracting(SessionSnapshot::version, SessionSnapshot::owner)
                .containsExactly(4L, "desk");
        assertThat(sessions.offers()).isEmpty();
    }

    @Test
    void aRefusedHandoffRequestFailsAtOnceAndAnOfferedOneCompletesWithItsOutcome() throws Exception {
        openAtVersionOne("s-1", "{}");

        CompletableFuture<HandoffDone> refused = sessions.requestHandoff("s-1", "desk");
        JsonNode request = nextRequest("handoff.request");
        assertThat(request.path("payload").path("to").asText()).isEqualTo("desk");
        // retryable on the wire, yet final for a handoff: the device must not send it again by itself
        reply(request, "error", new ErrorPayload("no_capable_device", "device 'desk' is not online", true, null));
        assertThatThrownBy(() -> refused.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(RccsErrorException.class)
                .extracting(failure -> ((RccsErrorException) failure).code()).isEqualTo("no_capable_device");
        assertNextRequestIsOnlyTheListAfter();

        CompletableFuture<HandoffDone> lapsed = sessions.requestHandoff("s-1", "desk");
        nextRequest("handoff.request");
        push(1, null, "handoff.done", new HandoffDone("s-1", "phone", "phone", 1, false, HandoffDone.TIMEOUT));
        assertThat(lapsed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).reason()).isEqualTo(HandoffDone.TIMEOUT);
        assertThat(replica("s-1").version()).as("no version step").isEqualTo(1);

        CompletableFuture<HandoffDone> moved = sessions.requestHandoff("s-1", "desk");
        nextRequest("handoff.request");
        push(2, null, "handoff.done", new HandoffDone("s-1", "desk", "phone", 2, true, HandoffDone.HANDOFF));
        assertThat(moved.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).owner()).isEqualTo("desk");
        assertThat(replica("s-1").snapshot()).extracting(SessionSnapshot::version, SessionSnapshot::owner)
                .containsExactly(2L, "desk");
    }

    @Test
    void aClosedSessionIsToldToTheListenersThenDroppedAndTakesNoMoreUpdates() throws Exception {
        openAtVersionOne("s-1", "{}");

        CompletableFuture<Long> closed = sessions.closeSession("s-1");
        JsonNode close = nextRequest("session.close");
        push(1, close.path("id").asText(), "state", new State("s-1", 2, "phone", "closed", null, null));

        assertThat(closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(2);
        assertThat(states).last().extracting(SessionSnapshot::version, SessionSnapshot::status).containsExactly(2L, "closed");
        assertThat(sessions.replica("s-1")).as("nothing can change it any more: not kept").isEmpty();
        assertThat(sessions.followed()).isEmpty();
        // a late whole copy of it (a read that crossed the close) starts no replica again
        push(2, null, "state", new State("s-1", 2, "phone", "closed", null, json("{}")));
        // nor does an update join it again: it fails at once
        CompletableFuture<Long> late = sessions.update("s-1", document -> ((ObjectNode) document).put("late", true));
        assertThatThrownBy(() -> late.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertNextRequestIsOnlyTheListAfter();
        assertThat(sessions.replica("s-1")).isEmpty();
    }

    @Test
    void closingEndsThePendingHandoffWithTheSupersededDoneAndLeavesNothingOfTheSessionBehind() throws Exception {
        openAtVersionOne("s-1", "{}");
        CompletableFuture<HandoffDone> toDesk = sessions.requestHandoff("s-1", "desk");
        nextRequest("handoff.request");

        CompletableFuture<Long> closed = sessions.closeSession("s-1");
        JsonNode close = nextRequest("session.close");
        // the relay tells the owner and the target that the offer ended, then closes
        HandoffDone superseded = new HandoffDone("s-1", "phone", "phone", "desk", 1, false, HandoffDone.SUPERSEDED);
        push(1, null, "handoff.done", superseded);
        push(2, close.path("id").asText(), "state", new State("s-1", 2, "phone", "closed", null, null));

        assertThat(toDesk.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(superseded);
        assertThat(closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(2);
        assertThat(sessions.replica("s-1")).isEmpty();
        assertThat(sessions.sessionsWithHandoffRequests()).isZero();
    }

    @Test
    void aSessionClosingEndsTheOfferOfItAndFailsAHandoffRequestStillWaiting() throws Exception {
        push(1, null, "handoff.offer", new HandoffOffer("s-2", "task", "desk", 4, json("{}"), List.of(), 0L));
        await(() -> offers.size() == 1, "the offer reaches the listener");
        push(2, null, "state", new State("s-2", 5, "desk", "closed", null, null));
        await(() -> sessions.replica("s-2").isEmpty(), "the closed session's replica is dropped");
        assertThat(sessions.offers()).as("an offer of a closed session cannot be taken").isEmpty();

        // a relay that does not say superseded: the close itself ends the request
        openAtVersionOne("s-1", "{}");
        CompletableFuture<HandoffDone> toDesk = sessions.requestHandoff("s-1", "desk");
        nextRequest("handoff.request");
        push(3, null, "state", new State("s-1", 2, "phone", "closed", null, null));
        assertThatThrownBy(() -> toDesk.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(sessions.sessionsWithHandoffRequests()).isZero();
    }

    @Test
    void aHandoffRequestEndsOnlyWithTheDoneOfItsOwnTargetAndAFailoverAwayEndsItWithAFailure() throws Exception {
        openAtVersionOne("s-1", "{}");
        CompletableFuture<HandoffDone> toDesk = sessions.requestHandoff("s-1", "desk");
        nextRequest("handoff.request");

        // the done of an earlier offer, to the laptop, comes late (held in the inbox while offline)
        push(1, null, "handoff.done", new HandoffDone("s-1", "phone", "phone", "laptop", 1, false, HandoffDone.TIMEOUT));
        await(() -> dones.size() == 1, "the earlier done reaches the listener");
        assertThat(toDesk).as("not the outcome of the offer to desk").isNotDone();
        HandoffDone rejected = new HandoffDone("s-1", "phone", "phone", "desk", 1, false, HandoffDone.REJECTED);
        push(2, null, "handoff.done", rejected);
        assertThat(toDesk.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(rejected);

        CompletableFuture<HandoffDone> again = sessions.requestHandoff("s-1", "desk");
        nextRequest("handoff.request");
        // this device was away past its grace period: the session moved to the laptop, and the pending offer was dropped
        push(3, null, "handoff.done", new HandoffDone("s-1", "laptop", "phone", "laptop", 2, true, HandoffDone.FAILOVER));
        assertThatThrownBy(() -> again.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("failed over to laptop");
        assertThat(replica("s-1").owner()).isEqualTo("laptop");
        assertThat(sessions.sessionsWithHandoffRequests()).as("no empty waiting lists").isZero();
    }

    @Test
    void anAcceptAnsweredAgainIsToldOnceAndDoesNotEndANewerOffer() throws Exception {
        push(1, null, "handoff.offer", new HandoffOffer("s-2", "task", "desk", 4, json("{'n':4}"), List.of(), 0L));
        await(() -> offers.size() == 1, "the offer reaches the listener");
        CompletableFuture<HandoffDone> accepted = sessions.acceptHandoff("s-2");
        JsonNode accept = nextRequest("handoff.accept");
        HandoffDone moved = new HandoffDone("s-2", "phone", "desk", "phone", 5, true, HandoffDone.HANDOFF);
        push(2, accept.path("id").asText(), "handoff.done", moved);
        assertThat(accepted.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(moved);

        // the session went back to desk, which offers it to this device again
        HandoffDone back = new HandoffDone("s-2", "desk", "phone", "desk", 6, true, HandoffDone.HANDOFF);
        push(3, null, "handoff.done", back);
        push(4, null, "handoff.offer", new HandoffOffer("s-2", "task", "desk", 6, json("{'n':4}"), List.of(), 0L));
        await(() -> offers.size() == 2, "the new offer reaches the listener");
        // the answer to the accept sent again (its connection was lost) comes late, straight, without seq
        reply(accept, "handoff.done", moved);
        assertNextRequestIsOnlyTheListAfter(); // answered after the late done: that was handled by then

        assertThat(dones).containsExactly(moved, back);
        assertThat(sessions.offers()).extracting(HandoffOffer::version).containsExactly(6L);
        assertThat(replica("s-2").snapshot()).extracting(SessionSnapshot::version, SessionSnapshot::owner)
                .containsExactly(6L, "desk");
    }

    @Test
    void anUpdateCompletesOnlyOnceItsReplicaHasTheVersionItMade() throws Exception {
        openAtVersionOne("s-1", "{'n':0}");
        CompletableFuture<Long> updated = sessions.update("s-1", document -> ((ObjectNode) document).put("n", 1));
        JsonNode patch = nextRequest("state.patch");
        CompletableFuture<Long> replicaVersionThen = updated.thenApply(version -> replica("s-1").version());

        // this copy diverged: the ops of the answer do not apply to it, only the whole session mends it
        push(1, patch.path("id").asText(), "state", new State("s-1", 2, "phone", "open",
                json("[{'op':'test','path':'/n','value':99},{'op':'replace','path':'/n','value':1}]"), null));
        JsonNode get = nextRequest("state.get");
        assertThat(updated).as("the replica is still at version 1").isNotDone();
        reply(get, "state", new State("s-1", 2, "phone", "open", null, json("{'n':1}")));

        assertThat(updated.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(2);
        assertThat(replicaVersionThen.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(2);
    }

    @Test
    void anAcceptCompletesOnlyOnceItsReplicaHasTheNewOwner() throws Exception {
        push(1, null, "handoff.offer", new HandoffOffer("s-2", "task", "desk", 4, json("{'n':4}"), List.of(), 0L));
        await(() -> offers.size() == 1, "the offer reaches the listener");
        CompletableFuture<HandoffDone> accepted = sessions.acceptHandoff("s-2");
        JsonNode accept = nextRequest("handoff.accept");
        CompletableFuture<String> ownerThen = accepted.thenApply(done -> replica("s-2").owner());

        // version 5 waits behind a missing seq, and the answer comes straight (as to an accept sent again)
        push(3, null, "state", new State("s-2", 5, "desk", "open", json("[{'op':'replace','path':'/n','value':5}]"), null));
        reply(accept, "handoff.done", new HandoffDone("s-2", "phone", "desk", "phone", 6, true, HandoffDone.HANDOFF));
        JsonNode get = nextRequest("state.get");
        assertThat(accepted).as("the replica is still at version 4").isNotDone();
        reply(get, "state", new State("s-2", 6, "phone", "open", null, json("{'n':5}")));

        assertThat(accepted.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).version()).isEqualTo(6);
        assertThat(ownerThen.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("phone");
    }

    @Test
    void aHandoffRequestCompletesOnlyOnceItsReplicaHasTheNewOwner() throws Exception {
        openAtVersionOne("s-1", "{'n':1}");
        CompletableFuture<HandoffDone> toDesk = sessions.requestHandoff("s-1", "desk");
        nextRequest("handoff.request");
        CompletableFuture<String> ownerThen = toDesk.thenApply(done -> replica("s-1").owner());

        // version 2 was lost with the inbox entries retention removed: the move at 3 is a gap
        push(1, null, "handoff.done", new HandoffDone("s-1", "desk", "phone", "desk", 3, true, HandoffDone.HANDOFF));
        JsonNode get = nextRequest("state.get");
        assertThat(toDesk).as("the replica is still at version 1").isNotDone();
        reply(get, "state", new State("s-1", 3, "desk", "open", null, json("{'n':2}")));

        assertThat(toDesk.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).owner()).isEqualTo("desk");
        assertThat(ownerThen.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("desk");
    }

    @Test
    void anUpdateThatTimesOutBeforeItWentOutIsWithdrawnAndNeverSentLater() throws Exception {
        restart(builder -> builder.sessionTimeout(Duration.ofSeconds(1)));
        openAtVersionOne("s-1", "{}");
        connection.close(1011);
        FakeGateway.Connection next = gateway.nextConnection(WAIT); // not welcomed yet: what the device sends waits

        CompletableFuture<Long> updated = sessions.update("s-1", document -> ((ObjectNode) document).put("late", true));
        assertThatThrownBy(() -> updated.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .cause().isExactlyInstanceOf(TimeoutException.class).hasMessageContaining("not sent");

        connection = next;
        welcome(connection);
        assertNextRequestIsOnlyTheListAfter();
        assertThat(replica("s-1").version()).isEqualTo(1);
    }

    @Test
    void aRequestThatWentOutAndGotNoAnswerFailsSayingItMayStillTakeEffect() throws Exception {
        restart(builder -> builder.sessionTimeout(Duration.ofSeconds(2)));
        openAtVersionOne("s-1", "{}");

        CompletableFuture<Long> updated = sessions.update("s-1", document -> ((ObjectNode) document).put("n", 1));
        nextRequest("state.patch");
        assertThatThrownBy(() -> updated.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .cause().isInstanceOf(OutcomeUnknownException.class).hasMessageContaining("may still take effect");

        CompletableFuture<HandoffDone> toDesk = sessions.requestHandoff("s-1", "desk");
        nextRequest("handoff.request");
        assertThatThrownBy(() -> toDesk.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .cause().isInstanceOf(OutcomeUnknownException.class);
        // its done, should the offer still be made, must not be taken for the next request's to the same device
        CompletableFuture<HandoffDone> nextToDesk = sessions.requestHandoff("s-1", "desk");
        nextRequest("handoff.request");
        push(1, null, "handoff.done", new HandoffDone("s-1", "phone", "phone", "desk", 1, false, HandoffDone.TIMEOUT));
        await(() -> dones.size() == 1, "the done reaches the listener");
        assertThat(nextToDesk).isNotDone();
        HandoffDone rejected = new HandoffDone("s-1", "phone", "phone", "desk", 1, false, HandoffDone.REJECTED);
        push(2, null, "handoff.done", rejected);
        assertThat(nextToDesk.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(rejected);
    }

    @Test
    void finishedCallsLeaveNoDeadlineTimerBehind() throws Exception {
        openAtVersionOne("s-1", "{'n':0}");
        CompletableFuture<Long> updated = sessions.update("s-1", document -> ((ObjectNode) document).put("n", 1));
        JsonNode patch = nextRequest("state.patch");
        push(1, patch.path("id").asText(), "state", new State("s-1", 2, "phone", "open", patch.path("payload").path("ops"), null));
        assertThat(updated.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(2);
        CompletableFuture<SessionSnapshot> read = sessions.getState("s-1");
        reply(nextRequest("state.get"), "state", new State("s-1", 2, "phone", "open", null, json("{'n':1}")));
        read.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

        // each call's timer was cancelled when it completed: none holds its future for the rest of the timeout
        await(() -> sessions.pendingTimers() == 0, "no timer left of finished calls");
    }

    @Test
    void aPatchLargerThanOneFrameFailsAtOnceAsTooLargeAndIsNotSent() throws Exception {
        openAtVersionOne("s-1", "{}");
        String big = "x".repeat(WorkSessions.MAX_FRAME_BYTES);

        CompletableFuture<Long> updated = sessions.update("s-1", document -> ((ObjectNode) document).put("big", big));
        assertThatThrownBy(() -> updated.get(1, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(RccsErrorException.class)
                .extracting(failure -> ((RccsErrorException) failure).code()).isEqualTo("too_large");
        assertNextRequestIsOnlyTheListAfter();
        assertThat(replica("s-1").document()).isEqualTo(json("{}"));
    }

    @Test
    void afterAWelcomeThatSaysInboxEntriesWereLostEveryReplicaIsReadAnew() throws Exception {
        openAtVersionOne("s-1", "{'n':1}");
        openAtVersionOne("s-2", "{'n':1}");
        connection.close(1011);
        connection = gateway.nextConnection(WAIT);
        welcome(connection, 3);

        JsonNode first = nextRequest("state.get");
        JsonNode second = nextRequest("state.get");
        assertThat(List.of(first.path("payload").path("session").asText(), second.path("payload").path("session").asText()))
                .containsExactlyInAnyOrder("s-1", "s-2");
        for (JsonNode get : List.of(first, second)) {
            String session = get.path("payload").path("session").asText();
            reply(get, "state", new State(session, 4, "phone", "open", null, json("{'n':4}")));
        }
        assertThat(replica("s-1").awaitVersion(4).get(WAIT.toMillis(), TimeUnit.MILLISECONDS).document()).isEqualTo(json("{'n':4}"));
        assertThat(replica("s-2").awaitVersion(4).get(WAIT.toMillis(), TimeUnit.MILLISECONDS).document()).isEqualTo(json("{'n':4}"));
    }

    @Test
    void aReadThatGetsNoAnswerIsTriedAgainAndAReplicaLeftBehindIsReadAgainAfterAReconnect() throws Exception {
        restart(builder -> builder.sessionTimeout(Duration.ofMillis(1500)));
        openAtVersionOne("s-1", "{'n':1}");
        push(1, null, "state", patchState("s-1", 3, "[{'op':'replace','path':'/n','value':3}]"));

        JsonNode first = nextRequest("state.get");
        JsonNode second = nextRequest("state.get"); // the first got no answer in its share of the timeout
        assertThat(second.path("id").asText()).isNotEqualTo(first.path("id").asText());
        reply(second, "error", new ErrorPayload("not_found", "you have no session 's-1'", false, null)); // no use trying again
        assertNextRequestIsOnlyTheListAfter();
        assertThat(replica("s-1").isBehind()).isTrue();

        connection.close(1011);
        connection = gateway.nextConnection(WAIT);
        welcome(connection);
        reply(nextRequest("state.get"), "state", new State("s-1", 3, "phone", "open", null, json("{'n':3}")));
        assertThat(replica("s-1").awaitVersion(3).get(WAIT.toMillis(), TimeUnit.MILLISECONDS).document())
                .isEqualTo(json("{'n':3}"));
    }

    @Test
    void aRebaseOfAReplicaThatIsBehindReadsTheSessionAtOnce() throws Exception {
        openAtVersionOne("s-1", "{'n':0}");
        push(1, null, "state", patchState("s-1", 3, "[{'op':'replace','path':'/n','value':3}]")); // a gap
        nextRequest("state.get"); // the read that mends it: not answered yet

        CompletableFuture<Long> updated = sessions.update("s-1", document -> ((ObjectNode) document).put("mine", true));
        reply(nextRequest("state.patch"), "error", conflict("s-1", 3));
        // the versions in between are not on their way: waiting for them (2 s) would be in vain
        JsonNode get = nextRequest("state.get", Duration.ofSeconds(1));
        reply(get, "state", new State("s-1", 3, "desk", "open", null, json("{'n':3}")));

        JsonNode again = nextRequest("state.patch");
        assertThat(again.path("payload").path("baseVersion").asLong()).isEqualTo(3);
        push(2, again.path("id").asText(), "state", new State("s-1", 4, "desk", "open", again.path("payload").path("ops"), null));
        assertThat(updated.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(4);
        assertThat(replica("s-1").document()).isEqualTo(json("{'n':3,'mine':true}"));
    }

    @Test
    void aFrameThatCannotBeUsedDoesNotKeepTheFramesReleasedWithItFromTheReplicas() throws Exception {
        openAtVersionOne("s-1", "{'n':0}");
        push(1, null, "state", patchState("s-1", 2, "[{'op':'replace','path':'/n','value':2}]"));
        push(3, null, "state", patchState("s-1", 3, "[{'op':'replace','path':'/n','value':3}]")); // held: seq 2 is missing
        push(2, null, "state", FrameCodec.mapper().createObjectNode().put("version", 7)); // no session; releases 2 and 3

        assertThat(replica("s-1").awaitVersion(3).get(WAIT.toMillis(), TimeUnit.MILLISECONDS).document())
                .isEqualTo(json("{'n':3}"));
        awaitAck(3);
    }

    @Test
    void aJoinAnswerOvertakenByAPushedVersionIsBroughtUpToIt() throws Exception {
        CompletableFuture<SessionSnapshot> joined = sessions.joinSession("s-3");
        JsonNode join = nextRequest("session.join");
        push(1, null, "state", patchState("s-3", 3, "[{'op':'replace','path':'/n','value':3}]"));
        reply(join, "state", new State("s-3", 2, "desk", "open", null, json("{'n':2}")));
        assertThat(joined.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).version()).isEqualTo(2);

        JsonNode get = nextRequest("state.get");
        reply(get, "state", new State("s-3", 3, "desk", "open", null, json("{'n':3}")));
        assertThat(replica("s-3").awaitVersion(3).get(WAIT.toMillis(), TimeUnit.MILLISECONDS).document())
                .isEqualTo(json("{'n':3}"));
    }

    @Test
    void aFailoverToThisDeviceStartsAReplicaFromThePushedDocument() throws Exception {
        push(1, null, "state", new State("s-4", 6, "phone", "open", null, json("{'n':6}")));
        push(2, null, "handoff.done", new HandoffDone("s-4", "phone", "desk", 6, true, HandoffDone.FAILOVER));

        await(() -> dones.size() == 1, "the handoff.done reaches the listener");
        assertThat(dones.get(0).reason()).isEqualTo(HandoffDone.FAILOVER);
        assertThat(replica("s-4").snapshot()).isEqualTo(new SessionSnapshot("s-4", 6, "phone", "open", json("{'n':6}")));
    }

    @Test
    void listAndGetAnswerWithWhatTheServerSaysAndARefusalFailsTheFuture() throws Exception {
        CompletableFuture<List<SessionInfo>> listed = sessions.listSessions(true);
        JsonNode list = nextRequest("session.list");
        assertThat(list.path("payload").path("closed").asBoolean()).isTrue();
        SessionInfo info = new SessionInfo("s-1", "task", "closed", "desk", 3, List.of(), true, 30, List.of("desk"), null, 1L, 2L);
        reply(list, "sessions", new Sessions(List.of(info)));
        assertThat(listed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).containsExactly(info);

        CompletableFuture<SessionSnapshot> missing = sessions.getState("nope");
        reply(nextRequest("state.get"), "error", new ErrorPayload("not_found", "you have no session 'nope'", false, null));
        assertThatThrownBy(() -> missing.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .cause().isInstanceOf(RccsErrorException.class).hasMessageContaining("not_found");
        assertThat(sessions.replica("nope")).isEmpty();
    }

    // ---------------------------------------------------------------------------------- helpers

    private static JsonNode json(String text) {
        try {
            return FrameCodec.mapper().readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    private static State patchState(String session, long version, String ops) {
        return new State(session, version, "phone", "open", json(ops), null);
    }

    private static ErrorPayload conflict(String session, long current) {
        ObjectNode details = FrameCodec.mapper().createObjectNode().put("session", session).put("version", current);
        return new ErrorPayload("conflict", "rebase the patch", false, details);
    }

    private SessionReplica replica(String session) {
        return sessions.replica(session).orElseThrow(() -> new AssertionError("no replica of " + session));
    }

    private void openAtVersionOne(String session, String document) throws Exception {
        CompletableFuture<SessionSnapshot> opened = sessions.openSession(null, json(document));
        reply(nextRequest("session.open"), "state", new State(session, 1, "phone", "open", null, json(document)));
        opened.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void welcome(FakeGateway.Connection to) throws Exception {
        welcome(to, 0);
    }

    /** Welcomes the connection; {@code missed} > 0: that many inbox entries were lost to retention. */
    private void welcome(FakeGateway.Connection to, long missed) throws Exception {
        JsonNode hello = to.next(WAIT);
        assertThat(hello.path("type").asText()).isEqualTo("hello");
        to.send("w-" + serverIds.incrementAndGet(), "welcome", hello.path("id").asText(), FrameCodec.mapper().createObjectNode()
                .put("connectionId", "c").put("deviceId", "phone").put("trusted", true).put("heartbeatSec", 0)
                .put("resumed", missed == 0).put("missed", missed));
        assertThat(device.awaitConnected(WAIT)).isTrue();
    }

    /** The next frame the device sends that is not an ack; it must be of this type. */
    private JsonNode nextRequest(String type) throws InterruptedException {
        return nextRequest(type, WAIT);
    }

    /** As {@link #nextRequest(String)}, sent within {@code within}. */
    private JsonNode nextRequest(String type, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        JsonNode sent;
        do {
            sent = connection.next(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
        } while (sent.path("type").asText().equals("ack"));
        assertThat(sent.path("type").asText()).as("what the device sent: " + sent).isEqualTo(type);
        return sent;
    }

    /** Sends a session.list and checks that it is the next thing the device sends: nothing was queued before it. */
    private void assertNextRequestIsOnlyTheListAfter() throws Exception {
        CompletableFuture<List<SessionInfo>> listed = sessions.listSessions();
        reply(nextRequest("session.list"), "sessions", new Sessions(List.of()));
        listed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void awaitAck(long upTo) throws InterruptedException {
        long acked = 0;
        while (acked < upTo) {
            JsonNode sent = connection.next(WAIT);
            if (sent.path("type").asText().equals("ack")) {
                acked = sent.path("payload").path("upTo").asLong();
            }
        }
        assertThat(acked).isEqualTo(upTo);
    }

    /** An answer straight from the server: corr, no seq. */
    private void reply(JsonNode request, String type, Object payload) throws Exception {
        connection.send(new Frame(Frame.VERSION, "srv-" + serverIds.incrementAndGet(), type, null, null,
                request.path("id").asText(), null, System.currentTimeMillis(), FrameCodec.toPayload(payload)));
    }

    /** A frame from the device's inbox, with its seq (and corr for the requester's own copy). */
    private void push(long inboxSeq, String corr, String type, Object payload) throws Exception {
        connection.send(new Frame(Frame.VERSION, "srv-" + serverIds.incrementAndGet(), type, null, "@sessions", corr,
                inboxSeq, System.currentTimeMillis(), FrameCodec.toPayload(payload)));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
