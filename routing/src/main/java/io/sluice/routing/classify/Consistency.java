package io.sluice.routing.classify;

import java.util.Locale;
import java.util.Optional;

/**
 * How fresh an autocommit read must be: the config default {@code routing.consistency}, a session's own
 * {@code SET sluice_consistency = '...'}, or one statement's {@code /* sluice:consistency=... *}{@code /}.
 */
public enum Consistency {
    /** Any replica within the lag budget: the read may miss the session's own recent writes. */
    EVENTUAL,
    /**
     * Read-your-writes and monotonic reads: the read runs on a server that has applied every transaction the
     * session wrote, read, or was handed as a token.
     */
    SESSION,
    /** As {@link #SESSION}, and also every transaction committed on the source before the read began. */
    GLOBAL;

    /** The level named by {@code text}, case-insensitive; {@code strong} is accepted for {@link #GLOBAL}. */
    public static Optional<Consistency> parse(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "eventual" -> Optional.of(EVENTUAL);
            case "session" -> Optional.of(SESSION);
            case "global", "strong" -> Optional.of(GLOBAL);
            default -> Optional.empty();
        };
    }

    /** The name as written in config and SQL. */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }
}
