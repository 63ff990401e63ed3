package io.sluice.bench.load;

/**
 * Where sysbench connects: the source itself, the L4 reference relay (HAProxy), a bare relay on Sluice's own
 * transport ({@link NettyRelay}: what the JVM and Netty cost before any of Sluice's work), Sluice as configured
 * (reads spread over the replicas), or the same Sluice process with its replicas taken out of the rotation
 * ({@code SET BACKEND ... OFFLINE SOFT}), so that it sends every statement to the source as the relays do: Sluice's
 * cost as a proxy, on the same servers' work as theirs. With {@code --compare-jar}, another build of Sluice beside this
 * one ({@code sluice-base}): the same cluster, configuration, placement and alternation, so that the two builds'
 * ratio is free of the machine's drift between two separate runs.
 */
enum Target {
    DIRECT("direct"), HAPROXY("haproxy"), NETTY("netty-relay"), SLUICE("sluice"), SLUICE_SOURCE("sluice-source"),
    SLUICE_BASE("sluice-base");

    final String label;

    Target(String label) {
        this.label = label;
    }
}
