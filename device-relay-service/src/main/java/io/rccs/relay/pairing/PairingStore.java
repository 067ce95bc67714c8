package io.rccs.relay.pairing;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.rccs.model.protocol.ErrorCode;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Pairing codes in the relay's schema (tables {@code relay.pairing_code}, {@code relay.pairing_failure}).
 * Every step is one transaction that locks the code's row, and every step is idempotent: the same
 * frame handled twice (a retry after a failure) gets the same answer and changes nothing more.
 */
@ApplicationScoped
public class PairingStore {

    /** No look-alikes: no 0/O, 1/I/L, 5/S, 2/Z, 8/B. */
    static final String ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679";
    static final int CODE_LENGTH = 8;

    /** A code handed out by {@code pair.start}. */
    public record Code(String code, long expiresAt) {
    }

    /** The outcome of a claim or decision: the claim, or the error that refused it. */
    public record Outcome(String claimId, String startedBy, String claimedBy, ErrorCode error, String reason) {

        static Outcome refused(ErrorCode error, String reason) {
            return new Outcome(null, null, null, error, reason);
        }

        public boolean refused() {
            return error != null;
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Pool pool;

    public PairingStore(Pool pool) {
        this.pool = pool;
    }

    static String newCode() {
        StringBuilder code = new StringBuilder(CODE_LENGTH);
        for (int i = 0; i < CODE_LENGTH; i++) {
            code.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return code.toString();
    }

    /** The code for this {@code pair.start} frame: made once, the same one when the frame is handled again. */
    public Uni<Code> start(String userId, String startedBy, String startId, Duration ttl) {
        return pool.preparedQuery("""
                INSERT INTO relay.pairing_code (user_id, code, started_by, start_id, expires_at)
                VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond') ON CONFLICT DO NOTHING""")
                .execute(Tuple.of(userId, newCode(), startedBy, startId, ttl.toMillis()))
                .chain(() -> pool.preparedQuery("""
                        SELECT code, expires_at FROM relay.pairing_code WHERE user_id = $1 AND started_by = $2 AND start_id = $3""")
                        .execute(Tuple.of(userId, startedBy, startId)))
                .chain(rows -> rows.size() == 0
                        // the random code collided with one of the user's earlier codes: draw again
                        ? start(userId, startedBy, startId, ttl)
                        : Uni.createFrom().item(code(rows.iterator().next())));
    }

    private static Code code(Row row) {
        return new Code(row.getString(0), row.getOffsetDateTime(1).toInstant().toEpochMilli());
    }

    /**
     * A pending device claims a code. Refused when the user made too many wrong claims lately
     * ({@code rate_limited}), the code is not the user's ({@code not_found}, counted as wrong), or it
     * expired or was used by another device ({@code conflict}).
     */
    public Uni<Outcome> claim(String userId, String code, String claimedBy, Limits limits) {
        Duration window = limits.window();
        return pool.withTransaction(connection -> wrongClaims(connection, userId, claimedBy, window).chain(wrong -> {
            if (wrong.byDevice() >= limits.perDevice() || wrong.byUser() >= limits.perUser()) {
                return Uni.createFrom().item(Outcome.refused(ErrorCode.RATE_LIMITED, "too many wrong pairing codes: at most "
                        + limits.perDevice() + " per device and " + limits.perUser() + " per user in " + window.toMinutes()
                        + " minutes; try again later"));
            }
            return connection.preparedQuery("""
                    SELECT started_by, claim_id, claimed_by, expires_at < now() FROM relay.pairing_code
                     WHERE user_id = $1 AND code = $2 FOR UPDATE""")
                    .execute(Tuple.of(userId, code))
                    .chain(rows -> claimRow(connection, userId, code, claimedBy, rows));
        }));
    }

    private Uni<Outcome> claimRow(SqlConnection connection, String userId, String code, String claimedBy, RowSet<Row> rows) {
        if (rows.size() == 0) {
            return connection.preparedQuery("INSERT INTO relay.pairing_failure (user_id, device_id) VALUES ($1, $2)")
                    .execute(Tuple.of(userId, claimedBy))
                    .map(ignored -> Outcome.refused(ErrorCode.NOT_FOUND, "no such pairing code"));
        }
        Row row = rows.iterator().next();
        String startedBy = row.getString(0), claimId = row.getString(1), claimer = row.getString(2);
        if (claimer != null) {
            return Uni.createFrom().item(claimer.equals(claimedBy) ? new Outcome(claimId, startedBy, claimer, null, null)
                    : Outcome.refused(ErrorCode.CONFLICT, "this pairing code was already used"));
        }
        if (row.getBoolean(3)) {
            return Uni.createFrom().item(Outcome.refused(ErrorCode.CONFLICT, "this pairing code expired: ask for a new one"));
        }
        String newClaimId = UUID.randomUUID().toString();
        return connection.preparedQuery("""
                UPDATE relay.pairing_code SET claim_id = $3, claimed_by = $4, claimed_at = now(),
                       claimed_hash = (SELECT credential_hash FROM relay.device WHERE user_id = $1 AND device_id = $5 AND revoked_at IS NULL)
                 WHERE user_id = $1 AND code = $2""")
                .execute(Tuple.of(userId, code, newClaimId, claimedBy, claimedBy))
                .map(ignored -> new Outcome(newClaimId, startedBy, claimedBy, null, null));
    }

    /** The limits of wrong claims in a sliding window. */
    public record Limits(int perDevice, int perUser, Duration window) {
    }

    private record Wrong(long byDevice, long byUser) {
    }

    private static Uni<Wrong> wrongClaims(SqlConnection connection, String userId, String deviceId, Duration window) {
        return connection.preparedQuery("""
                SELECT count(*) FILTER (WHERE device_id = $2), count(*) FROM relay.pairing_failure
                 WHERE user_id = $1 AND failed_at > now() - $3 * interval '1 millisecond'""")
                .execute(Tuple.of(userId, deviceId, window.toMillis()))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new Wrong(row.getLong(0), row.getLong(1));
                });
    }

