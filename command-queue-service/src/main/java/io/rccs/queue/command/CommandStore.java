package io.rccs.queue.command;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.MeterRegistry;
import io.rccs.common.ServerFrames;
import io.rccs.model.events.DeviceEvent;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.SessionEvent;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.payload.CommandSubmit;
import io.rccs.queue.QueueConfig;
import io.rccs.queue.directory.DeviceDirectory;
import io.rccs.queue.directory.KnownDevice;
import io.rccs.queue.outbox.Outbox;
import io.rccs.queue.outbox.OutboxPublisher;
import io.rccs.queue.session.SessionDirectory;
import io.rccs.queue.session.WorkSession;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * Every command state change (SPEC 3.3), each in one short transaction that locks what it changes
 * (the command rows FOR UPDATE, written back with a version check) and writes what it announces to
 * the outbox; the announcements are published after the commit ({@link OutboxPublisher}), never
 * while a connection is held.
 * <p>
 * Lock order, the same in every transaction so that none deadlocks: device rows first (FOR SHARE to
 * read trust, FOR UPDATE to change it), then command rows, several always in delivery order
 * (priority, then FIFO). The scheduler claims due rows with SKIP LOCKED and never waits. A submit
 * naming a work session takes the session's advisory lock between its device rows and the owner's
 * ({@link SessionDirectory} says why and how that stays free of deadlocks).
 * <p>
 * A method's result is the frame to answer the asking connection with, if any (a refusal, or the
 * status a REST caller waits for).
 */
@ApplicationScoped
public class CommandStore {

    /** The largest args a command may carry: the command frame must stay under the frame limit (64 KiB). */
    static final int MAX_ARGS_CHARS = 60 * 1024;

    /** The reason a command ends CANCELLED when its target device is revoked. */
    public static final String REVOKED_REASON = "device revoked";
    /** The reason a session's command ends CANCELLED when the session is closed before it was sent. */
    public static final String SESSION_CLOSED_REASON = "session closed";
    /**
     * The reason a command ends CANCELLED when it named a session the queue had not heard of, and the
     * session turned out to be another user's.
     */
    public static final String NO_SUCH_SESSION_REASON = "no such session";

    /** A submit, from a device, REST ({@code @rest}) or Kafka ({@code @kafka:<source>}). */
    public record Submission(String userId, String sender, String submitId, String to, CommandSubmit command) {
        boolean fromDevice() {
            return !sender.startsWith("@");
        }
    }

    /** What a transaction returns: the answer for the asker, and what it wrote to the outbox. */
    private record Done<T>(T answer, Outbox.Written written) {
    }

    private final Pool pool;
    private final DeviceDirectory directory;
    private final SessionDirectory sessions;
    private final Outbox outbox;
    private final OutboxPublisher publisher;
    private final Announcer announcer;
    private final Lifecycle lifecycle;
    private final QueueConfig config;
    private final io.rccs.common.PresenceReader presence;

    public CommandStore(Pool pool, DeviceDirectory directory, SessionDirectory sessions, Outbox outbox, OutboxPublisher publisher,
            QueueConfig config, io.rccs.common.PresenceReader presence, MeterRegistry metrics) {
        this.pool = pool;
        this.sessions = sessions;
        this.presence = presence;
        this.directory = directory;
        this.outbox = outbox;
        this.publisher = publisher;
        this.config = config;
        this.announcer = new Announcer(metrics);
        this.lifecycle = new Lifecycle(config, () -> ThreadLocalRandom.current().nextDouble());
    }

    /**
     * Runs the work in a transaction that ends by writing back the changed commands and the outbox
     * entries, then starts publishing the entries (not awaited: the caller goes on to its next frame;
     * a command's later entries still wait for these, and the sweep takes what fails); the answer is
     * the work's.
     */
    private <T> Uni<T> transaction(Function<Work, Uni<T>> work) {
        return pool.withTransaction(connection -> {
            Work w = new Work(connection, announcer.batch());
            return work.apply(w).chain(answer -> CommandSql.update(connection, w.changed)
                    .chain(() -> outbox.write(connection, w.batch.entries))
                    .map(written -> new Done<>(answer, written)));
        }).invoke(done -> publisher.afterCommit(done.written()).subscribe().with(ignored -> {
        }, failure -> {
        })).map(Done::answer);
    }

    /** One transaction's connection, the commands it changed, and its announcements. */
    private static final class Work {
        final SqlConnection connection;
        final Announcer.Batch batch;
        final List<Command> changed = new ArrayList<>();

        Work(SqlConnection connection, Announcer.Batch batch) {
            this.connection = connection;
            this.batch = batch;
        }

        void changed(Command c) {
            if (!changed.contains(c)) {
                changed.add(c);
            }
        }
    }

