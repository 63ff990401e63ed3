package io.sluice.bench.load;

/**
 * Where sysbench connects: the source itself, the L4 reference relay (HAProxy), a bare relay on Sluice's own
 * transport ({@link NettyRelay}: what the JVM and Netty cost before any of Sluice's work), or Sluice.
 */
enum Target {
    DIRECT("direct"), HAPROXY("haproxy"), NETTY("netty-relay"), SLUICE("sluice");

    final String label;

    Target(String label) {
        this.label = label;
    }
}
