package io.sluice.proxy;

import io.sluice.proxy.session.StatementInspector;

/** Lets tests in other packages build Sluice with the same statement inspector as {@code main}. */
public final class MainAccess {
    private MainAccess() {
    }

    public static StatementInspector inspector() {
        return Main.inspector();
    }
}