    // ------------------------------------------------------------------------------------ submit

    /**
     * Stores a command once per (sender, submit id); dispatches it at once when its device (or, without
     * {@code to}, a capable device; with {@code session}, the session's owner) is online. The answer: a
     * refusal, or for a resend the current status (with {@code corr} = the submit id); empty otherwise
     * (the status goes to the sender's inbox).
     */
    public Uni<Optional<Frame>> submit(Submission s) {
        String corr = s.submitId();
        if (s.command().args() != null && s.command().args().toString().length() > MAX_ARGS_CHARS) {
            // a REST body or a Kafka record can be larger than a frame: what the device cannot be sent is refused here
            return refuse(corr, ErrorCode.TOO_LARGE, "args must be at most " + MAX_ARGS_CHARS + " characters of JSON");
        }
        if (s.to() != null && s.command().session() != null) {
            return refuse(corr, ErrorCode.BAD_FRAME, "give to or session, not both");
        }
        return transaction(w -> unlessUntrustedSender(w, s.userId(), s.fromDevice() ? s.sender() : null, corr,
                () -> CommandSql.bySubmit(w.connection, s.userId(), s.sender(), s.submitId()).chain(existing -> {
                    if (existing != null) { // a resend: answer with the command it already made
                        return Uni.createFrom().item(Optional.of(Announcer.statusFrame(existing, corr)));
                    }
                    if (s.command().session() != null) {
                        return submitToSession(w, s, corr);
                    }
                    return s.to() == null ? submitToAny(w, s, corr) : submitTo(w, s, corr);
                })));
    }

    private Uni<Optional<Frame>> submitTo(Work w, Submission s, String corr) {
        String to = s.to();
        // the target is share-locked: a revoke of it either waits for this command (and then ends it) or is seen here
        return directory.findShared(w.connection, s.userId(), to).chain(target -> {
            if (target == null) {
                return refuse(corr, ErrorCode.NOT_FOUND, "you have no device '" + to + "'");
            }
            if (!target.trusted()) {
                return refuse(corr, ErrorCode.NOT_TRUSTED, "device '" + to + (target.revoked() ? "' was revoked" : "' is not trusted"));
            }
            if (!target.canRun(s.command().requires())) {
                return refuse(corr, ErrorCode.NO_CAPABLE_DEVICE, "device '" + to + "' lacks " + s.command().requires());
            }
            Command c = newCommand(s, to, false);
            return store(w, c, corr, target.online() ? to : null);
        });
    }

    private Uni<Optional<Frame>> submitToAny(Work w, Submission s, String corr) {
        return directory.ofUserShared(w.connection, s.userId()).chain(devices -> {
            if (devices.stream().noneMatch(device -> device.canRun(s.command().requires()))) {
                return refuse(corr, ErrorCode.NO_CAPABLE_DEVICE, "none of your trusted devices has " + s.command().requires());
            }
            Command c = newCommand(s, null, true);
            return store(w, c, corr, pick(devices, c, null));
        });
    }

    /**
     * For the session's current owner: no capability matching, the owner was chosen by the session. A
     * session the queue has not heard of yet (the submit overtook its first event) is trusted to come:
     * the command waits with no target, and the session's first event gives it one (or, if the session
     * is another user's, ends it CANCELLED); its TTL runs meanwhile as for any command.
     */
    private Uni<Optional<Frame>> submitToSession(Work w, Submission s, String corr) {
        String sessionId = s.command().session();
        return sessions.lockForSubmit(w.connection, sessionId).chain(session -> {
            if (session == null) {
                return store(w, newCommand(s, null, false), corr, null);
            }
            if (!session.userId().equals(s.userId())) {
                return refuse(corr, ErrorCode.NOT_FOUND, "you have no session '" + sessionId + "'");
            }
            if (session.closed()) {
                return refuse(corr, ErrorCode.CONFLICT, "session " + sessionId + " is closed");
            }
            String owner = session.ownerDevice();
            // share-locked: the owner's online event either is seen here or waits and then flushes this command
            return directory.findShared(w.connection, s.userId(), owner).chain(device -> store(w, newCommand(s, owner, false), corr,
                    device != null && device.online() && device.trusted() ? owner : null));
        });
    }

