package io.sluice.routing.classify;

/** The read consistency a client may ask for with {@code /* sluice:consistency=... *}{@code /}. */
public enum Consistency {
    /** Any replica within the lag limit. */
    EVENTUAL,
    /** Read-your-writes within the session (GTID-exact). */
    SESSION,
    /** Sees every write committed anywhere before the read began. */
    STRONG
}
