package io.rccs.model.protocol.payload;

import java.util.Collection;

/**
 * The capability rule (SPEC 3.4): a capability is {@code name@major} (for example
 * {@code roo.task@1}) or a bare {@code name}. A requirement {@code name@major} is met by a device
 * capability with the same name and the same major; a bare requirement {@code name} is met by the
 * name with any major (or none). A bare capability meets only bare requirements. Names and majors
 * compare exactly (case-sensitive); a major is a non-negative integer without leading zeros.
 */
public final class Capabilities {

    private Capabilities() {
    }

    /** Whether {@code capability} has the form {@code name} or {@code name@major}. */
    public static boolean valid(String capability) {
        return capability != null && capability.matches("[A-Za-z0-9._/-]{1,54}(@(0|[1-9][0-9]{0,8}))?");
    }

    /** Whether one offered capability meets the requirement. */
    public static boolean meets(String offered, String required) {
        if (offered == null || required == null) {
            return false;
        }
        int at = required.indexOf('@');
        if (at < 0) {
            return offered.equals(required) || offered.startsWith(required + "@");
        }
        return offered.equals(required);
    }

    /** Whether any of the offered capabilities meets the requirement. */
    public static boolean anyMeets(Collection<String> offered, String required) {
        for (String capability : offered) {
            if (meets(capability, required)) {
                return true;
            }
        }
        return false;
    }

    /** Whether every requirement is met by one of the offered capabilities. */
    public static boolean allMet(Collection<String> offered, Collection<String> required) {
        for (String requirement : required) {
            if (!anyMeets(offered, requirement)) {
                return false;
            }
        }
        return true;
    }
}