    /** Inserts the new command (dispatched at once to {@code onlineDevice} if it may go now) and announces it. */
    private Uni<Optional<Frame>> store(Work w, Command c, String corr, String onlineDevice) {
        Instant now = c.createdAt;
        w.batch.status(c, corr);
        if (onlineDevice != null && c.notBeforePassed(now)) {
            lifecycle.dispatch(c, onlineDevice, now);
            w.batch.command(c).status(c, null);
        } else if (onlineDevice == null && c.notBeforePassed(now)) {
            lifecycle.park(c); // its device's online event (or a capable device's) dispatches it
        }
        Frame answer = c.fromBackend() ? Announcer.statusFrame(c, corr) : null;
        return CommandSql.insert(w.connection, c).chain(inserted -> {
            if (inserted) {
                return Uni.createFrom().item(Optional.ofNullable(answer));
            }
            // the same submit handled at the same time elsewhere (a rebalance) won: answer as a resend
            w.batch.entries.clear();
            return CommandSql.bySubmit(w.connection, c.userId, c.senderDevice, c.submitId)
                    .map(existing -> Optional.of(Announcer.statusFrame(existing, corr)));
        });
    }

    private static Command newCommand(Submission s, String target, boolean autoTarget) {
        Instant now = Instant.now();
        CommandSubmit submit = s.command();
        Command c = new Command();
        c.commandId = UUID.randomUUID();
        c.userId = s.userId();
        c.senderDevice = s.sender();
        c.submitId = s.submitId();
        c.targetDevice = target;
        c.autoTarget = autoTarget;
        c.sessionId = submit.session();
        c.name = submit.name();
        c.args = submit.args() == null || submit.args().isNull() ? null : submit.args().toString();
        c.priority = Priority.rank(submit.priority());
        c.requires = List.copyOf(submit.requires());
        c.status = CommandStatus.QUEUED;
        c.maxAttempts = submit.maxAttempts();
        c.notBefore = submit.notBefore() == null ? null : Instant.ofEpochMilli(submit.notBefore());
        c.ttlSec = submit.ttlSec();
        c.expiresAt = now.plusSeconds(submit.ttlSec());
        c.version = 1;
        c.createdAt = now;
        c.updatedAt = now;
        c.nextAttemptAt = Lifecycle.wakeWhenQueued(c, now);
        return c;
    }

    /**
     * The device a command without {@code to} goes to: trusted, online, with every required capability,
     * desktops first, then the most recently active; null if none (it waits for one).
     */
    static String pick(List<KnownDevice> devices, Command c, String except) {
        return devices.stream()
                .filter(device -> device.online() && device.canRun(c.requires) && !device.deviceId().equals(except))
                .min(KnownDevice.PREFERRED)
                .map(KnownDevice::deviceId)
                .orElse(null);
    }

    // ------------------------------------------------------------------------- device's answers

    /** {@code command.ack} from the device it was dispatched to: -> DELIVERED (again: no change). */
    public Uni<Optional<Frame>> acknowledge(String userId, String deviceId, String corr, String commandId) {
        return transaction(w -> unlessUntrustedSender(w, userId, deviceId, corr, () -> targetOwned(w, userId, deviceId, corr, commandId,
                c -> {
                    boolean sent = c.status == CommandStatus.DISPATCHED || (c.status == CommandStatus.QUEUED && c.dispatchedAt != null);
                    if (sent) { // a QUEUED one waits for a retry: the device did get an earlier attempt
                        lifecycle.delivered(c, Instant.now());
                        w.changed(c);
                        w.batch.status(c, null);
                    }
                    return Optional.empty();
                })));
    }

    /** {@code command.result} from its device: -> SUCCEEDED or FAILED (a final status stays). */
    public Uni<Optional<Frame>> complete(String userId, String deviceId, String corr, io.rccs.model.protocol.payload.CommandResult result) {
        return transaction(w -> unlessUntrustedSender(w, userId, deviceId, corr, () -> targetOwned(w, userId, deviceId, corr,
                result.commandId(), c -> {
                    if (!c.status.terminal() && c.dispatchedAt != null) {
                        c.result = result.output() == null || result.output().isNull() ? null : result.output().toString();
                        c.lastError = result.error();
                        lifecycle.finish(c, result.ok() ? CommandStatus.SUCCEEDED : CommandStatus.FAILED, Instant.now());
                        w.changed(c);
                        w.batch.status(c, null);
                    }
                    return Optional.empty();
                })));
    }

    private Uni<Optional<Frame>> targetOwned(Work w, String userId, String deviceId, String corr, String commandId,
            Function<Command, Optional<Frame>> change) {
        return lockOwned(w, userId, commandId).map(c -> {
            if (c == null) {
                return Optional.of(ServerFrames.error(corr, ErrorCode.NOT_FOUND, "no command " + commandId));
            }
            if (!deviceId.equals(c.targetDevice)) {
                return Optional.of(ServerFrames.error(corr, ErrorCode.FORBIDDEN, "command " + commandId + " is not for this device"));
            }
            return change.apply(c);
        });
    }

