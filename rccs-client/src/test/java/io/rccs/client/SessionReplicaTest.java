package io.rccs.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.flipkart.zjsonpatch.JsonPatch;

import io.rccs.client.SessionReplica.Outcome;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.payload.HandoffDone;
import io.rccs.model.protocol.payload.HandoffOffer;
import io.rccs.model.protocol.payload.State;

/** {@link SessionReplica}: the version rules of SPEC 3.5, without a connection. */
class SessionReplicaTest {

    private static JsonNode json(String text) {
        try {
            return FrameCodec.mapper().readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    private static State ops(long version, String ops) {
        return new State("s-1", version, "desk", "open", json(ops), null);
    }

    private static SessionReplica atVersionOne() {
        return new SessionReplica("s-1", 1, "desk", "open", json("{'n':0}"));
    }

    @Test
    void appliesTheNextVersionsInOrderAndPassesOverOnesItHas() {
        SessionReplica replica = atVersionOne();

        assertThat(replica.apply(ops(2, "[{'op':'replace','path':'/n','value':1}]"))).isEqualTo(Outcome.APPLIED);
        assertThat(replica.apply(ops(3, "[{'op':'add','path':'/tags','value':['a']}]"))).isEqualTo(Outcome.APPLIED);
        // the same version again (a resend), and an older one: the document must not change
        assertThat(replica.apply(ops(3, "[{'op':'add','path':'/tags/-','value':'again'}]"))).isEqualTo(Outcome.IGNORED);
        assertThat(replica.apply(ops(2, "[{'op':'replace','path':'/n','value':99}]"))).isEqualTo(Outcome.IGNORED);

        assertThat(replica.version()).isEqualTo(3);
        assertThat(replica.document()).isEqualTo(json("{'n':1,'tags':['a']}"));
        assertThat(replica.isBehind()).isFalse();
    }

    @Test
    void aVersionAheadOfTheNextIsAGapAndLeavesTheReplicaAsItWas() {
        SessionReplica replica = atVersionOne();

        assertThat(replica.apply(ops(3, "[{'op':'replace','path':'/n','value':3}]"))).isEqualTo(Outcome.GAP);

        assertThat(replica.version()).isEqualTo(1);
        assertThat(replica.document()).isEqualTo(json("{'n':0}"));
        assertThat(replica.isBehind()).as("version 3 was announced").isTrue();
        // the whole session read anew mends it
        assertThat(replica.replace(3, "desk", "open", json("{'n':3}"))).isEqualTo(Outcome.APPLIED);
        assertThat(replica.isBehind()).isFalse();
        assertThat(replica.apply(ops(4, "[{'op':'replace','path':'/n','value':4}]"))).isEqualTo(Outcome.APPLIED);
        assertThat(replica.document()).isEqualTo(json("{'n':4}"));
    }

    @Test
    void opsThatDoNotApplyMeanTheCopyDivergedAndOnlyTheWholeDocumentMendsIt() {
        SessionReplica replica = atVersionOne();

        // the server's document had n = 5 (the test passed there) and a /missing object: this copy has neither
        assertThat(replica.apply(ops(2, "[{'op':'test','path':'/n','value':5}]"))).isEqualTo(Outcome.GAP);
        assertThat(replica.apply(ops(2, "[{'op':'add','path':'/missing/deep','value':1}]"))).isEqualTo(Outcome.GAP);

        assertThat(replica.version()).isEqualTo(1);
        assertThat(replica.document()).isEqualTo(json("{'n':0}"));
    }

    @Test
    void anAcceptedHandoffIsTheVersionStepThatMovesOwnershipAndARefusedOneChangesNothing() {
        SessionReplica replica = atVersionOne();

        assertThat(replica.apply(new HandoffDone("s-1", "desk", "desk", 1, false, HandoffDone.REJECTED)))
                .isEqualTo(Outcome.IGNORED);
        assertThat(replica.owner()).isEqualTo("desk");
        assertThat(replica.apply(new HandoffDone("s-1", "phone", "desk", 2, true, HandoffDone.HANDOFF)))
                .isEqualTo(Outcome.APPLIED);
        assertThat(replica.apply(new HandoffDone("s-1", "laptop", "phone", 2, true, HandoffDone.HANDOFF)))
                .as("a version it has").isEqualTo(Outcome.IGNORED);
        assertThat(replica.apply(new HandoffDone("s-1", "laptop", "phone", 4, true, HandoffDone.FAILOVER)))
                .isEqualTo(Outcome.GAP);

        assertThat(replica.snapshot()).extracting(SessionSnapshot::version, SessionSnapshot::owner).containsExactly(2L, "phone");
        // ops after the handoff build on the version it made
        assertThat(replica.apply(ops(3, "[{'op':'replace','path':'/n','value':3}]"))).isEqualTo(Outcome.APPLIED);
        assertThat(replica.document()).isEqualTo(json("{'n':3}"));
    }

    @Test
    void aCloseIsAVersionStepWithoutOps() {
        SessionReplica replica = atVersionOne();

        assertThat(replica.apply(new State("s-1", 2, "desk", "closed", null, null))).isEqualTo(Outcome.APPLIED);

        assertThat(replica.version()).isEqualTo(2);
        assertThat(replica.isOpen()).isFalse();
        assertThat(replica.snapshot().isOpen()).isFalse();
        assertThat(replica.document()).isEqualTo(json("{'n':0}"));
    }

    @Test
    void aWholeDocumentReplacesTheReplicaUnlessItIsOlder() {
        SessionReplica replica = atVersionOne();
        replica.apply(ops(2, "[{'op':'replace','path':'/n','value':2}]"));

        assertThat(replica.apply(new State("s-1", 1, "desk", "open", null, json("{'n':0}")))).isEqualTo(Outcome.IGNORED);
        assertThat(replica.document()).isEqualTo(json("{'n':2}"));
        assertThat(replica.apply(new HandoffOffer("s-1", "task", "laptop", 5, json("{'n':5}"), java.util.List.of(), 0L)))
                .isEqualTo(Outcome.APPLIED);
        assertThat(replica.snapshot()).isEqualTo(new SessionSnapshot("s-1", 5, "laptop", "open", json("{'n':5}")));
    }

    @Test
    void awaitVersionCompletesWhenTheVersionArrivesAndNotBefore() {
        SessionReplica replica = atVersionOne();
        CompletableFuture<SessionSnapshot> three = replica.awaitVersion(3);
        assertThat(replica.awaitVersion(1)).isCompleted();

        replica.apply(ops(2, "[{'op':'replace','path':'/n','value':2}]"));
        assertThat(three).isNotDone();
        replica.apply(ops(3, "[{'op':'replace','path':'/n','value':3}]"));

        assertThat(three).isCompleted();
        assertThat(three.join().version()).isEqualTo(3);
        assertThat(three.join().document()).isEqualTo(json("{'n':3}"));
    }

    @Test
    void whatItHandsOutIsACopy() {
        SessionReplica replica = atVersionOne();

        ((ObjectNode) replica.document()).put("n", 42);
        ((ObjectNode) replica.snapshot().document()).put("n", 43);

        assertThat(replica.document()).isEqualTo(json("{'n':0}"));
    }

    @Test
    void changingAFrameAfterTheReplicaTookItDoesNotChangeTheReplica() {
        SessionReplica replica = atVersionOne();
        State pushed = ops(2, "[{'op':'add','path':'/tags','value':['a']},{'op':'add','path':'/meta','value':{'by':'desk'}}]");

        replica.apply(pushed);
        // the application gets the same frame after the replica: what it does with it is its own business
        ((ArrayNode) pushed.ops().get(0).get("value")).add("b");
        ((ObjectNode) pushed.ops().get(1).get("value")).put("by", "someone else");

        assertThat(replica.document()).isEqualTo(json("{'n':0,'tags':['a'],'meta':{'by':'desk'}}"));
    }

    @Test
    void onlyTheDeviceChangesAReplica() {
        // the application reads replicas; applying frames to one would put it out of step with the server
        assertThat(Arrays.stream(SessionReplica.class.getMethods()).map(Method::getName))
                .doesNotContain("apply", "replace", "noteAnnounced")
                .contains("snapshot", "document", "version", "awaitVersion", "isBehind");
    }

    @Test
    void refusesFramesOfAnotherSessionAndStatesWithoutDocumentToStartFrom() {
        SessionReplica replica = atVersionOne();

        assertThatThrownBy(() -> replica.apply(new State("s-2", 2, "desk", "open", json("[]"), null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("s-2");
        assertThatThrownBy(() -> SessionReplica.of(ops(2, "[]"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theDiffOfAChangeAppliesToTheOldDocumentAndAHugeOneReplacesTheWholeDocument() {
        JsonNode before = json("{'n':1,'list':[1,2,3],'keep':{'x':true}}");
        JsonNode after = json("{'n':2,'list':[1,3],'keep':{'x':true},'added':'yes'}");

        JsonNode ops = WorkSessions.patchBetween(before, after);
        assertThat(ops.size()).isBetween(1, 5);
        assertThat(JsonPatch.apply(ops, before)).isEqualTo(after);

        ObjectNode many = before.deepCopy();
        for (int i = 0; i < 1_500; i++) {
            many.put("k" + i, i);
        }
        JsonNode whole = WorkSessions.patchBetween(before, many);
        assertThat(whole.size()).as("one operation instead of 1,500").isEqualTo(1);
        assertThat(JsonPatch.apply(whole, before)).isEqualTo(many);
    }

    @Test
    void theDiffOfAChangeHasNoMoveOrCopyOperations() {
        // zjsonpatch's own diff turns this into a move (renamed) and a copy (duplicated), which it gets wrong in places
        JsonNode before = json("{'a':{'x':[1,2,3],'y':'long enough to move'},'c':1,'list':[{'k':1},{'k':2}]}");
        JsonNode after = json("{'b':{'x':[1,2,3],'y':'long enough to move'},'c':1,'list':[{'k':2},{'k':1}],"
                + "'d':{'x':[1,2,3],'y':'long enough to move'}}");

        JsonNode ops = WorkSessions.patchBetween(before, after);

        assertThat(operations(ops)).doesNotContain("move", "copy").isNotEmpty();
        assertThat(JsonPatch.apply(ops, before)).isEqualTo(after);
        ops.forEach(op -> assertThat(op.has("value")).as("a remove carries no value, others do: " + op)
                .isEqualTo(!op.path("op").asText().equals("remove")));
    }

    @Test
    void aDiffThatDoesNotRebuildTheChangeIsSentAsTheWholeDocument() {
        JsonNode before = json("{'n':1,'keep':true}");
        JsonNode after = json("{'n':2,'keep':true}");

        JsonNode wrong = WorkSessions.patchBetween(before, after, (from, to) -> json("[{'op':'replace','path':'/n','value':3}]"));
        JsonNode failing = WorkSessions.patchBetween(before, after, (from, to) -> json("[{'op':'remove','path':'/missing'}]"));

        for (JsonNode ops : List.of(wrong, failing)) {
            assertThat(operations(ops)).containsExactly("replace");
            assertThat(ops.get(0).path("path").asText()).isEmpty();
            assertThat(JsonPatch.apply(ops, before)).isEqualTo(after);
        }
    }

    private static List<String> operations(JsonNode ops) {
        List<String> names = new ArrayList<>();
        ops.forEach(op -> names.add(op.path("op").asText()));
        return names;
    }
}
