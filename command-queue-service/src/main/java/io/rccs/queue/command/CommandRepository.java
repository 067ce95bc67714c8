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

    public Uni<Command> findOwned(String userId, UUID commandId) {
        return find("userId = ?1 and commandId = ?2", userId, commandId).firstResult();
    }

    /** A user's commands still on their way, locked, in delivery order: priority first, then FIFO. */
    public Uni<List<Command>> lockOpen(String userId) {
        return find("userId = ?1 and status in ?2 order by priority desc, createdAt, commandId", userId,
                List.of(CommandStatus.QUEUED, CommandStatus.DISPATCHED))
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .list();
    }
}