    /**
     * {@code command.cancel} from the user (any trusted device, or REST): only a command never sent to
     * a device can be cancelled — once dispatched it may be running, and a CANCELLED command must never
     * run. The answer: a refusal, or (REST) the CANCELLED status.
     */
    public Uni<Optional<Frame>> cancel(String userId, String deviceId, String corr, String commandId) {
        return transaction(w -> unlessUntrustedSender(w, userId, deviceId, corr, () -> lockOwned(w, userId, commandId).map(c -> {
            if (c == null) {
                return Optional.of(ServerFrames.error(corr, ErrorCode.NOT_FOUND, "no command " + commandId));
            }
            if (c.status.terminal()) {
                return Optional.of(ServerFrames.error(corr, ErrorCode.CONFLICT, "command " + commandId + " is already " + c.status));
            }
            if (c.dispatchedAt != null) {
                return Optional.of(ServerFrames.error(corr, ErrorCode.CONFLICT, "command " + commandId + " was already sent to "
                        + c.targetDevice + " and may be running: it can no longer be cancelled"));
            }
            c.lastError = "cancelled";
            lifecycle.finish(c, CommandStatus.CANCELLED, Instant.now());
            w.changed(c);
            w.batch.status(c, corr);
            return deviceId == null ? Optional.of(Announcer.statusFrame(c, corr)) : Optional.<Frame>empty();
        })));
    }

    private static Uni<Command> lockOwned(Work w, String userId, String commandId) {
        UUID id = uuidOrNull(commandId);
        return id == null ? Uni.createFrom().nullItem() : CommandSql.lockOwned(w.connection, userId, id);
    }

    static UUID uuidOrNull(String text) {
        try {
            return text == null ? null : UUID.fromString(text);
        } catch (IllegalArgumentException notAnId) {
            return null;
        }
    }

    /**
     * Runs the change unless the sending device is one the directory knows as revoked (its frames were
     * in flight when it was revoked). A device the directory has not heard of, or lists as pending, is
     * not refused: its events may lag behind its frames, and the gateway lets only a trusted device
     * the relay welcomed send these frames at all. The sender's row is share-locked first, so a revoke happens wholly
     * before or after the change. A null device is the user over REST or a backend.
     */
    private Uni<Optional<Frame>> unlessUntrustedSender(Work w, String userId, String deviceId, String corr,
            java.util.function.Supplier<Uni<Optional<Frame>>> change) {
        if (deviceId == null) {
            return change.get();
        }
        return directory.findShared(w.connection, userId, deviceId).chain(sender -> {
            // only a revoke is refused: the gateway forwards no frame of a pending connection, so a device
            // listed here as pending was paired a moment ago and its paired event is still on its way
            if (sender == null || !sender.revoked()) {
                return change.get();
            }
            return refuse(corr, ErrorCode.NOT_TRUSTED, "this device was revoked");
        });
    }

    private static Uni<Optional<Frame>> refuse(String corr, ErrorCode code, String message) {
        return Uni.createFrom().item(Optional.of(ServerFrames.error(corr, code, message)));
    }

    // ---------------------------------------------------------------------------- device events

    /**
     * A device event, in one transaction with what it means for commands: {@code online} dispatches the
     * device's commands (and those any capable device may take) in delivery order; {@code offline}
     * puts back what was dispatched to it and not acknowledged (the attempt does not count; a command
     * without {@code to} goes to another capable device if one is online); {@code revoked} ends the
     * commands targeted at it. Returns how many commands changed.
     */
    public Uni<Integer> deviceEvent(String type, DeviceEvent event) {
        return transaction(w -> directory.record(w.connection, type, event).chain(recorded -> {
            KnownDevice device = recorded.after();
            return switch (type) {
                // a replayed online event of the same connection sends nothing again; paired while connected:
                // what any capable device may take can go to it now
                case EventTypes.DEVICE_ONLINE, EventTypes.DEVICE_PAIRED -> device.online() && device.trusted()
                        ? flush(w, device, null, EventTypes.DEVICE_ONLINE.equals(type) && recorded.reconnected())
                        : Uni.createFrom().item(new Flushed(0, null));
                case EventTypes.DEVICE_OFFLINE -> putBack(w, device).map(n -> new Flushed(n, null));
                case EventTypes.DEVICE_REVOKED -> endCommandsOfRevoked(w, device).map(n -> new Flushed(n, null));
                default -> Uni.createFrom().item(new Flushed(0, null));
            };
        })).chain(flushed -> flushed.last() == null ? Uni.createFrom().item(flushed.count())
                : flushRest(event, flushed.last()).map(more -> flushed.count() + more));
    }


    /** A long queue: the next batch after {@code from}, each in a transaction of its own, while the device is still online. */
    private Uni<Integer> flushRest(DeviceEvent event, Command from) {
        return transaction(w -> directory.findShared(w.connection, event.userId(), event.deviceId()).chain(device ->
                device == null || !device.online() || !device.trusted() ? Uni.createFrom().item(new Flushed(0, null))
                        : flush(w, device, from, false)))
                .chain(flushed -> flushed.last() == null ? Uni.createFrom().item(flushed.count())
                        : flushRest(event, flushed.last()).map(more -> flushed.count() + more));
    }

