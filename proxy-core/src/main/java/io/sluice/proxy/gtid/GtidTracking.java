package io.sluice.proxy.gtid;

import io.sluice.protocol.gtid.GtidSet;
import io.sluice.routing.route.GtidView;

import java.util.Collection;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * What sessions need of the GTID tracker: each server's executed set (for the router), and a wake-up when a server
 * catches up (for a read waiting on {@code routing.causal_wait}). Thread-safe. {@link GtidTracker} is the real one.
 */
public interface GtidTracking extends GtidView {

    /** No tracker: nothing is known, and a wait fires only by its caller's timeout. */
    GtidTracking NONE = new GtidTracking() {
        @Override
        public GtidSet executed(String server) {
            return GtidSet.empty();
        }

        @Override
        public Waiter await(Collection<String> servers, GtidSet required, Executor executor, Consumer<String> onReached) {
            return () -> true;
        }
    };

    /**
     * What the server has certainly made visible to readers: the GTIDs its own commit wait ({@code MASTER_GTID_WAIT},
     * {@code WAIT_FOR_EXECUTED_GTID_SET}) confirmed, as reported to {@link #confirmed}. {@link #executed} comes from
     * the binlog stream, which hands a transaction out just before the storage engine commits it, so it cannot
     * promise that a read sees the transaction: a read that needs GTIDs beyond this set carries a commit wait. The
     * default, the empty set, makes every such read carry one.
     */
    default GtidSet visible(String server) {
        return GtidSet.empty();
    }

    /** The server's commit wait returned: {@code gtids} are committed there and visible to every later read. */
    default void confirmed(String server, GtidSet gtids) {
    }

    /**
     * Whether {@link #executed} is up to date for the server but for the stream's own delay; when not (polled,
     * down, silent), a {@code global} read asks the source itself.
     */
    default boolean current(String server) {
        return true;
    }

    /**
     * Calls {@code onReached} with the server's name, on {@code executor}, as soon as any of {@code servers} has
     * executed {@code required} (at once if one already has). Fires at most once; the caller bounds the wait itself
     * and {@link Waiter#cancel() cancels} it on timeout.
     */
    Waiter await(Collection<String> servers, GtidSet required, Executor executor, Consumer<String> onReached);
}
