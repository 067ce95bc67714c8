package io.rccs.queue.command;

import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;

@ApplicationScoped
@WithSession
public class CommandRepository implements PanacheRepositoryBase<Command, UUID> {

    public Uni<Command> findBySubmit(String userId, String senderDevice, String submitId) {
        return find("userId = ?1 and senderDevice = ?2 and submitId = ?3", userId, senderDevice, submitId).firstResult();
    }

    /** The user's command, locked (FOR UPDATE): a revoke or a dispatch running meanwhile waits, or is seen. */
    public Uni<Command> findOwned(String userId, UUID commandId) {
        return find("userId = ?1 and commandId = ?2", userId, commandId)
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .firstResult();
    }

    /** A user's commands still on their way, locked, in delivery order: priority first, then FIFO. */
    public Uni<List<Command>> lockOpen(String userId) {
        return find("userId = ?1 and status in ?2 order by priority desc, createdAt, commandId", userId,
                List.of(CommandStatus.QUEUED, CommandStatus.DISPATCHED))
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .list();
    }

    /**
     * The commands targeted at one device that have not finished (QUEUED, DISPATCHED, DELIVERED),
     * locked in the same order as {@link #lockOpen}, so the two never wait for each other in a cycle.
     */
    public Uni<List<Command>> lockUnfinishedFor(String userId, String targetDevice) {
        return find("userId = ?1 and targetDevice = ?2 and status in ?3 order by priority desc, createdAt, commandId", userId,
                targetDevice, List.of(CommandStatus.QUEUED, CommandStatus.DISPATCHED, CommandStatus.DELIVERED))
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .list();
    }
}