    /**
     * Dispatches what the device may get, in delivery order; with {@code redispatch} (it reconnected)
     * also what was dispatched to it before and not acknowledged, since it may have lost it.
     */
    private Uni<Flushed> flush(Work w, KnownDevice device, Command from, boolean redispatch) {
        String deviceId = device.deviceId();
        return CommandSql.lockForDevice(w.connection, device.userId(), deviceId, config.flushBatch(), from).map(open -> {
            Instant now = Instant.now();
            for (Command c : open) {
                boolean mine = deviceId.equals(c.targetDevice) && !(c.autoTarget && c.status == CommandStatus.QUEUED);
                if (c.expiredAt(now)) {
                    lifecycle.expire(c, now);
                } else if (c.status == CommandStatus.DISPATCHED) {
                    if (!redispatch) {
                        continue; // the same connection: it has it, and its ack deadline runs
                    }
                    lifecycle.redispatch(c, now); // it reconnected: what it had may be lost
                    w.batch.command(c);
                } else if (!c.notBeforePassed(now)) {
                    c.nextAttemptAt = Lifecycle.wakeWhenQueued(c, now);
                    w.changed(c);
                    continue;
                } else if (mine || device.canRun(c.requires)) {
                    lifecycle.dispatch(c, deviceId, now);
                    w.batch.command(c);
                } else {
                    continue; // a command without "to" this device cannot run
                }
                w.changed(c);
                w.batch.status(c, null);
            }
            return new Flushed(open.size(), open.size() == config.flushBatch() ? open.get(open.size() - 1) : null);
        });
    }

    /** How many commands a flush looked at, and the last one when the batch was full (more may follow it). */
    private record Flushed(int count, Command last) {
    }

    private Uni<Integer> putBack(Work w, KnownDevice device) {
        return CommandSql.lockDispatchedTo(w.connection, device.userId(), device.deviceId()).chain(dispatched -> {
            if (dispatched.isEmpty()) {
                return Uni.createFrom().item(0);
            }
            Instant now = Instant.now();
            boolean anyAuto = dispatched.stream().anyMatch(c -> c.autoTarget);
            Uni<List<KnownDevice>> others = anyAuto ? directory.ofUser(w.connection, device.userId()) : Uni.createFrom().item(List.of());
            return others.chain(devices -> sessionsOf(w, dispatched).map(sessionsById -> {
                for (Command c : dispatched) {
                    lifecycle.backToQueue(c, now);
                    backInQueue(w, c, sessionOf(sessionsById, c), now);
                    String next = c.autoTarget ? pick(devices, c, device.deviceId()) : null;
                    if (next != null) { // offered to the next capable device
                        lifecycle.dispatch(c, next, now);
                        w.batch.command(c).status(c, null);
                    }
                }
                return dispatched.size();
            }));
        });
    }

    /** The sessions of those commands that name one (not locked: see {@link SessionDirectory}). */
    private Uni<java.util.Map<String, WorkSession>> sessionsOf(Work w, List<Command> commands) {
        List<String> ids = commands.stream().map(c -> c.sessionId).filter(java.util.Objects::nonNull).distinct().toList();
        return sessions.findAll(w.connection, ids);
    }

    /** The command's session among those loaded, or null (none named, or not heard of yet). */
    private static WorkSession sessionOf(java.util.Map<String, WorkSession> sessionsById, Command c) {
        return c.sessionId == null ? null : sessionsById.get(c.sessionId);
    }

    /**
     * Announces a command that just went back to QUEUED. A session's command follows the session: it is
     * for the session's current owner now, or, once the session is closed, it ends CANCELLED (a closed
     * session's commands are not sent again). {@code session} is null for a command without one, or
     * whose session the queue has not heard of yet.
     */
    private void backInQueue(Work w, Command c, WorkSession session, Instant now) {
        boolean othersSession = session != null && !session.userId().equals(c.userId); // named before the queue knew whose
        if (session != null && !session.closed() && !othersSession) {
            c.targetDevice = session.ownerDevice();
        }
        w.changed(c);
        w.batch.status(c, null);
        if (session != null && (session.closed() || othersSession)) {
            c.lastError = othersSession ? NO_SUCH_SESSION_REASON : SESSION_CLOSED_REASON;
            lifecycle.finish(c, CommandStatus.CANCELLED, now);
            w.batch.status(c, null);
        }
    }