    /** How many codes of the user can still be claimed. */
    public Uni<Long> openCodes(String userId) {
        return pool.preparedQuery("""
                SELECT count(*) FROM relay.pairing_code WHERE user_id = $1 AND claim_id IS NULL AND expires_at > now()""")
                .execute(Tuple.of(userId))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /**
     * A trusted device decides a claim: on approval the claiming device becomes trusted in the same
     * transaction. A decision repeated the same way is accepted again; the other way it is a conflict.
     * A claim must be decided within {@code ttl} of being made.
     */
    public Uni<Outcome> decide(String userId, String claimId, boolean approve, Duration ttl) {
        return pool.withTransaction(connection -> connection.preparedQuery("""
                SELECT started_by, claimed_by, approved, claimed_at < now() - $3 * interval '1 millisecond'
                  FROM relay.pairing_code WHERE user_id = $1 AND claim_id = $2 FOR UPDATE""")
                .execute(Tuple.of(userId, claimId, ttl.toMillis()))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(Outcome.refused(ErrorCode.NOT_FOUND, "no such pairing request"));
                    }
                    Row row = rows.iterator().next();
                    String startedBy = row.getString(0), claimedBy = row.getString(1);
                    Boolean decided = row.getBoolean(2);
                    Outcome done = new Outcome(claimId, startedBy, claimedBy, null, null);
                    if (decided != null) {
                        return Uni.createFrom().item(decided == approve ? done
                                : Outcome.refused(ErrorCode.CONFLICT, "this pairing request was already " + (decided ? "approved" : "denied")));
                    }
                    if (row.getBoolean(3)) {
                        return Uni.createFrom().item(Outcome.refused(ErrorCode.CONFLICT, "this pairing request expired"));
                    }
                    Uni<Boolean> deviceThere = !approve ? Uni.createFrom().item(true)
                            : connection.preparedQuery("""
                                    UPDATE relay.device d SET trusted = true, paired_at = now()
                                      FROM relay.pairing_code p
                                     WHERE d.user_id = $1 AND d.device_id = $2 AND d.revoked_at IS NULL
                                       AND p.user_id = $1 AND p.claim_id = $3 AND p.claimed_hash = d.credential_hash""")
                                    .execute(Tuple.of(userId, claimedBy, claimId)).map(updated -> updated.rowCount() == 1);
                    // the id may have been revoked and registered again by someone else since the claim
                    return deviceThere.chain(there -> !there
                            ? Uni.createFrom().item(Outcome.refused(ErrorCode.NOT_FOUND,
                                    "the claiming device is no longer the one that claimed: it was revoked"))
                            : connection.preparedQuery("""
                                    UPDATE relay.pairing_code SET decided_at = now(), approved = $3 WHERE user_id = $1 AND claim_id = $2""")
                                    .execute(Tuple.of(userId, claimId, approve)).map(ignored -> done));
                }));
    }

    /** Removes codes and wrong-claim records older than {@code age}. */
    public Uni<Void> purge(Duration age) {
        Tuple cutoff = Tuple.of(age.toMillis());
        return pool.preparedQuery("DELETE FROM relay.pairing_code WHERE expires_at < now() - $1 * interval '1 millisecond'")
                .execute(cutoff)
                .chain(() -> pool.preparedQuery("DELETE FROM relay.pairing_failure WHERE failed_at < now() - $1 * interval '1 millisecond'")
                        .execute(cutoff))
                .replaceWithVoid();
    }
}
