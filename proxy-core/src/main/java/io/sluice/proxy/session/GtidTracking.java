package io.sluice.proxy.session;

import io.sluice.protocol.gtid.GtidSet;
import io.sluice.routing.route.GtidView;

import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * What sessions need of the GTID tracker: each server's executed set (for the router), and a wake-up when a server
 * catches up (for a read waiting on {@code routing.causal_wait}). Thread-safe.
 */
public interface GtidTracking extends GtidView {

    /** A registered wait. */
    @FunctionalInterface
    interface Waiter {
        /** Withdraws the wait; true if it had not fired (it will not fire then). */
        boolean cancel();
    }

    /** No tracker: nothing is known, and a wait fires only by its caller's timeout. */
    GtidTracking NONE = new GtidTracking() {
        @Override
        public GtidSet executed(String server) {
            return GtidSet.empty();
        }

        @Override
        public Waiter await(List<String> servers, GtidSet required, Executor executor, Consumer<String> onReached) {
            return () -> true;
        }
    };

    /**
     * Calls {@code onReached} with the server's name, on {@code executor}, as soon as any of {@code servers} has
     * executed {@code required} (at once if one already has). Fires at most once; the caller bounds the wait itself
     * and {@link Waiter#cancel() cancels} it on timeout.
     */
    Waiter await(List<String> servers, GtidSet required, Executor executor, Consumer<String> onReached);
}