    /**
     * The device was revoked (its row is locked FOR UPDATE already): every command targeted at it that
     * has not finished ends CANCELLED with {@link #REVOKED_REASON}, announced as a cancel is, except
     * that a revoked sender is not sent a frame. Finished commands are left, so the same revoke handled
     * twice changes nothing. Commands the revoked device submitted to others are left too: they were
     * submitted while it was trusted, and any trusted device of the user can cancel them. So are the
     * QUEUED commands of a session it owns: they are the session's, and follow it to its next owner
     * (failover); what was sent to the revoked device ends as the rest.
     */
    private Uni<Integer> endCommandsOfRevoked(Work w, KnownDevice device) {
        return CommandSql.lockUnfinishedFor(w.connection, device.userId(), device.deviceId()).map(unfinished -> {
            Instant now = Instant.now();
            for (Command c : unfinished) {
                c.lastError = REVOKED_REASON;
                lifecycle.finish(c, CommandStatus.CANCELLED, now);
                w.changed(c);
                w.batch.status(c, null, !device.deviceId().equals(c.senderDevice));
            }
            return unfinished.size();
        });
    }

    // --------------------------------------------------------------------------- session events

    /** What an event did: the session after it, the commands it moved, and whether to dispatch to the owner after the commit. */
    private record SessionChange(WorkSession session, int retargeted, boolean dispatch) {
    }

    /**
     * A session event, in one transaction with what it means for the session's queued commands; only
     * an event newer than the stored version is applied. When the owner changed (or the queue hears of
     * the session for the first time) the QUEUED commands go to the new owner; commands that named the
     * session before the queue knew it but are another user's end CANCELLED ({@link #NO_SUCH_SESSION_REASON});
     * when the session closed, its QUEUED commands end CANCELLED ({@link #SESSION_CLOSED_REASON}).
     * DISPATCHED commands stay with the device they went to: a retry goes to the owner of the moment.
     * After the commit, the re-targeted commands are dispatched if the owner is online (the scheduler
     * would do it otherwise: they are due). Returns how many commands changed.
     */
    public Uni<Integer> sessionEvent(SessionEvent event) {
        return transaction(w -> sessions.lockForEvent(w.connection, event.sessionId()).chain(before -> {
            WorkSession after = SessionDirectory.apply(before, event);
            if (after == null) {
                // a duplicate, or older than what we have; should it be the same event handled again after its
                // commit, the dispatch that followed it may not have run: tried again below
                return Uni.createFrom().item(new SessionChange(before, 0, before != null && !before.closed()));
            }
            boolean commandsConcerned = before == null || after.closed() != before.closed()
                    || !after.ownerDevice().equals(before.ownerDevice());
            return sessions.save(w.connection, before, after).chain(() -> commandsConcerned
                    ? followSession(w, after).map(retargeted -> new SessionChange(after, retargeted, retargeted > 0))
                    : Uni.createFrom().item(new SessionChange(after, 0, false)));
        })).chain(change -> !change.dispatch() ? Uni.createFrom().item(change.retargeted())
                : dispatchToOwner(change.session(), null).map(dispatched -> change.retargeted() + dispatched));
    }

    /** The session's QUEUED commands after an owner or status change; returns how many were re-targeted. */
    private Uni<Integer> followSession(Work w, WorkSession session) {
        return CommandSql.lockOpenOfSession(w.connection, session.sessionId()).map(open -> {
            Instant now = Instant.now();
            int retargeted = 0;
            for (Command c : open) {
                if (c.status != CommandStatus.QUEUED) {
                    continue; // sent already: it stays with its device until acknowledged or timed out
                }
                boolean othersSession = !c.userId.equals(session.userId()); // named before the queue knew whose it is
                if (othersSession || session.closed()) {
                    c.lastError = othersSession ? NO_SUCH_SESSION_REASON : SESSION_CLOSED_REASON;
                    lifecycle.finish(c, CommandStatus.CANCELLED, now);
                } else if (!session.ownerDevice().equals(c.targetDevice)) {
                    lifecycle.retarget(c, session.ownerDevice(), now);
                    retargeted++;
                } else {
                    continue;
                }
                w.changed(c);
                w.batch.status(c, null);
            }
            return retargeted;
        });
    }

