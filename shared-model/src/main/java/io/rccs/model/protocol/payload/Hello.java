package io.rccs.model.protocol.payload;

import java.util.List;
import java.util.Set;

import io.rccs.model.protocol.ProtocolException;

/**
 * {@code hello}: the first client frame; who this device is and where it left off. A device that
 * was registered before proves it with {@code credential} (SPEC 3.4); a new device leaves it out.
 */
public record Hello(String deviceId, String name, String kind, String platform, String appVersion,
        List<String> capabilities, Resume resume, String credential) implements Payload {

    public static final Set<String> KINDS = Set.of("desktop", "mobile", "web", "service");
    public static final int MAX_DEVICE_ID = 64;
    public static final int MAX_CAPABILITIES = 64;
    public static final int MAX_NAME = 128;
    /** platform and appVersion: the relay's columns are VARCHAR(64). */
    public static final int MAX_PLATFORM = 64;
    public static final int MAX_APP_VERSION = 64;
    /** Sequence numbers stay exact in every JSON client (JavaScript's Number.MAX_SAFE_INTEGER). */
    public static final long MAX_SEQ = 9_007_199_254_740_991L;
    /**
     * The largest {@code resume.lastSeq} accepted: a resume past the server's position moves it up,
     * and half the range must stay for the seqs that follow.
     */
    public static final long MAX_RESUME_SEQ = MAX_SEQ / 2;

    /** The last sequence number the device saw, so the server can replay what came after it. */
    public record Resume(Long lastSeq) {
    }

    /** A device credential: what the server issued in {@code welcome}, base64url. */
    public static final int MAX_CREDENTIAL = 128;

    public Hello {
        capabilities = capabilities == null ? List.of() : List.copyOf(capabilities);
    }

    /** A hello without a credential: a device's first (it is given one in {@code welcome}). */
    public Hello(String deviceId, String name, String kind, String platform, String appVersion,
            List<String> capabilities, Resume resume) {
        this(deviceId, name, kind, platform, appVersion, capabilities, resume, null);
    }

    /** This hello with the credential left out (the gateway passes on only its hash). */
    public Hello withoutCredential() {
        return new Hello(deviceId, name, kind, platform, appVersion, capabilities, resume, null);
    }

    @Override
    public void validate() throws ProtocolException {
        Payload.requireText(deviceId, "deviceId", MAX_DEVICE_ID);
        Payload.require(deviceId.matches("[A-Za-z0-9._:-]+"), "payload.deviceId may hold only letters, digits and . _ : -");
        Payload.requireText(name, "name", MAX_NAME);
        Payload.optionalText(platform, "platform", MAX_PLATFORM);
        Payload.optionalText(appVersion, "appVersion", MAX_APP_VERSION);
        Payload.require(kind != null && KINDS.contains(kind), "payload.kind must be one of " + KINDS);
        Payload.require(capabilities.size() <= MAX_CAPABILITIES, "at most " + MAX_CAPABILITIES + " capabilities");
        for (String capability : capabilities) {
            Payload.requireText(capability, "capabilities[]", 64);
            Payload.require(Capabilities.valid(capability), "payload.capabilities[] must be name or name@major: " + capability);
        }
        Payload.optionalText(credential, "credential", MAX_CREDENTIAL);
        Payload.require(credential == null || credential.matches("[A-Za-z0-9_-]+"), "payload.credential must be base64url");
        Payload.require(resume == null || resume.lastSeq() == null || (resume.lastSeq() >= 0 && resume.lastSeq() <= MAX_RESUME_SEQ),
                "payload.resume.lastSeq must be 0.." + MAX_RESUME_SEQ);
    }
}
