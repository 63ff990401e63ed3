package io.sluice.proxy.backend;

/** A backend server as Sluice addresses it: its configured name and its loopback or network address. */
public record BackendEndpoint(String name, String host, int port) {
    public String address() {
        return host + ":" + port;
    }

    @Override
    public String toString() {
        return name + "(" + address() + ")";
    }
}