    /**
     * After an owner change: the session's commands queued for the owner are dispatched if it is online,
     * in delivery order and in batches of {@code rccs.queue.flush-batch} (each continuing after the
     * last of the one before), as a device's online event flushes its queue.
     */
    private Uni<Integer> dispatchToOwner(WorkSession session, Command from) {
        return transaction(w -> directory.findShared(w.connection, session.userId(), session.ownerDevice()).chain(owner -> {
            if (owner == null || !owner.online() || !owner.trusted()) {
                return Uni.createFrom().item(new Flushed(0, null)); // its online event flushes them
            }
            return CommandSql.lockQueuedOfSession(w.connection, session.sessionId(), session.userId(), owner.deviceId(), config.flushBatch(), from)
                    .map(queued -> {
                        Instant now = Instant.now();
                        for (Command c : queued) {
                            if (c.expiredAt(now)) {
                                lifecycle.expire(c, now);
                            } else if (c.notBeforePassed(now)) {
                                lifecycle.dispatch(c, owner.deviceId(), now);
                                w.batch.command(c);
                            } else {
                                continue; // due at its notBefore: the scheduler dispatches it then
                            }
                            w.changed(c);
                            w.batch.status(c, null);
                        }
                        return new Flushed(queued.size(), queued.size() == config.flushBatch() ? queued.get(queued.size() - 1) : null);
                    });
        })).chain(flushed -> flushed.last() == null ? Uni.createFrom().item(flushed.count())
                : dispatchToOwner(session, flushed.last()).map(more -> flushed.count() + more));
    }

    // -------------------------------------------------------------------------------- scheduler

    /**
     * One round of the scheduler: claims due commands no other replica holds (FOR UPDATE SKIP LOCKED)
     * and moves each on: expired -> EXPIRED; ack timed out -> retried after a backoff, or DEAD after
     * maxAttempts (only attempts while the device was online count); due -> dispatched if its device
     * (or a capable one) is online, else left waiting for it. A session's command that goes back to the
     * queue is for the session's owner from then on. Returns how many were claimed.
     */
    public Uni<Integer> schedule() {
        return transaction(w -> CommandSql.claimDue(w.connection, config.schedulerBatch()).chain(claim -> {
            List<Command> due = claim.commands();
            if (due.isEmpty()) {
                return Uni.createFrom().item(0);
            }
            List<String> users = due.stream().map(c -> c.userId).distinct().toList();
            return directory.ofUsers(w.connection, users).chain(devices -> sessionsOf(w, due)
                    .chain(sessionsById -> connected(due, devices).map(connected -> {
                        Instant now = claim.now(); // the database's clock, the one that found them due
                        for (Command c : due) {
                            moveOn(w, c, devices.getOrDefault(c.userId, List.of()), sessionOf(sessionsById, c), connected, now);
                            w.changed(c);
                        }
                        return due.size();
                    })));
        }));
    }

    /**
     * Which of the devices the due commands may go to are connected (Redis presence, one round trip
     * per user, as {@code user/device}): the directory's online flag can lag (a gateway that died
     * without an offline event, an event on its way), and the scheduler neither counts an attempt nor
     * dispatches on the flag alone.
     */
    private Uni<java.util.Set<String>> connected(List<Command> due, java.util.Map<String, List<KnownDevice>> devices) {
        java.util.Map<String, java.util.Set<String>> byUser = new java.util.HashMap<>();
        for (Command c : due) {
            java.util.Set<String> asked = byUser.computeIfAbsent(c.userId, ignored -> new java.util.HashSet<>());
            if (c.targetDevice != null) {
                asked.add(c.targetDevice);
            }
            if (c.autoTarget) {
                devices.getOrDefault(c.userId, List.of()).stream().filter(KnownDevice::online).forEach(d -> asked.add(d.deviceId()));
            }
        }
        byUser.values().removeIf(java.util.Set::isEmpty);
        if (byUser.isEmpty()) {
            return Uni.createFrom().item(java.util.Set.of());
        }
        List<Uni<List<String>>> lookups = new ArrayList<>();
        byUser.forEach((user, ids) -> lookups.add(presence.findAll(user, ids)
                .map(found -> found.keySet().stream().map(device -> user + "/" + device).toList())));
        return Uni.join().all(lookups).andFailFast()
                .map(found -> found.stream().flatMap(List::stream).collect(java.util.stream.Collectors.toSet()));
    }

