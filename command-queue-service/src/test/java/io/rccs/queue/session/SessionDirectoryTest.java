package io.rccs.queue.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.rccs.model.events.SessionEvent;

/** Which session events the queue applies: only one newer than what it has, whatever order they come in. */
class SessionDirectoryTest {

    @Test
    void theFirstEventHeardIsApplied() {
        WorkSession after = SessionDirectory.apply(null, event("alice", "desk", 3, "open"));
        assertThat(after).isEqualTo(new WorkSession("s1", "alice", "desk", 3, "open"));
        assertThat(after.closed()).isFalse();
    }

    @Test
    void onlyANewerVersionIsApplied() {
        WorkSession stored = new WorkSession("s1", "alice", "laptop", 2, "open");
        assertThat(SessionDirectory.apply(stored, event("alice", "desk", 2, "open"))).as("a repeat").isNull();
        assertThat(SessionDirectory.apply(stored, event("alice", "desk", 1, "open"))).as("an older one, late").isNull();
        WorkSession closed = SessionDirectory.apply(stored, event("alice", "laptop", 3, "closed"));
        assertThat(closed).isEqualTo(new WorkSession("s1", "alice", "laptop", 3, "closed"));
        assertThat(closed.closed()).isTrue();
    }

    @Test
    void theUserIsTheOneFirstHeard() {
        WorkSession stored = new WorkSession("s1", "alice", "laptop", 1, "open");
        assertThat(SessionDirectory.apply(stored, event("mallory", "desk", 2, "open")).userId()).isEqualTo("alice");
    }

    private static SessionEvent event(String user, String owner, long version, String status) {
        return new SessionEvent("s1", user, "task", owner, null, version, status, List.of(), true, null);
    }
}