    private void moveOn(Work w, Command c, List<KnownDevice> devices, WorkSession session, java.util.Set<String> connected,
            Instant now) {
        if (!c.status.open()) {
            c.nextAttemptAt = null; // nothing to wait for
            return;
        }
        if (c.expiredAt(now)) {
            lifecycle.expire(c, now);
            w.batch.status(c, null);
            return;
        }
        KnownDevice target = devices.stream().filter(d -> d.deviceId().equals(c.targetDevice)).findFirst().orElse(null);
        boolean targetListed = target != null && target.online() && target.trusted();
        boolean targetOnline = targetListed && connected.contains(c.userId + "/" + c.targetDevice);
        if (c.status == CommandStatus.DISPATCHED) { // the ack deadline passed
            if (!targetOnline) {
                lifecycle.backToQueue(c, now); // it went away (its offline event may still be on its way): does not count
            } else if (c.attempt >= c.maxAttempts) {
                lifecycle.die(c, now);
            } else {
                lifecycle.retryLater(c, now);
            }
            if (c.status == CommandStatus.QUEUED) {
                backInQueue(w, c, session, now); // the retry goes to the session's owner, whoever it is now
            } else {
                w.batch.status(c, null);
            }
            return;
        }
        if (!c.notBeforePassed(now)) {
            c.nextAttemptAt = Lifecycle.wakeWhenQueued(c, now);
            return;
        }
        List<KnownDevice> reachable = devices.stream().filter(d -> connected.contains(c.userId + "/" + d.deviceId())).toList();
        String device = c.autoTarget ? pick(reachable, c, null) : targetOnline ? c.targetDevice : null;
        if (device == null) {
            boolean listedOnline = c.autoTarget ? pick(devices, c, null) != null : targetListed;
            if (listedOnline) {
                // listed online but not connected: look again after an ack timeout (no transition, nothing announced);
                // its offline event, or a reconnect's online event, settles it sooner
                c.nextAttemptAt = Lifecycle.earlier(c.expiresAt, now.plus(config.ackTimeout()));
            } else {
                lifecycle.park(c);
            }
            return;
        }
        lifecycle.dispatch(c, device, now);
        w.batch.command(c).status(c, null);
    }

    // --------------------------------------------------------------------------------- reading

    /** Commands for REST and {@code commands.query}: the user's own only. */
    public Uni<List<Command>> ofUser(String userId, String commandId, String status, String device, String after, int limit) {
        return pool.withConnection(connection -> {
            if (commandId != null) {
                UUID id = uuidOrNull(commandId);
                return id == null ? Uni.createFrom().item(List.<Command>of())
                        : CommandSql.findOwned(connection, userId, id).map(c -> c == null ? List.<Command>of() : List.of(c));
            }
            return CommandSql.ofUser(connection, userId, status, device, CommandSql.Cursor.parse(after), limit);
        });
    }

    // ----------------------------------------------------------------------------- dead letters

    /** A page of dead letters (any user's: operators only, checked by the caller). */
    public Uni<List<Command>> deadLetters(String userId, String device, String reason, Long olderThanSec, String after, int limit) {
        return pool.withConnection(connection -> CommandSql.deadLetters(connection, userId, device, reason, olderThanSec,
                CommandSql.Cursor.parse(after), limit, false));
    }

    public Uni<Command> deadLetter(String commandId) {
        UUID id = uuidOrNull(commandId);
        return id == null ? Uni.createFrom().nullItem() : pool.withConnection(connection -> CommandSql.deadLetter(connection, id));
    }

    /**
     * Back to QUEUED with fresh attempts and a fresh TTL (the sender is told, as of any transition; a
     * session's command is for the session's owner now, or ends CANCELLED if the session closed); one
     * ({@code commandId}) or, in bulk, at most {@code limit} that the filter matches. Returns them as
     * they are now; a command that is not a dead letter is not touched.
     */
    public Uni<List<Command>> requeue(String commandId, String userId, String device, String reason, Long olderThanSec, int limit) {
        return transaction(w -> lockDeadLetters(w, commandId, userId, device, reason, olderThanSec, limit).chain(dead ->
                // share-locked: a session event's locks of the session's open commands would not see these dead letters
                sessions.lockAllShared(w.connection, dead.stream().map(c -> c.sessionId).filter(java.util.Objects::nonNull)
                        .distinct().toList()).map(sessionsById -> {
                            Instant now = Instant.now();
                            for (Command c : dead) {
                                lifecycle.requeue(c, now);
                                backInQueue(w, c, sessionOf(sessionsById, c), now);
                            }
                            return dead;
                        })));
    }

    /** Deletes dead letters: one, or in bulk at most {@code limit} that the filter matches; returns them as they were. */
    public Uni<List<Command>> purge(String commandId, String userId, String device, String reason, Long olderThanSec, int limit) {
        return transaction(w -> lockDeadLetters(w, commandId, userId, device, reason, olderThanSec, limit)
                .call(dead -> CommandSql.delete(w.connection, dead)));
    }

    private static Uni<List<Command>> lockDeadLetters(Work w, String commandId, String userId, String device, String reason,
            Long olderThanSec, int limit) {
        if (commandId != null) {
            UUID id = uuidOrNull(commandId);
            return id == null ? Uni.createFrom().item(List.of())
                    : CommandSql.lockAny(w.connection, id).map(c -> c == null || c.deadAt == null ? List.<Command>of() : List.of(c));
        }
        return CommandSql.deadLetters(w.connection, userId, device, reason, olderThanSec, null, limit, true);
    }

    /** Sorts what a transaction returns in delivery order (tests, flush reports). */
    static final Comparator<Command> DELIVERY_ORDER = Comparator.<Command>comparingInt(c -> -c.priority)
            .thenComparing(c -> c.createdAt).thenComparing(c -> c.commandId);
}
